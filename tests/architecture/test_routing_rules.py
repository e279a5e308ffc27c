"""The routing analyser (tests/architecture/routing_rules.py) on hand-written statements: it must tell a statement
pinned to one alliance from one that would run on every shard, in both dialects."""

from __future__ import annotations

import pytest

from tests.architecture.routing_rules import analyse

TENANT = frozenset({"orders", "members", "merchants", "coupons", "coupon_templates"})


@pytest.mark.parametrize(("sql", "unpinned"), [
    ("SELECT * FROM orders WHERE orders.alliance_id = ? AND orders.id = ?", ()),
    ("SELECT * FROM orders WHERE alliance_id IN (?)", ()),
    ("SELECT * FROM orders WHERE orders.alliance_id = CAST(? AS INTEGER) AND orders.id = ?", ()),
    ("SELECT * FROM orders WHERE orders.id = ?", ("orders",)),
    ("SELECT * FROM orders WHERE orders.alliance_id IN (?, ?)", ("orders",)),
    ("SELECT * FROM orders WHERE orders.alliance_id = ? OR orders.id = ?", ("orders",)),
    ("SELECT o.id FROM orders AS o JOIN members AS m ON m.id = o.member_id AND m.alliance_id = o.alliance_id "
     "WHERE o.alliance_id = ?", ()),
    ("SELECT o.id FROM orders AS o JOIN members AS m ON m.id = o.member_id WHERE o.alliance_id = ?", ("members",)),
    ("SELECT * FROM orders WHERE orders.alliance_id = ? AND orders.member_id IN "
     "(SELECT members.id FROM members WHERE members.phone_hash = ?)", ("members",)),
    ("SELECT * FROM orders WHERE orders.alliance_id = ? AND EXISTS "
     "(SELECT 1 FROM members WHERE members.id = orders.member_id AND members.alliance_id = orders.alliance_id)", ()),
    ("WITH x AS (SELECT id FROM members) SELECT * FROM x", ("members",)),
    ("UPDATE orders SET status = ? WHERE orders.id = ?", ("orders",)),
    ("UPDATE orders SET status = ? WHERE orders.alliance_id = ? AND orders.id = ?", ()),
    ("DELETE FROM members WHERE members.id = ?", ("members",)),
    ("INSERT INTO orders (alliance_id, id) VALUES (?, ?)", ()),
    ("INSERT INTO orders (alliance_id, id) SELECT members.alliance_id, members.id FROM members", ("members",)),
    ("SELECT * FROM coupons JOIN coupon_templates ON coupon_templates.id = coupons.template_id "
     "AND coupon_templates.alliance_id = coupons.alliance_id WHERE coupons.code = ?", ()),
    ("SELECT * FROM coupons WHERE coupons.member_id = ?", ("coupons",)),
    ("SELECT * FROM platform_users WHERE platform_users.id = ?", ()),
    ("SELECT * FROM orders WHERE orders.alliance_id = ? UNION ALL SELECT * FROM members", ("members",)),
])
def test_a_statement_is_pinned_to_one_alliance_or_names_what_is_not(sql: str, unpinned: tuple[str, ...]) -> None:
    assert analyse(sql, "sqlite", TENANT) == unpinned
    assert analyse(sql.replace("?", "%(p)s"), "postgresql", TENANT) == unpinned
