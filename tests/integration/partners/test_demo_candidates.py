"""The demo alliance's candidates: prospects and alliance merchants on the operator's list and the service centre's,
with visits and answers; one ruled out by negative news and one by its rating; every scorecard computes."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.partners import scorecard
from lianmeng.partners.domain import Basis, Gate, Standard, Verdict
from lianmeng.partners.models import Candidate, MysteryVisit, SincerityAnswer


def test_the_demo_gives_both_lists_candidates_of_every_kind(session: Session) -> None:
    load_demo(session, DemoPlan(seed=2024, scale=0.05, history=False))
    session.flush()
    candidates = session.scalars(select(Candidate).order_by(Candidate.id)).all()
    kinds = Counter((c.owner_merchant_id is None, c.merchant_id is None) for c in candidates)
    assert all(kinds[(operator, prospect)] >= 2 for operator in (True, False) for prospect in (True, False))
    assert session.scalars(select(MysteryVisit)).first() is not None
    assert session.scalars(select(SincerityAnswer)).first() is not None
    cards = {c.name: scorecard.score(session, c) for c in candidates}
    assert cards["速燃健身 Burn Club"].gates == (Gate.NEGATIVE_NEWS,)
    assert cards["鲜果时光轻食 Fresh Bowl"].gates == (Gate.LOW_RATING,)
    assert sum(1 for card in cards.values() if card.gates) == 2
    assert cards["粤里·米其林粤菜 Yue Li"].verdict is Verdict.RECOMMENDED
    azure = cards["蔚蓝海岸亲子酒店 Azure Family Resort"]
    assert azure.of(Standard.OVERLAP).basis is Basis.PRIOR and azure.of(Standard.OVERLAP).passed is False  # 55%+
    lift = cards["力行健身 LIFT Fitness"]  # in the alliance: the centre's overlap with it is counted
    assert lift.of(Standard.OVERLAP).basis is Basis.MEASURED
