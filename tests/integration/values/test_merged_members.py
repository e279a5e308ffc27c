"""The value model scores people: once two records of one person are merged, the survivor is scored on both
records' orders (orders stay on the tombstone's id, docs/merging.md) and the tombstone has no value rows of its
own, so the quintiles are not taken over one person twice; undo scores them apart again. The incremental run
sees a merge or undo since the last run and agrees with a full one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.kit import clock
from lianmeng.values import service
from tests.conftest import World
from tests.integration.values.helpers import AT, add_member, add_order, populate
from tests.integration.values.test_refresh import expected, snapshot

MERGES = "/api/v1/members/merges"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def wide(session: Session, alliance_id: int, member_id: int) -> tuple[object, ...] | None:
    """(frequency, monetary) of the member's alliance-wide row, or None without one."""
    row = snapshot(session, alliance_id).get((member_id, None))
    return None if row is None else row[2:4]


def check_incremental_equals_full(session: Session, alliance_id: int, at: Any) -> dict[Any, Any]:
    report = service.refresh(session, alliance_id, at=at)
    assert not report.full
    incremental = snapshot(session, alliance_id)
    assert incremental == expected(session, alliance_id)
    full = service.refresh(session, alliance_id, at=at, full=True)
    assert (full.rows_rewritten, full.rows_inserted, full.history_rows) == (0, 0, 0)
    assert snapshot(session, alliance_id) == incremental
    return incremental


def test_the_survivor_is_scored_on_both_records_and_the_tombstone_not_at_all(world: World,
                                                                             session: Session) -> None:
    a = world.a
    m1, m2, _ = a.merchants
    populate(session, a.alliance_id, a.merchants, 30)
    kept = add_member(session, a.alliance_id, m1, 901)
    twin = add_member(session, a.alliance_id, m2, 902)
    add_order(session, a.alliance_id, m1, kept, 30_000, AT - timedelta(days=5))
    add_order(session, a.alliance_id, m2, twin, 50_000, AT - timedelta(days=2))
    add_order(session, a.alliance_id, m2, twin, 20_000, AT - timedelta(days=20))
    session.commit()
    service.refresh(session, a.alliance_id, at=AT)
    session.commit()
    assert wide(session, a.alliance_id, kept) == (1, 30_000) and wide(session, a.alliance_id, twin) == (2, 70_000)

    op = a.actors["operator"].headers
    done = ok(world.client.post(MERGES, headers=op, json={"survivor_id": kept, "absorbed_id": twin,
                                                           "reason": "同一人两次办卡"}))
    session.rollback()
    later = max(AT, clock.now()) + timedelta(minutes=1)
    merged = check_incremental_equals_full(session, a.alliance_id, later)
    session.commit()
    assert wide(session, a.alliance_id, kept) == (3, 100_000)
    assert not [key for key in merged if key[0] == twin]
    assert merged[(kept, m2)][2:4] == (2, 70_000)  # at the merchant where the twin bought: the person's figures

    ok(world.client.post(f"{MERGES}/{done['id']}/undo", headers=op, json={"reason": "两个人"}), 200)
    session.rollback()
    check_incremental_equals_full(session, a.alliance_id, later + timedelta(minutes=1))
    assert wide(session, a.alliance_id, kept) == (1, 30_000) and wide(session, a.alliance_id, twin) == (2, 70_000)
