"""The console's merge history: merge two members by card number, see what moved, undo; refusals in words."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from lianmeng.members.models import Member
from tests.conftest import World
from tests.integration.web.console import console, csrf_of


def test_operator_merges_by_card_and_undoes_on_the_page(world: World, session: Session) -> None:
    m1, m2 = world.a.merchants[:2]
    kept, dup = session.get(Member, world.a.members[m2]), session.get(Member, world.a.members[m1])
    assert kept is not None and dup is not None
    browser = console(world.client, "op-alpha")
    page = browser.get("/console/merges")
    assert page.status_code == 200 and "暂无合并记录" in page.text
    same = browser.post("/console/merges", data={"csrf": csrf_of(page.text), "survivor_card": kept.card_no,
                                                 "absorbed_card": kept.card_no, "reason": "重复"})
    assert same.status_code == 422 and "不能将会员与其自身合并" in same.text
    done = browser.post("/console/merges", data={"csrf": csrf_of(page.text), "survivor_card": kept.card_no,
                                                 "absorbed_card": dup.card_no, "reason": "同一人两次办卡"})
    assert done.status_code == 200 and 'data-status="in_force"' in done.text and "同一人两次办卡" in done.text
    assert "in_force" not in done.text.replace('data-status="in_force"', "")  # the status in words, not its code
    found = re.search(r'<tr id="merge-(\d+)"', done.text)
    assert found is not None
    merge_id = found.group(1)
    undone = browser.post(f"/console/merges/{merge_id}/undo", data={"csrf": csrf_of(done.text), "reason": "两个人"})
    assert undone.status_code == 200 and 'data-status="reversed"' in undone.text and "已撤销" in undone.text
    session.rollback()
    assert session.get(Member, dup.id).status == "active"  # type: ignore[union-attr]


def test_store_staff_cannot_open_the_merges(world: World) -> None:
    browser = console(world.client, "staff-alpha-1", raise_server_exceptions=False)
    assert browser.get("/console/merges").status_code == 403
    admin = console(world.client, "admin-alpha-1")
    assert admin.get("/console/merges").status_code == 200
