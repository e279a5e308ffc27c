"""Notifications through the API, on SQLite and PostgreSQL: each cause (a proposal, a counter-offer, a statement
issued, a withdrawal decided, a coupon used at a partner, a rebate released) creates exactly one notification for
each person it concerns, in the cause's own transaction (a refused or rolled-back cause creates none); a person
sees only their own; a kind turned off is not created; members' messages go through the outbox, once per batch,
the phone never in clear; the points-expiry notice job is idempotent."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.agreements import service as agreements_service
from lianmeng.agreements.domain import AgreementAction
from lianmeng.auth.domain import Role
from lianmeng.auth.models import OutboxMessage
from lianmeng.auth.sender import redact_stale
from lianmeng.db import unit_of_work
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.notifications import service
from lianmeng.notifications.models import MemberMessage, Notification
from lianmeng.points.models import PointsGrant
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.commissions.test_rebates import add_payout_account, agree, referred_order
from tests.integration.referrals.conftest import member_headers

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def mine(world: World, who: str, side: str = "a") -> list[dict[str, Any]]:
    actors = world.a.actors if side == "a" else world.b.actors
    return ok(world.client.get(f"{API}/notifications", headers=actors[who].headers))  # type: ignore[no-any-return]


def draft(world: World, title: str = "健身 × 汽车 权益互换") -> int:
    """m1's admin drafts an agreement with m2."""
    return int(ok(world.client.post(f"{API}/agreements", headers=world.a.actors["admin1"].headers, json={
        "title": title, "modes": ["rights_exchange"], "merchant_b_id": world.a.merchants[1],
        "commission_terms": [{"kind": "per_head", "amount_fen": 5000}], "return_window_days": 7}), 201)["id"])


def count(session: Session, model: Any) -> int:
    session.rollback()
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_proposal_and_a_counter_offer_each_tell_the_other_side_once(world: World, session: Session) -> None:
    c, a1, a2 = world.client, world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    agreement = draft(world)
    assert mine(world, "admin2") == []
    ok(c.post(f"{API}/agreements/{agreement}/transitions", headers=a1, json={"action": "propose"}))
    got = mine(world, "admin2")
    assert [(n["kind"], n["link"], n["read_at"]) for n in got] == [
        ("proposal_received", f"/console/partners/agreements/{agreement}", None)]
    assert got[0]["text"] == "alpha merchant 1 向您提议合作协议「健身 × 汽车 权益互换」,请查看并答复"
    assert got[0]["kind_label"] == "收到合作提议"
    english = ok(c.get(f"{API}/notifications", headers={**a2, "Accept-Language": "en"}))
    assert english[0]["text"].startswith("alpha merchant 1 proposed the agreement")
    for nobody in ("admin1", "admin3", "staff2"):
        assert mine(world, nobody) == []
    assert mine(world, "admin1", "b") == []
    # proposing again is refused (409): nothing more
    assert c.post(f"{API}/agreements/{agreement}/transitions", headers=a1, json={"action": "propose"}).status_code \
        == 409
    assert count(session, Notification) == 1

    ok(c.post(f"{API}/agreements/{agreement}/counter-offers", headers=a2, json={
        "commission_terms": [{"kind": "per_head", "amount_fen": 3000}], "note": "佣金降到 30 元"}))
    back = mine(world, "admin1")
    assert [(n["kind"], n["text"]) for n in back] == [
        ("proposal_received", "alpha merchant 2 对协议「健身 × 汽车 权益互换」提出了新条款(还价),请查看并答复")]
    assert len(mine(world, "admin2")) == 1


