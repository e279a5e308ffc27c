"""The rule job: set-based, the same answer as the pure rules, idempotent, scoped to one alliance, hooked into the
scheduled jobs; members who refused personalised offers are not profiled."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.coupons.models import Redemption
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.members.models import Member
from lianmeng.merchants.models import Merchant
from lianmeng.orders.models import Order
from lianmeng.tags import domain, service
from lianmeng.tags.models import MemberTag, TagDefinition, TagRuleRun
from lianmeng.tags.schemas import StaffTagIn
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.tags.helpers import add_arrival, add_order, rule_tags

AT = clock.now().replace(microsecond=0) - timedelta(hours=1)


def story(session: Session, world: World) -> tuple[int, int, int, int, int, int]:
    """Alliance A: m1 a service centre, m2 a gym, m3 a restaurant; x, y, z their members."""
    a = world.a
    m1, m2, m3 = a.merchants
    x, y, z = (a.members[m] for m in a.merchants)
    add_order(session, a.alliance_id, m1, x, AT - timedelta(days=10), "常规保养", "儿童安全座椅安装")
    add_arrival(session, a.alliance_id, m2, x, AT - timedelta(days=20), referrer=m1)  # m1 sent x to the gym
    for d in (5, 30, 80):
        add_order(session, a.alliance_id, m2, y, AT - timedelta(days=d), "私教课")
    add_order(session, a.alliance_id, m3, z, AT - timedelta(days=3), "家庭套餐")
    add_order(session, a.alliance_id, m3, z, AT - timedelta(days=400), "家庭套餐")  # outside the 365-day window
    add_order(session, a.alliance_id, m3, z, AT + timedelta(days=1), "家庭套餐")  # after the moment
    b = world.b
    add_order(session, b.alliance_id, b.merchants[0], b.members[b.merchants[0]], AT - timedelta(days=1), "常规保养")
    session.commit()
    return m1, m2, m3, x, y, z


def expected_by_pure_rules(session: Session, alliance_id: int) -> set[tuple[str, int, int]]:
    """domain.evaluate over every member's visits, read back row by row (the reference the SQL must equal)."""
    industry = dict(session.execute(select(Merchant.id, Merchant.industry)).all())
    visits: dict[int, list[domain.Visit]] = defaultdict(list)
    for o in session.scalars(select(Order).where(Order.alliance_id == alliance_id)):
        visits[o.member_id].append(domain.Visit(o.merchant_id, industry[o.merchant_id], o.created_at, True,
                                                tuple(i["name"] for i in o.items), o.referrer_merchant_id))
    for r in session.scalars(select(Redemption).where(Redemption.alliance_id == alliance_id,
                                                      Redemption.order_id.is_(None))):
        visits[r.member_id].append(domain.Visit(r.merchant_id, industry[r.merchant_id], r.at, False, (),
                                                r.referrer_merchant_id))
    refused = set(session.scalars(select(Member.id).where(Member.offers_refused.is_(True))))
    out = set()
    for tag in service.ensure_taxonomy(session, alliance_id):
        rule = service.rule_of(tag)
        if rule is None or not tag.active:
            continue
        for member, seen in visits.items():
            if member not in refused:
                out |= {(tag.code, member, merchant) for merchant in domain.evaluate(rule, seen, AT)}
    return out


def test_rule_tags_credit_the_merchant_whose_data_matched(world: World, session: Session) -> None:
    m1, m2, _, x, y, _ = story(session, world)
    applied = service.apply_rules(session, world.a.alliance_id, AT)
    session.commit()
    got = rule_tags(session, world.a.alliance_id)
    assert got == {("parenting", x, m1), ("child_seat", x, m1), ("car_owner", x, m1),
                   ("fitness", x, m1),  # the gym visit, credited to the centre that referred x
                   ("fitness", y, m2), ("regular_customer", y, m2)}
    assert applied == service.RulesApplied(added=6, removed=0)
    assert got == expected_by_pure_rules(session, world.a.alliance_id)
    assert rule_tags(session, world.b.alliance_id) == set()  # another alliance is not touched


