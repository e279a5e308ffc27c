"""The rollup (referrals.rollup) answers exactly what the base queries answer: random referral histories around
the Asia/Shanghai month and week boundaries (late arrivals, second uses, uses elsewhere, orders, refunds, rebates
and their reversals, ratings, a targeted offer's sealed coupons, credited orders without a coupon, another
alliance), compared for every kind of caller, period, grouping and filter; then late events (claims, uses,
refunds, ratings, new coupons) folded in by the incremental refresh and compared again."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement
from lianmeng.audiences.models import Audience
from lianmeng.auth.domain import Role
from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.kit import clock
from lianmeng.orders.models import Order, Refund
from lianmeng.referrals import domain, repository, rollup
from lianmeng.referrals.models import Feedback, ReferralDaily, ReferralRollupState
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.referrals.story import SH

_ids = count(1)


@dataclass
class History:
    world: World
    rng: random.Random
    agreement: int = 0
    audience: int = 0
    templates: dict[int | None, int] = field(default_factory=dict)
    coupons: list[Coupon] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)


def shanghai(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SH).astimezone(UTC)


def a_moment(rng: random.Random) -> datetime:
    """Mostly near a boundary: the last and first hours of a Shanghai day, around 1 November and 1 December."""
    day = date(2025, 10, 27) + timedelta(days=rng.randrange(0, 40))
    hour = rng.choice([0, 0, 23, 23, 7, 12, 16, 8])
    return shanghai(day, hour, rng.randrange(60))


def setup(world: World, s: Session, rng: random.Random) -> History:
    h = History(world, rng)
    a = world.a
    m1, m2, _ = a.merchants
    agreement = Agreement(alliance_id=a.alliance_id, title="m1 × m2", merchant_a_id=m1, merchant_b_id=m2,
                          valid_from=date(2025, 1, 1))
    s.add(agreement)
    for side in (world.a, world.b):
        for m in side.merchants:
            t = CouponTemplate(alliance_id=side.alliance_id, owner_merchant_id=m, funded_by_merchant_id=m,
                               name=f"券 {m}", kind="amount_off", amount_fen=2_000)
            s.add(t)
            s.flush()
            h.templates[m] = t.id
    voucher = CouponTemplate(alliance_id=a.alliance_id, owner_merchant_id=None, name="联盟通用券",
                             kind="amount_off", amount_fen=1_000, acceptance="alliance")
    s.add(voucher)
    audience = Audience(alliance_id=a.alliance_id, merchant_id=m1, name="老客")
    s.add(audience)
    s.flush()
    h.templates[None] = voucher.id
    h.agreement = agreement.id
    h.audience = audience.id
    return h


def seal(h: History, s: Session, c: Coupon) -> None:
    """m1's targeted offer carrying m2's coupon: the target may not see it until it is used there."""
    a = h.world.a
    offer = TargetedOffer(alliance_id=a.alliance_id, merchant_id=a.merchants[0], partner_merchant_id=a.merchants[1],
                          template_id=h.templates[a.merchants[1]], audience_id=h.audience, name="定向", seed="s",
                          scheduled_at=c.issued_at, status="finished")
    s.add(offer)
    s.flush()
    s.add(OfferRecipient(alliance_id=a.alliance_id, offer_id=offer.id, member_id=c.member_id, arm="treated",
                         status="sent", coupon_id=c.id))


def order(h: History, s: Session, alliance: int, merchant: int, member: int, at: datetime, referrer: int | None,
          staff: int | None) -> Order:
    amount = h.rng.randrange(1, 200) * 100
    o = Order(alliance_id=alliance, merchant_id=merchant, member_id=member, external_id=f"R-{next(_ids)}",
              amount_fen=amount, cash_fen=amount, referrer_merchant_id=referrer, referrer_staff_id=staff,
              created_at=at)
    s.add(o)
    s.flush()
    h.orders.append(o)
    if referrer is not None and referrer != merchant:
        for payee_type, payee in (("merchant", referrer), ("staff", staff or 0), ("operator", 0)):
            paid = h.rng.randrange(1, 50) * 10
            s.add(Rebate(alliance_id=alliance, order_id=o.id, agreement_id=h.agreement, member_id=member,
                         payer_merchant_id=merchant, payee_type=payee_type, payee_id=payee, amount_fen=paid,
                         reversed_fen=h.rng.choice([0, 0, 0, paid // 2]), reason="t", status="frozen",
                         releases_at=at, created_at=at))
    return o


def refund(h: History, s: Session, o: Order, at: datetime) -> None:
    amount = min(o.amount_fen - o.refunded_fen, h.rng.choice([o.amount_fen, 100, 500]))
    if amount <= 0:
        return
    s.add(Refund(alliance_id=o.alliance_id, order_id=o.id, external_id=f"F-{next(_ids)}", amount_fen=amount,
                 cash_fen=amount, created_at=at))
    o.refunded_fen += amount
    s.flush()


def use(h: History, s: Session, c: Coupon, use_no: int, merchant: int, at: datetime) -> Redemption:
    rng = h.rng
    discount = rng.choice([500, 1_000, 2_000])
    r = Redemption(alliance_id=c.alliance_id, coupon_id=c.id, use_no=use_no, member_id=c.member_id,
                   merchant_id=merchant, referrer_merchant_id=c.referrer_merchant_id,
                   referrer_staff_id=c.referrer_staff_id, bill_fen=discount * 10, discount_fen=discount,
                   cost_fen=rng.choice([discount, discount // 2, None]), at=at)
    if rng.random() < 0.5:
        o = order(h, s, c.alliance_id, merchant, c.member_id, at, c.referrer_merchant_id
                  if c.referrer_merchant_id != merchant else None, c.referrer_staff_id)
        r.order_id = o.id
        if rng.random() < 0.25:
            refund(h, s, o, at + timedelta(hours=rng.randrange(1, 48)))
    s.add(r)
    s.flush()
    if rng.random() < 0.3:
        s.add(Feedback(alliance_id=r.alliance_id, redemption_id=r.id, member_id=r.member_id, merchant_id=merchant,
                       referrer_merchant_id=r.referrer_merchant_id, rating=rng.randrange(1, 6),
                       at=at + timedelta(hours=1)))
    if c.claimed_at is None:
        c.claimed_at = at
    return r


def coupons(h: History, s: Session, n: int, moment: object) -> None:
    rng, world = h.rng, h.world
    for _ in range(n):
        side = world.a if rng.random() < 0.9 else world.b
        merchants: list[int | None] = [*side.merchants]
        referrer = rng.choice([*merchants, None]) if side is world.a else side.merchants[0]
        target = rng.choice([*merchants, None]) if side is world.a else side.merchants[0]
        issued = moment() if callable(moment) else a_moment(rng)  # type: ignore[operator]
        template = h.templates[target] if target is not None else h.templates[None]
        staff = side.staff[referrer] if referrer is not None and rng.random() < 0.7 else None
        member = side.members[rng.choice(side.merchants)]
        c = Coupon(alliance_id=side.alliance_id, template_id=template, member_id=member,
                   code=f"RL{next(_ids):010d}", issued_at=issued,
                   claimed_at=issued + timedelta(hours=1) if rng.random() < 0.5 else None, valid_from=issued,
                   uses_left=3, referrer_merchant_id=referrer, referrer_staff_id=staff, target_merchant_id=target)
        s.add(c)
        s.flush()
        h.coupons.append(c)
        if side is world.a and referrer == side.merchants[0] and target == side.merchants[1] and rng.random() < 0.5:
            seal(h, s, c)
        if rng.random() < 0.5:
            where = target if target is not None and rng.random() < 0.8 else rng.choice(side.merchants)
            at = issued + timedelta(hours=rng.randrange(1, 24 * 12))
            use(h, s, c, 1, where, at)
            if rng.random() < 0.2:
                again = where if rng.random() < 0.7 else rng.choice(side.merchants)
                use(h, s, c, 2, again, at + timedelta(days=1))


def credited_orders(h: History, s: Session, n: int, moment: object) -> None:
    """Orders credited to a partner without a coupon (a referred member's later visits); some refunded in full."""
    rng, a = h.rng, h.world.a
    for _ in range(n):
        merchant = rng.choice(a.merchants)
        referrer = rng.choice([m for m in a.merchants if m != merchant])
        at = moment() if callable(moment) else a_moment(rng)  # type: ignore[operator]
        o = order(h, s, a.alliance_id, merchant, a.members[merchant], at, referrer, a.staff[referrer])
        if rng.random() < 0.2:
            refund(h, s, o, at + timedelta(hours=3))


def callers(world: World) -> list[Principal]:
    a, b = world.a, world.b
    out = [Principal("user", 1, Role.PLATFORM_ADMIN),
           Principal("user", 2, Role.OPERATOR_ADMIN, alliance_id=a.alliance_id),
           Principal("user", 3, Role.OPERATOR_ADMIN, alliance_id=b.alliance_id)]
    for i, m in enumerate(a.merchants):
        out.append(Principal("user", 10 + i, Role.MERCHANT_ADMIN, alliance_id=a.alliance_id, merchant_id=m))
    out.append(Principal("user", 20, Role.STORE_STAFF, alliance_id=a.alliance_id, merchant_id=a.merchants[1],
                         staff_id=a.staff[a.merchants[1]]))
    out.append(Principal("user", 30, Role.MERCHANT_ADMIN, alliance_id=b.alliance_id, merchant_id=b.merchants[0]))
    return out


def windows(alliance_id: int | None, today: date) -> list[repository.Window]:
    out = []
    for first, last, weekly in ((date(2025, 11, 1), date(2025, 11, 30), False),
                                (date(2025, 10, 27), date(2025, 12, 7), True),
                                (date(2025, 11, 30), date(2025, 12, 1), True),
                                (date(2025, 10, 1), date(2025, 12, 31), False),
                                (today - timedelta(days=27), today, True)):
        period = domain.Period(first, last)
        start, end = domain.utc_bounds(period)
        weeks = domain.weeks_in(period) if weekly else []
        out.append(repository.Window(start, end, [domain.shanghai_midnight(w.start) for w in weeks[1:]],
                                     alliance_id))
    return out


def compare(world: World, s: Session) -> int:
    """Every caller × window × filter: the rollup's figures and flows equal the base queries'. Returns the number
    of non-empty answers compared."""
    a = world.a
    compared = 0
    today = clock.today_in_shanghai()
    for p in callers(world):
        alliance = a.alliance_id if p.is_platform else None
        for w in windows(alliance, today):
            filters: list[dict[str, int]] = [{}]
            if p.is_operator or p.merchant_id == a.merchants[0]:  # the dashboard's sent / received halves
                filters += [{"referrer_id": a.merchants[0]}, {"receiver_id": a.merchants[1]}]
            for f in filters:
                base = repository.funnel(s, p, w, **f)
                rolled = rollup.funnel(s, p, w, **f)
                assert rolled == base, (p, w, f)
                compared += bool(base)
            assert rollup.flows(s, p, w) == repository.flows(s, p, w), (p, w)
    return compared


@pytest.mark.parametrize("seed", [7, 2026])
def test_the_rollup_equals_the_base_queries_on_random_histories(world: World, session: Session, seed: int) -> None:
    rng = random.Random(seed)
    h = setup(world, session, rng)
    coupons(h, session, 160, None)
    credited_orders(h, session, 25, None)
    session.commit()
    for alliance in (world.a.alliance_id, world.b.alliance_id):
        built = rollup.refresh(session, alliance)
        assert built.full
    session.commit()
    assert session.scalar(select(ReferralDaily.alliance_id).limit(1)) is not None
    assert compare(world, session) > 50

    # later: late claims, late uses (second uses too), refunds of old orders, ratings, coupons handed out today,
    # orders credited today: the incremental refresh folds in exactly the days they touch
    now = clock.now()
    unclaimed = [c for c in h.coupons if c.claimed_at is None]
    for c in rng.sample(unclaimed, min(10, len(unclaimed))):
        c.claimed_at = now
    for c in rng.sample(h.coupons, 25):
        uses = session.scalars(select(Redemption).where(Redemption.coupon_id == c.id)).all()
        if len(uses) < 3:
            where = uses[0].merchant_id if uses and rng.random() < 0.8 else rng.choice(
                world.a.merchants if c.alliance_id == world.a.alliance_id else world.b.merchants)
            use(h, session, c, len(uses) + 1, where, now)
    for o in rng.sample(h.orders, 10):
        refund(h, session, o, now)
    coupons(h, session, 20, lambda: now - timedelta(minutes=rng.randrange(0, 5)))
    credited_orders(h, session, 5, lambda: now)
    session.commit()
    for alliance in (world.a.alliance_id, world.b.alliance_id):
        again = rollup.refresh(session, alliance)
        assert not again.full and again.days > 0
    session.commit()
    compare(world, session)
    # a full rebuild gives the same rows as the incremental refreshes did
    rows = sorted(tuple(r) for r in session.execute(select(ReferralDaily.__table__)))
    rollup.refresh(session, world.a.alliance_id, full=True)
    rollup.refresh(session, world.b.alliance_id, full=True)
    session.commit()
    assert sorted(tuple(r) for r in session.execute(select(ReferralDaily.__table__))) == rows


def test_without_a_rollup_the_base_tables_answer_and_the_job_builds_it(world: World, session: Session,
                                                                       db_url: str) -> None:
    from lianmeng.jobs import service as jobs

    rng = random.Random(3)
    h = setup(world, session, rng)
    coupons(h, session, 40, None)
    session.commit()
    assert session.get(ReferralRollupState, world.a.alliance_id) is None
    compare(world, session)  # no rollup: both sides are the base queries
    session.commit()
    assert jobs.refresh_referral_rollups(db_url) == 2
    state = session.get(ReferralRollupState, world.a.alliance_id)
    assert state is not None and state.days_refreshed > 0
    compare(world, session)