def test_a_proposal_the_operator_made_on_a_merchants_behalf_says_so(world: World) -> None:
    c, op, a2 = world.client, world.a.actors["operator"].headers, world.a.actors["admin2"].headers
    agreement = draft(world)
    ok(c.post(f"{API}/agreements/{agreement}/transitions", headers=op, json={"action": "propose"}))
    got = mine(world, "admin2")
    assert [(n["kind"], n["text"], n["link"]) for n in got] == [
        ("proposal_received", "盟主代 alpha merchant 1 向您提议合作协议「健身 × 汽车 权益互换」,请查看并答复",
         f"/console/partners/agreements/{agreement}")]
    english = ok(c.get(f"{API}/notifications", headers={**a2, "Accept-Language": "en"}))
    assert english[0]["text"] == ("The operator proposed the agreement “健身 × 汽车 权益互换” to you on "
                                  "alpha merchant 1's behalf: review and answer it")
    assert mine(world, "admin1") == []  # the offer is addressed to m2 only

    # withdrawn and proposed again by m1 itself: m2 reads it as m1's own proposal
    ok(c.post(f"{API}/agreements/{agreement}/transitions", headers=world.a.actors["admin1"].headers,
              json={"action": "withdraw"}))
    ok(c.post(f"{API}/agreements/{agreement}/transitions", headers=world.a.actors["admin1"].headers,
              json={"action": "propose"}))
    assert mine(world, "admin2")[0]["text"] == "alpha merchant 1 向您提议合作协议「健身 × 汽车 权益互换」,请查看并答复"


def test_a_person_reads_only_their_own_and_marks_them_read(world: World) -> None:
    c, a1, a2 = world.client, world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    for title in ("一", "二"):
        ok(c.post(f"{API}/agreements/{draft(world, title)}/transitions", headers=a1, json={"action": "propose"}))
    first, second = (n["id"] for n in mine(world, "admin2"))
    for stranger in (a1, world.a.actors["admin3"].headers, world.b.actors["admin1"].headers,
                     world.a.actors["operator"].headers):
        foreign = c.post(f"{API}/notifications/{first}/read", headers=stranger)
        missing = c.post(f"{API}/notifications/987654321/read", headers=stranger)
        assert (foreign.status_code, foreign.json()) == (404, missing.json())
    assert c.post(f"{API}/notifications/{first}/read", headers=member_headers(world, world.a.members[
        world.a.merchants[0]])).status_code == 403
    read = ok(c.post(f"{API}/notifications/{first}/read", headers=a2))
    assert read["read_at"] is not None
    listed = mine(world, "admin2")
    assert [n["id"] for n in listed] == [second, first]  # unread first
    assert ok(c.post(f"{API}/notifications/read-all", headers=a2)) == {"marked_read": 1}
    assert all(n["read_at"] for n in mine(world, "admin2"))
    assert ok(c.get(f"{API}/notifications?unread=true", headers=a2)) == []


def test_a_kind_turned_off_is_not_created(world: World, session: Session) -> None:
    c, a1, a2 = world.client, world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    prefs = ok(c.get(f"{API}/notification-preferences", headers=a2))
    assert {p["kind"]: p["enabled"] for p in prefs}["proposal_received"] is True
    assert all(p["label"] and p["label"] != p["kind"] for p in prefs)
    off = ok(c.put(f"{API}/notification-preferences", headers=a2, json={"kinds": {"proposal_received": False}}))
    assert {p["kind"]: p["enabled"] for p in off}["proposal_received"] is False
    bad = c.put(f"{API}/notification-preferences", headers=a2, json={"kinds": {"no_such_kind": False}})
    assert bad.status_code == 422
    ok(c.post(f"{API}/agreements/{draft(world)}/transitions", headers=a1, json={"action": "propose"}))
    assert mine(world, "admin2") == [] and count(session, Notification) == 0
    ok(c.put(f"{API}/notification-preferences", headers=a2, json={"kinds": {"proposal_received": True}}))
    ok(c.post(f"{API}/agreements/{draft(world, '再来')}/transitions", headers=a1, json={"action": "propose"}))
    assert len(mine(world, "admin2")) == 1


