"""The demo alliance's recruiting: links, applications in every state, promoters with rebates, the bounty."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.commissions.models import Rebate
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.merchants.models import Staff
from lianmeng.orders.models import Order
from lianmeng.partners.models import Candidate
from lianmeng.recruiting.models import Application, JoinLink, RecruitingSettings


def test_the_demo_recruits_promoters_who_earn_and_pays_their_recruiter(session: Session) -> None:
    loaded = load_demo(session, DemoPlan(seed=2024, scale=0.1, history_until=datetime(2026, 11, 30, tzinfo=UTC)))
    alliance_id = session.scalars(select(JoinLink.alliance_id)).first()
    assert alliance_id is not None and session.scalar(select(func.count(JoinLink.id))) == 3
    statuses = sorted(session.execute(select(Application.kind, Application.status)).all())
    assert statuses == [("merchant", "pending"), ("merchant", "pending"), ("promoter", "approved"),
                        ("promoter", "approved"), ("promoter", "pending"), ("promoter", "rejected")]
    assert loaded.counts["recruit_applications"] == 6 and loaded.counts["promoters"] == 2
    assert session.scalars(select(Application.reason).where(Application.status == "rejected")).one()
    candidates = session.scalars(select(Candidate).where(Candidate.id.in_(
        select(Application.candidate_id).where(Application.kind == "merchant")))).all()
    assert sorted(c.name for c in candidates) == ["悦享瑜伽馆", "童趣绘本馆"]
    promoters = session.scalars(select(Staff).where(Staff.role == "promoter")).all()
    assert len(promoters) == 2 and all(p.phone_hash and p.store_id is None for p in promoters)
    assert loaded.counts["staff"] == session.scalar(select(func.count(Staff.id)))
    earned = session.execute(select(Rebate.payee_id, func.count(), func.sum(Rebate.amount_fen)).where(
        Rebate.payee_type == "staff", Rebate.payee_id.in_([p.id for p in promoters])).group_by(Rebate.payee_id)).all()
    sales = session.scalar(select(func.count(Order.id)).where(Order.external_id.like("PROMO-%")))
    assert len(earned) == 2 and all(count >= 1 and total == count * 5_000 for _, count, total in earned)
    assert sum(count for _, count, _ in earned) == sales
    settings = session.scalars(select(RecruitingSettings)).one()
    guide = session.scalars(select(Application.recruiter_id).where(Application.status == "approved")).first()
    assert guide is not None and settings.bounty_fen == 2_000
    available = ledger.balance(session, alliance_id, AccountRef(OwnerType.STAFF, guide, AccountKind.REBATE_AVAILABLE))
    assert available >= 2 * 2_000
