"""The demo alliance has tags: its taxonomy, rule tags from its referral history credited to the merchants whose
data matched, the service centre's staff tags, and members' declared interests; running the rules again adds
nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.demo import data
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.merchants.models import Merchant
from lianmeng.tags import service
from lianmeng.tags.models import MemberTag, TagDefinition


def test_the_demo_has_believable_tags(session: Session) -> None:
    loaded = load_demo(session, DemoPlan(seed=2024, scale=0.05, history_until=datetime(2026, 11, 30, tzinfo=UTC)))
    alliance_id = session.scalars(select(TagDefinition.alliance_id)).first()
    assert alliance_id is not None
    by_source = dict(session.execute(select(MemberTag.source, func.count()).group_by(MemberTag.source)).all())
    assert by_source["rule"] == loaded.counts["rule_tags"] > 0
    assert by_source["staff"] == loaded.counts["staff_tags"] == 24
    assert by_source["declared"] == loaded.counts["declared_interests"] >= 60
    centre = session.scalars(select(Merchant.id).where(Merchant.name == data.MERCHANTS[0].name)).one()
    staff_merchants = set(session.scalars(select(MemberTag.merchant_id).where(MemberTag.source == "staff")))
    assert staff_merchants == {centre}
    credited = session.scalars(select(func.count(func.distinct(MemberTag.merchant_id))).where(
        MemberTag.source == "rule")).one()
    assert credited >= 3  # rule tags belong to the merchants whose data matched, not to one place
    gyms = session.scalar(select(func.count()).select_from(MemberTag).join(
        TagDefinition, TagDefinition.id == MemberTag.tag_id).where(TagDefinition.code == "fitness",
                                                                   MemberTag.source == "rule"))
    assert gyms and gyms > 0
    assert service.apply_rules(session, alliance_id) == service.RulesApplied(0, 0)
