"""The duplicate review pages as a browser uses them: the operator's queue, one pair side by side with masked
phones and the fields that agree and disagree, "not a duplicate" and "merge"; a merchant admin sees only pairs of
its own members."""

from __future__ import annotations

import re
import types

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.dedup.models import DedupCandidate
from tests.conftest import World
from tests.integration.dedup.test_candidates import enrol, run
from tests.integration.web.console import console, csrf_of


def test_the_operator_reviews_a_pair_side_by_side(world: World, db_url: str, session: Session,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = enrol(world, "staff1", "曾小凡", 1985)
    second = enrol(world, "staff2", "Zeng Xiaofan", 1985)
    other = enrol(world, "staff1", "解晓东", 1990, "male")
    twin = enrol(world, "staff2", "解晓冬", 1990, "male")
    run(db_url, world.a.alliance_id)
    operator = console(world.client, world.a.actors["operator"].username)
    page = operator.get("/console/dedup?kind=member")
    assert page.status_code == 200 and "重复候选" in page.text and "曾小凡" in page.text
    pair = session.scalars(select(DedupCandidate).where(DedupCandidate.left_id == first)).one()
    detail = operator.get(f"/console/dedup/{pair.id}")
    assert detail.status_code == 200
    assert "137****" in detail.text
    assert not re.search(r"(?<![0-9A-Za-z])1\d{10}(?![0-9A-Za-z])", detail.text)  # masked phones only
    assert "拼音" in detail.text and "一致" in detail.text and "开卡门店" in detail.text
    calls: list[tuple[int, int]] = []
    fake = types.ModuleType("lianmeng.merging.service")
    fake.merge_members = lambda session, p, survivor, absorbed, reason: calls.append(  # type: ignore[attr-defined]
        (survivor, absorbed))
    monkeypatch.setattr("lianmeng.merging.service.merge_members", fake.merge_members)  # type: ignore[attr-defined]
    merged = operator.post(f"/console/dedup/{pair.id}", data={
        "csrf": csrf_of(detail.text), "verdict": "merge", "survivor_id": str(second), "reason": "同一人"},
        follow_redirects=False)
    assert merged.status_code == 303, merged.text
    assert calls == [(second, first)]
    session.rollback()
    assert session.get(DedupCandidate, pair.id).status == "merged"  # type: ignore[union-attr]
    shown = operator.get(f"/console/dedup/{pair.id}")
    assert "已合并" in shown.text and 'id="merge"' not in shown.text
    twins = session.scalars(select(DedupCandidate).where(DedupCandidate.left_id == other,
                                                         DedupCandidate.right_id == twin)).one_or_none()
    if twins is not None:
        page = operator.get(f"/console/dedup/{twins.id}")
        rejected = operator.post(f"/console/dedup/{twins.id}", data={
            "csrf": csrf_of(page.text), "verdict": "not_duplicate", "reason": "兄弟"}, follow_redirects=False)
        assert rejected.status_code == 303


def test_a_merchant_admin_sees_only_pairs_of_its_own_members(world: World, db_url: str) -> None:
    enrol(world, "staff1", "曾小凡", 1985)
    enrol(world, "staff2", "Zeng Xiaofan", 1985)
    run(db_url, world.a.alliance_id)
    admin = console(world.client, world.a.actors["admin1"].username)
    page = admin.get("/console/dedup")
    assert page.status_code == 200 and "曾小凡" not in page.text and "没有候选" in page.text
    assert 'id="run"' not in page.text