def test_a_rolled_back_cause_leaves_no_notification(world: World, session: Session) -> None:
    agreement = draft(world)
    admin1 = world.a.actors["admin1"]
    me = Principal(kind="user", id=admin1.user_id, role=Role.MERCHANT_ADMIN, alliance_id=world.a.alliance_id,
                   merchant_id=admin1.merchant_id, label=admin1.username)
    agreements_service.transition(session, me, agreement, AgreementAction.PROPOSE)
    assert session.scalar(select(func.count()).select_from(Notification)) == 1  # inside the transaction
    session.rollback()
    assert count(session, Notification) == 0


def test_rebates_released_and_withdrawals_decided_tell_the_payee(world: World, session: Session) -> None:
    agree(world)
    referred_order(world, "GYM-1", 600_000)
    url = world.client.app.state.database_url  # type: ignore[attr-defined]
    run_all(url, at=clock.now() + timedelta(days=7, minutes=1))
    run_all(url, at=clock.now() + timedelta(days=8))  # nothing released twice: nothing told twice
    got = mine(world, "staff1")  # the guide sf1 of m1 has this login
    assert [(n["kind"], n["text"]) for n in got] == [("rebate_released", "返利 ¥50.00 已解冻,可申请提现")]
    assert [n["kind"] for n in mine(world, "admin1")] == []  # the merchant's own rebate is in its statement

    add_payout_account(world, "staff1")
    sa = world.a.staff[world.a.merchants[0]]
    withdrawal = ok(world.client.post(f"{API}/withdrawals", headers=world.a.actors["staff1"].headers,
                                      json={"payee_type": "staff", "payee_id": sa, "amount_fen": 5_000}), 201)
    ok(world.client.post(f"{API}/withdrawals/{withdrawal['id']}/decisions", headers=world.a.actors["admin1"].headers,
                         json={"decision": "reject", "reason": "账户信息有误"}))
    decided = [n for n in mine(world, "staff1") if n["kind"] == "withdrawal_decided"]
    assert [n["text"] for n in decided] == ["您的提现申请 ¥50.00 被拒绝:账户信息有误"]
    assert decided[0]["link"] == "/console/withdrawals"
    assert [n for n in mine(world, "admin1") if n["kind"] == "withdrawal_decided"] == []


def test_a_statement_issued_tells_its_merchants_admins(world: World, session: Session) -> None:
    from lianmeng.cli import app
    from tests.integration.settlement.test_settlement import poster_in_october, runner

    poster_in_october(world)
    url = world.client.app.state.database_url  # type: ignore[attr-defined]
    result = runner.invoke(app, ["settle", "run", "--period", "2026-10", "--database-url", url, "--issue"])
    assert result.exit_code == 0, result.output
    for who in ("admin1", "admin2"):
        issued = [n for n in mine(world, who) if n["kind"] == "statement_issued"]
        assert len(issued) == 1, issued
        assert issued[0]["text"].startswith("2026-10 对账单已出:净额")
        assert issued[0]["link"].startswith("/console/money/statements/")
    assert [n for n in mine(world, "staff1") if n["kind"] == "statement_issued"] == []


