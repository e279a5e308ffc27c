"""Seed 002 §2.1 and §3.2, told through the API: the gym's shopping guide shares a join link; another brand's guide
applies on her phone (one-time code); the gym's admin approves her; she is now a promoter (推广员) of the gym with a
login of her own, and the guide who recruited her gets the alliance's bounty once. She shares the service centre's
coupon; a car owner claims it and buys; her rebate is frozen for the return window, then withdrawable. Her own
card, claimed through her own link, earns her nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.ledger.models import Posting
from lianmeng.merchants.models import Staff
from tests.claiming import claim_by_phone
from tests.conftest import World
from tests.integration.recruiting.recruiting import apply, decide, join_link, ok, refused
from tests.integration.web.console import csrf_of

PROMOTER_PHONE = "13700000001"
TERMS = [{"kind": "per_head", "amount_fen": 10_000, "payee": "both", "staff_amount_fen": 5_000, "payer": "b"}]


def balance(session: Session, world: World, owner: OwnerType, owner_id: int, kind: AccountKind) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id, AccountRef(owner, owner_id, kind))


def activate(world: World, referrer: int, payer: int) -> None:
    op = world.a.actors["operator"].headers
    agreement = ok(world.client.post("/api/v1/agreements", headers=op, json={
        "title": "健身房 → 服务中心", "merchant_a_id": referrer, "merchant_b_id": payer, "modes": ["rights_exchange"],
        "commission_terms": TERMS, "return_window_days": 7}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=op,
                             json={"action": action}), 200)


def set_password(world: World, url: str, password: str) -> Any:
    path = url.split("://", 1)[1].split("/", 1)[1]
    page = world.client.get(f"/{path}")
    assert page.status_code == 200, page.text
    return world.client.post(f"/{path}", data={"csrf": csrf_of(page.text), "password": password, "again": password},
                             follow_redirects=False)


def test_a_recruited_promoter_earns_like_staff_and_her_recruiter_is_paid_once(world: World, session: Session) -> None:
    gym, centre, _ = world.a.merchants
    guide = world.a.staff[gym]
    op = world.a.actors["operator"].headers
    ok(world.client.put("/api/v1/recruiting/settings", headers=op, json={"bounty_fen": 2_000}), 200)
    activate(world, gym, centre)

    # the guide shares a join link; a stranger sees who invites her, and applies with her phone
    link = join_link(world, "staff1", title="加入健身房推广团队")
    assert link["merchant_id"] == gym and link["staff_id"] == guide and link["join_url"].endswith(link["token"])
    public = ok(world.client.get(f"/api/v1/join/{link['token']}"), 200)
    assert public["inviting_merchant_name"] == "alpha merchant 1" and public["active"]
    receipt = ok(apply(world.client, link["token"], PROMOTER_PHONE, employer="某女装品牌"))
    assert receipt["status"] == "pending" and receipt["phone_masked"] == "137****0001"

    # the guide follows her recruit but does not decide it; the gym's admin approves
    seen = ok(world.client.get("/api/v1/recruits", headers=world.a.actors["staff1"].headers), 200)
    assert [a["id"] for a in seen["items"]] == [receipt["id"]]
    refused(decide(world, "staff1", receipt["id"]), 403, "forbidden")
    decided = ok(decide(world, "admin1", receipt["id"]), 200)
    application = decided["application"]
    assert application["status"] == "approved" and application["bounty_fen"] == 2_000
    promoter = application["staff_id"]
    staff_row = session.get(Staff, promoter)
    assert staff_row is not None and (staff_row.role, staff_row.merchant_id) == ("promoter", gym)
    assert decided["username"] == f"promoter-{promoter}" and "/welcome/" in decided["set_password_url"]

    # the bounty: once, from the operator's fees into the guide's withdrawable rebates
    assert balance(session, world, OwnerType.STAFF, guide, AccountKind.REBATE_AVAILABLE) == 2_000
    refused(decide(world, "admin1", receipt["id"]), 409, "recruit_already_decided")
    replay = world.client.post(f"/api/v1/recruits/{receipt['id']}/decisions", json={"decision": "approve"},
                               headers={**world.a.actors["admin1"].headers, "Idempotency-Key": "approve-1"})
    assert replay.status_code == 409
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Posting).where(
        Posting.idempotency_key == f"recruit:{receipt['id']}:bounty")) == 1
    assert balance(session, world, OwnerType.STAFF, guide, AccountKind.REBATE_AVAILABLE) == 2_000

    # she chooses her password with the one-time link, and logs in; the link works once
    assert set_password(world, decided["set_password_url"], "promoter-pass-1").status_code == 303
    assert world.client.get("/" + decided["set_password_url"].split("/", 3)[3]).status_code == 404
    token = ok(world.client.post("/api/v1/auth/login", json={"username": decided["username"],
                                                             "password": "promoter-pass-1"}), 200)["access_token"]
    me = {"Authorization": f"Bearer {token}"}

    # she shares the centre's coupon; a car owner claims it and buys at the centre
    check = ok(world.client.post("/api/v1/coupon-templates", headers=world.a.actors["admin2"].headers, json={
        "name": "免费车辆检测", "kind": "free_item", "item_name": "车辆检测", "item_value_fen": 30_000,
        "valid_days": 30, "total_stock": 500}))
    share = ok(world.client.post("/api/v1/claim-links", headers=me, json={"template_id": check["id"]}))
    claimed = ok(claim_by_phone(world.client, share["token"], "13688886666", accept_terms=True))
    assert claimed["coupon"]["referrer_staff_id"] == promoter
    # she sees the customers she brought, not the gym's; she runs no till
    mine = ok(world.client.get("/api/v1/members", headers=me), 200)["items"]
    assert [m["card_no"] for m in mine] == [claimed["card_no"]]
    assert world.client.get(f"/api/v1/members/{world.a.members[gym]}", headers=me).status_code == 404
    refused(world.client.post("/api/v1/orders", headers=me, json={
        "external_id": "P-1", "member_id": mine[0]["id"], "amount_fen": 1_000}), 403, "forbidden")
    desk = world.a.actors["staff2"].headers
    arrival = ok(world.client.post("/api/v1/coupons/redeem", headers=desk, json={"code": claimed["coupon"]["code"]}))
    ok(world.client.post(f"/api/v1/redemptions/{arrival['id']}/order", headers=desk, json={
        "external_id": "SVC-1", "amount_fen": 185_000}))
    assert balance(session, world, OwnerType.STAFF, promoter, AccountKind.REBATE_FROZEN) == 5_000
    ok(world.client.post("/api/v1/payout-accounts", headers=me, json={  # where her rebates are paid
        "method": "alipay", "account": "13688880000", "holder_name": "推广员"}))
    early = world.client.post("/api/v1/withdrawals", headers=me,
                              json={"payee_type": "staff", "payee_id": promoter, "amount_fen": 5_000})
    refused(early, 409, "insufficient_balance")

    # after the return window the rebate is withdrawable
    run_all(world.client.app.state.database_url,  # type: ignore[attr-defined]
            at=clock.now() + timedelta(days=7, minutes=5))
    assert balance(session, world, OwnerType.STAFF, promoter, AccountKind.REBATE_AVAILABLE) == 5_000
    ok(world.client.post("/api/v1/withdrawals", headers=me,
                         json={"payee_type": "staff", "payee_id": promoter, "amount_fen": 5_000}))

    # single level: the guide who recruited her earns nothing from her sales (only the bounty)
    assert balance(session, world, OwnerType.STAFF, guide, AccountKind.REBATE_FROZEN) == 0
    assert balance(session, world, OwnerType.STAFF, guide, AccountKind.REBATE_AVAILABLE) == 2_000

    # her own card through her own link: refused, and her own purchase credits nobody
    ok(world.client.post("/api/v1/members", headers=desk, json={"phone": PROMOTER_PHONE, "name": "李敏"}))
    refused(claim_by_phone(world.client, share["token"], PROMOTER_PHONE), 422, "self_referral")
    own = ok(world.client.post("/api/v1/members/lookup", headers=desk, json={"phone": PROMOTER_PHONE}), 200)
    member_id = own["items"][0]["id"] if "items" in own else own["id"]
    order = ok(world.client.post("/api/v1/orders", headers=desk, json={
        "external_id": "SVC-OWN", "member_id": member_id, "amount_fen": 500_000}))
    assert order["referrer_staff_id"] is None
    assert balance(session, world, OwnerType.STAFF, promoter, AccountKind.REBATE_FROZEN) == 0
    assert balance(session, world, OwnerType.STAFF, promoter, AccountKind.WITHDRAWAL_PENDING) == 5_000
