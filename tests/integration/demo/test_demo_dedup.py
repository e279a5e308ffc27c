"""The demo's planted duplicates and the candidates found for them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.dedup.models import DedupCandidate
from lianmeng.demo.dedup import FIRST_PHONE, PLANTED
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.kit import crypto
from lianmeng.members.models import Member


def test_the_planted_duplicates_are_candidates(session: Session) -> None:
    summary = load_demo(session, DemoPlan(seed=2024, scale=0.2))
    session.flush()
    planted = {m.id for m in session.scalars(select(Member).where(Member.phone_masked.in_(
        [crypto.mask_phone(str(FIRST_PHONE + n)) for n in range(PLANTED)])))}
    assert len(planted) == PLANTED
    candidates = list(session.scalars(select(DedupCandidate)))
    members = [c for c in candidates if c.kind == "member"]
    found = {c.left_id for c in members} | {c.right_id for c in members}
    assert len(planted & found) >= PLANTED - 1, (planted, [(c.left_id, c.right_id, c.score) for c in members])
    assert any(c.kind == "store" for c in candidates)
    assert summary.counts["dedup_candidates"] == len(candidates)