def test_coupons_tell_the_member_and_the_partner(world: World, session: Session) -> None:
    from tests.integration.coupons.test_coupons import agree as coupon_agreement
    from tests.integration.coupons.test_coupons import centre_coupon, gym_member, issue

    coupon_agreement(world)
    template = centre_coupon(world)
    member = gym_member(world)
    coupon = ok(issue(world, template["id"]), 201)
    session.rollback()
    messages = session.scalars(select(MemberMessage)).all()
    assert [(m.member_id, m.kind, m.batch) for m in messages] == [
        (member, "coupon_received", f"coupon:{coupon['id']}")]
    outbox = session.get(OutboxMessage, messages[0].message_id)
    assert outbox is not None and outbox.recipient_masked == "139****0000"
    assert "免费车辆检测" in outbox.body and "alpha merchant 2" in outbox.body and "13900010000" not in outbox.body
    redact_stale(session, clock.now() + timedelta(days=1))  # one-time codes are redacted; this is no code
    session.commit()
    session.refresh(outbox)
    assert outbox.redacted_at is None

    ok(world.client.post(f"{API}/coupons/redeem", headers=world.a.actors["staff2"].headers,
                         json={"code": coupon["code"]}), 201)
    told = mine(world, "admin1")  # m1 handed out m2's coupon; it was used at m2
    assert [(n["kind"], n["text"]) for n in told] == [
        ("coupon_redeemed_at_partner", "您的优惠券「免费车辆检测」在合作伙伴 alpha merchant 2 核销了一张")]
    assert all("139" not in n["text"] + n["link"] for n in told)  # not str(told): a timestamp may hold "139"
    assert told[0]["link"] == "/console/coupons"  # no page shows one redemption to the coupon's owner
    assert [n for n in mine(world, "admin2") if n["kind"] == "coupon_redeemed_at_partner"] == []  # used at home


def test_a_member_turns_a_message_kind_off(world: World, session: Session) -> None:
    from tests.integration.coupons.test_coupons import centre_coupon, issue

    member = world.a.members[world.a.merchants[0]]
    headers = member_headers(world, member)
    prefs = ok(world.client.get(f"{API}/me/message-preferences", headers=headers))
    assert [(p["kind"], p["enabled"]) for p in prefs] == [
        ("coupon_received", True), ("points_expiring", True), ("rebate_released", True)]
    assert world.client.get(f"{API}/me/message-preferences", headers=world.a.actors["admin1"].headers).status_code \
        == 403
    ok(world.client.put(f"{API}/me/message-preferences", headers=headers, json={"kinds": {"coupon_received": False}}))
    template = centre_coupon(world)
    ok(issue(world, template["id"]), 201)
    assert count(session, MemberMessage) == 0


def _grant(session: Session, world: World, member: int, points: int, days: int) -> None:
    now = clock.now()
    session.add(PointsGrant(alliance_id=world.a.alliance_id, member_id=member, issuer_merchant_id=world.a.merchants[0],
                            points=points, remaining=points, granted_at=now, expires_at=now + timedelta(days=days)))


def test_the_points_expiry_notice_is_sent_once_per_member_and_expiry_day(world: World, session: Session,
                                                                         db_url: str) -> None:
    m1, m2 = world.a.members[world.a.merchants[0]], world.a.members[world.a.merchants[1]]
    _grant(session, world, m1, 300, 10)
    session.flush()
    _grant(session, world, m1, 200, 10)  # the same expiry day: one message, 500 points
    _grant(session, world, m1, 100, 20)  # another day: its own message
    _grant(session, world, m2, 100, 45)  # beyond 30 days: not yet
    session.add(PointsGrant(alliance_id=world.a.alliance_id, member_id=m2, issuer_merchant_id=world.a.merchants[0],
                            points=50, remaining=0, granted_at=clock.now(),
                            expires_at=clock.now() + timedelta(days=5)))  # spent already: nothing to announce
    session.commit()
    first = run_all(db_url)
    assert first.points_expiry_notices == 2
    assert run_all(db_url).points_expiry_notices == 0  # idempotent
    session.rollback()
    rows = session.scalars(select(MemberMessage).order_by(MemberMessage.id)).all()
    assert [(r.member_id, r.kind) for r in rows] == [(m1, "points_expiring"), (m1, "points_expiring")]
    bodies = [session.get(OutboxMessage, r.message_id).body for r in rows]  # type: ignore[union-attr]
    assert "500 积分将于" in bodies[0] and "100 积分将于" in bodies[1]
    later = clock.now() + timedelta(days=16)  # m2's grant is now within 30 days (m1's are not yet expired)
    for expected in (1, 0):
        with unit_of_work(db_url) as s:
            assert service.warn_expiring_points(s, later) == expected
