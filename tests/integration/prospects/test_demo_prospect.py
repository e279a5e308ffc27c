"""The demo alliance gains a prospect with an invitation and a computed overlap; `time_upload` works against it."""

from __future__ import annotations

from sqlalchemy import func, select

from lianmeng.db import new_session, unit_of_work
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.overlap.service import prospect_overlap
from lianmeng.partners.models import Candidate
from lianmeng.prospects.bench import time_invitation_and_upload
from lianmeng.prospects.models import OverlapComputation, OverlapInvitation, ProspectMemberDigest


def test_the_demo_has_a_prospect_with_an_uploaded_overlap_and_the_bench_runs_on_it(db_url: str) -> None:
    with unit_of_work(db_url) as session:
        load_demo(session, DemoPlan(scale=0.1, history=False))
    with new_session(db_url) as s:
        candidate = s.scalars(select(Candidate).where(Candidate.name == "悦心瑜伽会所")).one()
        assert candidate.merchant_id is None
        assert s.scalar(select(func.count()).select_from(OverlapInvitation)) == 1
        computation = s.scalars(select(OverlapComputation)).one()
        assert computation.distinct_hashes >= 990
        alliance_view = prospect_overlap(s, candidate.id, None)
        alliance_id = candidate.alliance_id
    assert alliance_view is not None and alliance_view.shared is not None
    assert abs(alliance_view.shared - 400) <= 60  # 400 of its customers are demo members; noise of scale 14

    timing = time_invitation_and_upload(db_url, alliance_id, n=2_000)
    assert timing.upload_s > 0 and timing.members_indexed == alliance_view.base
    with new_session(db_url) as s:
        assert s.scalar(select(func.count()).select_from(OverlapComputation)) == 2
        remaining = s.scalar(select(func.count()).select_from(ProspectMemberDigest)
                             .join(OverlapInvitation).where(OverlapInvitation.candidate_id != candidate.id))
    assert remaining == 0  # the bench leaves no member index behind
