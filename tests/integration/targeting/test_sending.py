"""The send job: arms assigned once, each member sent once, consent/refusal/cap honoured, failures retried."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lianmeng.auth.models import OutboxMessage
from lianmeng.auth.sender import redact_stale
from lianmeng.coupons.models import Coupon, CouponTemplate
from lianmeng.coupons.service import CODE_ALPHABET
from lianmeng.db import unit_of_work
from lianmeng.jobs.service import send_offers
from lianmeng.kit import crypto
from lianmeng.kit.clock import SHANGHAI
from lianmeng.members.models import Member
from lianmeng.targeting import sending
from lianmeng.targeting.models import OfferRecipient, TargetedOffer
from lianmeng.targeting.senders import Delivery, OfferMessage
from lianmeng.values.models import MemberValue
from tests.conftest import World
from tests.integration.targeting import helpers
from tests.integration.targeting.helpers import NOON

URL = "/api/v1/targeting/offers"


def create(world: World, st: helpers.Setup, **overrides: object) -> int:
    r = world.client.post(URL, json=helpers.body(st, scheduled_at=NOON.isoformat(), **overrides),
                          headers=world.a.actors["admin1"].headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def recipients(db_url: str, offer_id: int) -> list[OfferRecipient]:
    with unit_of_work(db_url) as s:
        rows = list(s.scalars(select(OfferRecipient).where(OfferRecipient.offer_id == offer_id)
                              .order_by(OfferRecipient.member_id)))
        s.expunge_all()
        return rows


def test_the_job_assigns_once_and_sends_each_member_once(world: World, db_url: str) -> None:
    a = world.a
    st = helpers.setup(db_url, a, members=39)  # 40 own members of m1 with the world's one
    with unit_of_work(db_url) as s:
        ids = list(s.scalars(select(Member.id).where(Member.origin_merchant_id == st.sender)))
        for i, member_id in enumerate(ids):  # two RFM classes of 20: each keeps 10% held out
            s.add(MemberValue(alliance_id=a.alliance_id, member_id=member_id, merchant_id=st.sender,
                              rfm_class="important_value" if i % 2 else "general_keep", computed_at=NOON))
    offer_id = create(world, st)
    assert send_offers(db_url, NOON) == 36
    assert send_offers(db_url, NOON + timedelta(minutes=5)) == 0
    rows = recipients(db_url, offer_id)
    assert len(rows) == 40 and len({r.member_id for r in rows}) == 40
    assert Counter((r.stratum, r.arm) for r in rows) == {("important_value", "treated"): 18,
                                                         ("important_value", "holdout"): 2,
                                                         ("general_keep", "treated"): 18,
                                                         ("general_keep", "holdout"): 2}
    assert Counter(r.status for r in rows) == {"sent": 36, "held": 4}
    sent = [r for r in rows if r.status == "sent"]
    assert all(r.token and r.coupon_id and r.message_id and r.sent_at == NOON and r.attempts == 1 for r in sent)
    assert all(r.coupon_id is None and r.message_id is None for r in rows if r.arm == "holdout")
    with unit_of_work(db_url) as s:
        coupons = list(s.scalars(select(Coupon).where(Coupon.template_id == st.template_id)))
        assert len(coupons) == 36 and len({c.code for c in coupons}) == 36
        assert len(CODE_ALPHABET) == 32 and all(len(c.code) == 12 and set(c.code) <= set(CODE_ALPHABET)
                                                for c in coupons)
        assert {(c.referrer_merchant_id, c.target_merchant_id, c.claimed_at) for c in coupons} == {
            (st.sender, st.partner, None)}
        assert s.get(CouponTemplate, st.template_id).issued_count == 36  # type: ignore[union-attr]
        messages = list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert len(messages) == 36
        by_id = {m.id: m for m in messages}
        member = s.get(Member, sent[0].member_id)
        message = by_id[sent[0].message_id]  # type: ignore[index]
        assert message.channel == "sms" and message.recipient_masked == member.phone_masked  # type: ignore[union-attr]
        assert crypto.decrypt(message.recipient_enc) == crypto.decrypt(member.phone_enc)  # type: ignore[union-attr]
        assert message.body.startswith("合作伙伴健身房送您一次免费体验课") and f"/o/{sent[0].token}" in message.body
        offer = s.get(TargetedOffer, offer_id)
        assert offer.status == "finished" and offer.finished_at == NOON  # type: ignore[union-attr]
        redact_stale(s, NOON + timedelta(days=1))  # the one-time-code janitor leaves offers alone
        assert s.get(OutboxMessage, message.id).redacted_at is None  # type: ignore[union-attr]
    detail = world.client.get(f"{URL}/{offer_id}", headers=a.actors["admin1"].headers).json()
    assert {(d["arm"], d["status"]): d["count"] for d in detail["delivery"]} == {("treated", "sent"): 36,
                                                                                ("holdout", "held"): 4}


def test_nothing_is_sent_before_it_is_due_or_in_quiet_hours(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a, members=3)
    create(world, st)
    assert send_offers(db_url, NOON - timedelta(minutes=1)) == 0
    late = datetime(2026, 12, 7, 22, tzinfo=SHANGHAI).astimezone(UTC)
    assert send_offers(db_url, late) == 0
    assert helpers.count(db_url, OfferRecipient) == 0
    assert send_offers(db_url, datetime(2026, 12, 8, 9, tzinfo=SHANGHAI).astimezone(UTC)) == 4


def test_opted_out_and_unconsented_members_never_receive(world: World, db_url: str) -> None:
    a = world.a
    st = helpers.setup(db_url, a, members=4)
    with unit_of_work(db_url) as s:
        refused = helpers.add_members(s, a.alliance_id, st.sender, 1, offers_refused=True)[0]
        silent = helpers.add_members(s, a.alliance_id, st.sender, 1)[0]
        blocked = helpers.add_members(s, a.alliance_id, st.sender, 1, status="blocked")[0]
    offer_id = create(world, st, holdout_bp=0)
    with unit_of_work(db_url) as s:  # consent withdrawn after the offer was created: still never sent
        s.execute(update(Member).where(Member.id == silent).values(consent_marketing=False))
    assert send_offers(db_url, NOON) == 5
    rows = {r.member_id: r for r in recipients(db_url, offer_id)}
    assert refused not in rows  # the audience itself leaves out members who refused personalised offers
    assert (rows[silent].status, rows[silent].skip_reason) == ("skipped", "no_marketing_consent")
    assert (rows[blocked].status, rows[blocked].skip_reason) == ("skipped", "member_inactive")
    assert all(rows[m].coupon_id is None and rows[m].token is None for m in (silent, blocked))
    with unit_of_work(db_url) as s:
        assert not list(s.scalars(select(Coupon).where(Coupon.member_id.in_((refused, silent, blocked)))))
    page = world.client.get(f"/console/targeting/{offer_id}")  # anonymous: to the login page
    assert page.status_code in (200, 303)


def test_the_cap_counts_offers_of_every_merchant(world: World, db_url: str) -> None:
    a = world.a
    st = helpers.setup(db_url, a, members=2)
    m3 = a.merchants[2]
    with unit_of_work(db_url) as s:
        capped = s.scalars(select(Member.id).where(Member.origin_merchant_id == st.sender)
                           .order_by(Member.id)).first()
        other_audience = helpers.audience(s, a.alliance_id, m3)
        for days_ago in (1, 6, 8):  # m3 sent this member two offers this week (8 days ago no longer counts)
            other = TargetedOffer(alliance_id=a.alliance_id, merchant_id=m3, partner_merchant_id=st.partner,
                                  template_id=st.template_id, audience_id=other_audience, name="m3", seed="x",
                                  scheduled_at=NOON, status="finished")
            s.add(other)
            s.flush()
            s.add(OfferRecipient(alliance_id=a.alliance_id, offer_id=other.id, member_id=capped, arm="treated",
                                 status="sent", sent_at=NOON - timedelta(days=days_ago)))
    offer_id = create(world, st, holdout_bp=0)
    assert send_offers(db_url, NOON) == 2
    rows = {r.member_id: r for r in recipients(db_url, offer_id)}
    assert (rows[capped].status, rows[capped].skip_reason) == ("skipped", "frequency_cap")
    assert sum(r.status == "sent" for r in rows.values()) == 2


class Failing:
    def __init__(self) -> None:
        self.calls = 0

    def send(self, session: Session, messages: Sequence[OfferMessage]) -> list[Delivery]:
        self.calls += 1
        raise ConnectionError("gateway down")


def test_a_failing_sender_is_retried_with_backoff_then_fails(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a)
    offer_id = create(world, st, holdout_bp=0)
    failing = Failing()
    at = NOON
    with unit_of_work(db_url) as s:
        assert sending.send_due(s, at).assigned == 1
    for wait in (0, 1, 5, 30, 120):
        at += timedelta(minutes=wait)
        if wait:  # not retried before its time
            with unit_of_work(db_url) as s:
                assert not sending.send_due(s, at - timedelta(seconds=1), senders={"sms": failing}).did_something
        with unit_of_work(db_url) as s:
            step = sending.send_due(s, at, senders={"sms": failing})
            assert step.retrying + step.failed == 1
    (row,) = recipients(db_url, offer_id)
    assert (row.status, row.attempts, row.next_attempt_at, row.coupon_id) == ("failed", 5, None, None)
    assert failing.calls == 5 and helpers.count(db_url, OutboxMessage) == 0 and helpers.count(db_url, Coupon) == 0
    with unit_of_work(db_url) as s:
        assert sending.send_due(s, at).finished == 1


def test_stock_and_the_per_member_limit_are_kept(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a, members=4, total_stock=3)
    offer_id = create(world, st, holdout_bp=0)
    assert send_offers(db_url, NOON) == 3
    rows = recipients(db_url, offer_id)
    assert Counter(r.skip_reason for r in rows) == {None: 3, "stock_exhausted": 2}
    with unit_of_work(db_url) as s:
        assert s.get(CouponTemplate, st.template_id).issued_count == 3  # type: ignore[union-attr]
        s.execute(update(CouponTemplate).values(total_stock=None))
    again = create(world, st, holdout_bp=0, name="第二次")  # everyone sent before holds the one allowed coupon
    assert send_offers(db_url, NOON + timedelta(days=8)) == 2
    assert Counter(r.skip_reason for r in recipients(db_url, again)) == {None: 2, "coupon_limit": 3}


def test_the_random_arm_is_as_large_as_the_treated_group(world: World, db_url: str) -> None:
    a = world.a
    st = helpers.setup(db_url, a)
    with unit_of_work(db_url) as s:  # the audience: the members of m1's store 'A' (here: its first ten)
        helpers.add_members(s, a.alliance_id, st.sender, 29)
        helpers.add_members(s, a.alliance_id, st.sender, 5, consent_marketing=False)
    from lianmeng.audiences import service as audiences

    original = audiences.select_members

    def first_ten(session: Session, audience: object) -> object:
        return original(session, audience).order_by(Member.id).limit(10)  # type: ignore[arg-type]

    audiences.select_members = first_ten  # type: ignore[assignment]
    sending.select_members = first_ten  # type: ignore[attr-defined]
    try:
        offer_id = create(world, st, holdout_bp=2000, random_arm=True)
        send_offers(db_url, NOON)
    finally:
        audiences.select_members = original
        sending.select_members = original  # type: ignore[attr-defined]
    rows = recipients(db_url, offer_id)
    arms = Counter(r.arm for r in rows)
    assert arms == {"treated": 8, "holdout": 2, "random": 8}
    with unit_of_work(db_url) as s:
        randoms = [r.member_id for r in rows if r.arm == "random"]
        consents = set(s.scalars(select(Member.consent_marketing).where(Member.id.in_(randoms))))
    assert consents == {True} and min(randoms) > min(r.member_id for r in rows if r.arm != "random")
    assert all(r.status == "sent" for r in rows if r.arm == "random")
