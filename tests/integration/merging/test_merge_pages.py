"""The console's merge history: merge two members by card number, or two stores, prospects or merchants by id (also
from the duplicate review), see what moved, undo; refusals in words."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.dedup.models import DedupCandidate
from lianmeng.members.models import Member
from lianmeng.merchants.models import Store
from tests.conftest import World
from tests.integration.dedup.test_candidates import run
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


def test_operator_merges_two_stores_on_the_page_and_undoes(world: World, session: Session) -> None:
    m1, m2 = world.a.merchants[:2]
    op = world.a.actors["operator"].headers
    bis = world.client.post(f"/api/v1/merchants/{m1}/stores", headers=op, json={
        "name": "同一家店", "address": "深南大道 1 号", "latitude": 22.54, "longitude": 114.05}).json()["id"]
    old = world.a.stores[m1]
    browser = console(world.client, "op-alpha")
    page = browser.get(f"/console/merges?kind=store&survivor_id={bis}&absorbed_id={old}")
    assert page.status_code == 200 and "暂无门店、潜在伙伴或商户的合并记录" in page.text
    assert f'name="survivor_id" value="{bis}"' in page.text and '<option value="merchant"' in page.text
    other = browser.post("/console/merges/places", data={
        "csrf": csrf_of(page.text), "kind": "store", "survivor_id": str(bis),
        "absorbed_id": str(world.a.stores[m2]), "reason": "重复"})
    assert other.status_code == 422 and "只能合并同一商户的两家门店" in other.text
    done = browser.post("/console/merges/places", data={
        "csrf": csrf_of(page.text), "kind": "store", "survivor_id": str(bis), "absorbed_id": str(old),
        "reason": "同一家店录入两次"})
    assert done.status_code == 200 and 'data-kind="store"' in done.text and "同一家店录入两次" in done.text
    assert "门店的员工 1" in done.text  # what moved, in words
    found = re.search(r'<tr id="place-merge-(\d+)" data-status="in_force"', done.text)
    assert found is not None
    undone = browser.post(f"/console/merges/places/{found.group(1)}/undo",
                          data={"csrf": csrf_of(done.text), "reason": "不是同一家"})
    assert undone.status_code == 200 and 'data-status="reversed"' in undone.text
    session.rollback()
    assert session.get(Store, old).merged_into_id is None  # type: ignore[union-attr]


def test_a_merchant_admin_may_not_merge_merchants_on_the_page(world: World) -> None:
    m1, m2 = world.a.merchants[:2]
    admin = console(world.client, "admin-alpha-1")
    page = admin.get("/console/merges")
    assert page.status_code == 200 and '<option value="store"' in page.text
    assert '<option value="merchant"' not in page.text
    refused = admin.post("/console/merges/places", data={
        "csrf": csrf_of(page.text), "kind": "merchant", "survivor_id": str(m1), "absorbed_id": str(m2),
        "reason": "重复"})
    assert refused.status_code == 403


def test_operator_merges_a_store_pair_from_the_duplicate_review(world: World, db_url: str, session: Session) -> None:
    m1 = world.a.merchants[0]
    op = world.a.actors["operator"].headers
    ids = [world.client.post(f"/api/v1/merchants/{m1}/stores", headers=op, json={
        "name": name, "address": "深圳市福田区深南大道1号", "latitude": 22.5400, "longitude": 114.0500}).json()["id"]
        for name in ("張記茶餐廳", "张记茶餐厅")]
    run(db_url, world.a.alliance_id)
    pair = session.scalars(select(DedupCandidate).where(DedupCandidate.kind == "store",
                                                        DedupCandidate.left_id == ids[0],
                                                        DedupCandidate.right_id == ids[1])).one()
    browser = console(world.client, "op-alpha")
    detail = browser.get(f"/console/dedup/{pair.id}")
    assert detail.status_code == 200 and 'id="merge"' in detail.text
    assert f"/console/merges?kind=store&amp;survivor_id={ids[0]}&amp;absorbed_id={ids[1]}" in detail.text
    merged = browser.post(f"/console/dedup/{pair.id}", data={
        "csrf": csrf_of(detail.text), "verdict": "merge", "survivor_id": str(ids[0]), "reason": "同一家店"},
        follow_redirects=False)
    assert merged.status_code == 303, merged.text
    session.rollback()
    assert session.get(DedupCandidate, pair.id).status == "merged"  # type: ignore[union-attr]
    assert session.get(Store, ids[1]).merged_into_id == ids[0]  # type: ignore[union-attr]
    history = browser.get("/console/merges")
    assert "張記茶餐廳" in history.text and "张记茶餐厅" in history.text
