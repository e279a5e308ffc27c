"""The demo's saved audience of the Tesla centre and the segment report it shared with a partner."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.audiences.models import Audience
from lianmeng.demo import data
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.merchants.models import Merchant
from lianmeng.segments.domain import shown_counts
from lianmeng.segments.models import SegmentShare


def test_the_centre_saves_an_audience_and_shares_a_report(session: Session) -> None:
    summary = load_demo(session, DemoPlan(seed=2024, scale=0.2))
    session.flush()
    centre = session.scalars(select(Merchant).where(Merchant.name == data.MERCHANTS[0].name)).one()
    audience = session.scalars(select(Audience)).one()
    assert audience.merchant_id == centre.id and "important_value" in audience.rules["classes"]
    share = session.scalars(select(SegmentShare)).one()
    assert share.from_merchant_id == centre.id and share.to_merchant_id != centre.id and share.agreement_id
    assert share.k == 10 and share.report["too_few"] is False and share.report["total"] >= 10
    assert all(n >= 10 for n in shown_counts(share.report))
    assert summary.counts["audiences"] == 1 and summary.counts["segment_shares"] == 1