def test_running_twice_adds_nothing_and_data_changes_are_followed(world: World, session: Session) -> None:
    _, _, m3, _, _, z = story(session, world)
    service.apply_rules(session, world.a.alliance_id, AT)
    session.commit()
    rows = session.scalar(select(func.count()).select_from(MemberTag))
    assert service.apply_rules(session, world.a.alliance_id, AT) == service.RulesApplied(0, 0)
    assert session.scalar(select(func.count()).select_from(MemberTag)) == rows
    add_order(session, world.a.alliance_id, m3, z, AT - timedelta(days=2), "家庭套餐")  # z's second dinner
    assert service.apply_rules(session, world.a.alliance_id, AT) == service.RulesApplied(1, 0)
    assert ("dining", z, m3) in rule_tags(session, world.a.alliance_id)
    later = AT + timedelta(days=400)  # a year on, nothing is within the windows any more
    applied = service.apply_rules(session, world.a.alliance_id, later)
    assert ("dining", z, m3) not in rule_tags(session, world.a.alliance_id)
    assert applied.removed >= 5


def test_a_member_who_refused_is_not_profiled_but_keeps_staff_tags(world: World, session: Session) -> None:
    m1, _, _, x, _, _ = story(session, world)
    service.apply_rules(session, world.a.alliance_id, AT)
    clerk = Principal(kind="user", id=world.a.actors["staff1"].user_id, role=Role.STORE_STAFF,
                      alliance_id=world.a.alliance_id, merchant_id=m1, staff_id=world.a.staff[m1])
    service.add_staff_tag(session, clerk, x, StaffTagIn(tag="nev_owner", note="问了家充桩"))
    member = session.get(Member, x)
    assert member is not None
    member.offers_refused = True
    applied = service.apply_rules(session, world.a.alliance_id, AT)
    assert applied == service.RulesApplied(0, 4)
    assert {t for t in rule_tags(session, world.a.alliance_id) if t[1] == x} == set()
    kept = session.execute(select(MemberTag.source).where(MemberTag.member_id == x)).scalars().all()
    assert kept == ["staff"]


def test_a_deactivated_tag_or_a_removed_rule_takes_its_rule_tags_away(world: World, session: Session) -> None:
    _, _, _, x, _, _ = story(session, world)
    service.apply_rules(session, world.a.alliance_id, AT)
    tags = {t.code: t for t in service.ensure_taxonomy(session, world.a.alliance_id)}
    tags["child_seat"].active = False
    tags["car_owner"].rule = None
    applied = service.apply_rules(session, world.a.alliance_id, AT)
    assert applied == service.RulesApplied(0, 2)
    assert {c for c, member, _ in rule_tags(session, world.a.alliance_id) if member == x} == {"parenting", "fitness"}


def test_the_scheduled_jobs_apply_the_rules_of_alliances_that_use_tags(world: World, session: Session,
                                                                        db_url: str) -> None:
    story(session, world)
    service.ensure_taxonomy(session, world.a.alliance_id)
    session.commit()
    first = run_all(db_url, AT)
    assert (first.rule_tags_added, first.rule_tags_removed) == (6, 0)
    assert service.due_alliances(session, AT) == []  # applied just now: not due again for a day
    session.rollback()
    run = session.get(TagRuleRun, world.a.alliance_id)
    assert run is not None and (run.added, run.removed) == (6, 0)
    assert service.due_alliances(session, AT + timedelta(hours=26)) == [world.a.alliance_id]
    again = run_all(db_url, AT + timedelta(hours=26))
    assert (again.rule_tags_added, again.rule_tags_removed) == (1, 0)  # z's second dinner is now in the past
    session.rollback()
    fitness = session.scalars(select(TagDefinition).where(TagDefinition.code == "fitness")).one()
    fitness.active = False
    fitness.updated_at = clock.now() + timedelta(seconds=1)
    session.commit()
    later = AT + timedelta(hours=26)
    assert service.due_alliances(session, later) == [world.a.alliance_id]  # an edit is applied on the next run
    edited = run_all(db_url, later)
    assert (edited.rule_tags_added, edited.rule_tags_removed) == (0, 2)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(TagDefinition).where(
        TagDefinition.alliance_id == world.b.alliance_id)) == 0  # B has not used tags: nothing made for it
