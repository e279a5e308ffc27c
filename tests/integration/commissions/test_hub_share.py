"""Hub shares in money (issue 11, item 12): terms the engine cannot pay are refused (422, in the caller's language)
when an agreement is created or its terms change; an alliance-wide hub term pays on `POST /orders` and on the batch
path alike, frozen for the return window, reversed in proportion by refunds, released by the jobs; the operator can
be the hub; the console creates such an agreement and says what it does in words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.agreements.models import Agreement
from lianmeng.commissions.models import Rebate
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from tests.conftest import World
from tests.integration.web.console import console, csrf_of

API = "/api/v1"


def ok(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def hub_agreement(world: World, term: dict[str, Any], window_days: int = 7) -> int:
    op = world.a.actors["operator"].headers
    agreement = ok(world.client.post(f"{API}/agreements", headers=op, json={
        "title": "Tesla Life 枢纽佣金", "modes": ["strategic"], "commission_terms": [term],
        "return_window_days": window_days}))
    for action in ("propose", "accept", "activate"):
        ok(world.client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=op, json={"action": action}),
           200)
    return int(agreement["id"])


def enrol_at(world: World, member: int, clerk: str, reader: str) -> None:
    card = ok(world.client.get(f"{API}/members/{member}", headers=world.a.actors[reader].headers), 200)["card_no"]
    ok(world.client.post(f"{API}/memberships", headers=world.a.actors[clerk].headers, json={"card_no": card}))


def balance(session: Session, world: World, owner: OwnerType, owner_id: int, kind: AccountKind) -> int:
    session.rollback()
    return ledger.balance(session, world.a.alliance_id, AccountRef(owner, owner_id, kind))


def test_terms_the_engine_cannot_pay_are_refused_on_create_and_on_change(world: World) -> None:
    c = world.client
    op = {**world.a.actors["operator"].headers, "Accept-Language": "en"}
    m1, m2, _ = world.a.merchants
    hub = {"kind": "hub_share", "hub": "merchant", "hub_merchant_id": m1, "rate_bp": 600}
    wide = {"title": "全联盟", "modes": ["strategic"]}
    pair = {"title": "双边", "modes": ["rights_exchange"], "merchant_a_id": m1, "merchant_b_id": m2}
    refused = [
        ({**wide, "commission_terms": [{"kind": "percent_of_order", "rate_bp": 500, "operator_rate_bp": 1000}]},
         "commission_term_needs_pair", "Commission term 1 could never be paid"),
        ({**pair, "commission_terms": [hub]}, "commission_term_hub_alliance_wide", "belongs on an alliance-wide"),
        ({**wide, "commission_terms": [{**hub, "hub_merchant_id": None}]}, "commission_term_hub_missing",
         "name the hub"),
        ({**wide, "commission_terms": [{**hub, "hub_merchant_id": world.b.merchants[0]}]}, "wrong_alliance",
         "Merchant is not in this alliance"),
        ({**wide, "commission_terms": [{**hub, "first_order_only": True}]}, "commission_term_ignored",
         "'First order only' does not apply"),
        ({**wide, "commission_terms": [hub], "settlement_cycle": "quarterly"}, "agreement_cycle_alliance_wide",
         "settles monthly"),
        ({**pair, "commission_terms": [{"kind": "per_head", "amount_fen": 5_000, "staff_amount_fen": 1_000}]},
         "commission_term_ignored", "'Staff amount' does not apply"),
        ({**pair, "commission_terms": [{"kind": "per_head", "amount_fen": 5_000, "payee": "both"}]},
         "commission_term_staff_amount", "needs the staff member's amount"),
    ]
    for body, code, words in refused:
        r = c.post(f"{API}/agreements", json=body, headers=op)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["code"] == code and words in r.json()["error"]["message"], r.text
    zh = c.post(f"{API}/agreements", json=refused[0][0], headers=world.a.actors["operator"].headers).json()
    assert zh["error"]["message"].startswith("第 1 条佣金条款无法支付")
    assert zh["error"]["details"] == {"commission_terms": [
        {"index": 0, "field": "kind", "code": "commission_term_needs_pair"}]}
    assert c.get(f"{API}/agreements", headers=op).json()["total"] == 0

    # changing a draft's terms goes through the same audit; nothing changes when it refuses
    draft = ok(c.post(f"{API}/agreements", json={**wide, "commission_terms": [hub]}, headers=op))
    for change in ({"commission_terms": [{"kind": "fixed_per_order", "amount_fen": 1_000}]},
                   {"settlement_cycle": "weekly"}, {"commission_terms": [{**hub, "payer": "a"}]}):
        r = c.patch(f"{API}/agreements/{draft['id']}", json=change, headers=op)
        assert r.status_code == 422, (change, r.text)
    again = ok(c.get(f"{API}/agreements/{draft['id']}", headers=op), 200)
    assert again["commission_terms"] == draft["commission_terms"] and again["settlement_cycle"] == "monthly"
    seven = ok(c.patch(f"{API}/agreements/{draft['id']}", json={"commission_terms": [{**hub, "rate_bp": 700}]},
                       headers=op), 200)
    assert seven["commission_terms"][0]["rate_bp"] == 700


def test_an_agreement_written_before_the_audit_never_takes_effect(world: World, session: Session) -> None:
    """An alliance-wide referral term saved before this release (straight into the table) cannot be activated."""
    op = world.a.actors["operator"].headers
    agreement = ok(world.client.post(f"{API}/agreements", headers=op, json={
        "title": "旧规则", "modes": ["strategic"], "commission_terms": []}))
    session.rollback()
    row = session.get(Agreement, agreement["id"])
    assert row is not None
    row.commission_terms = [{"kind": "percent_of_order", "rate_bp": 500, "payer": "b", "payee": "merchant"}]
    session.commit()
    for action in ("propose", "accept"):
        ok(world.client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=op, json={"action": action}),
           200)
    r = world.client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=op, json={"action": "activate"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "agreement_terms_unpayable"


def test_the_hub_is_paid_on_single_and_batch_orders_frozen_reversed_and_released(
        world: World, session: Session, db_url: str) -> None:
    m1, m2, m3 = world.a.merchants
    agreement = hub_agreement(world, {"kind": "hub_share", "hub": "merchant", "hub_merchant_id": m1, "rate_bp": 600,
                                      "operator_rate_bp": 1_000, "min_order_fen": 10_000})
    hub_member, other_member = world.a.members[m1], world.a.members[m3]
    enrol_at(world, hub_member, "staff2", "staff1")
    enrol_at(world, other_member, "staff2", "staff3")
    gym = world.a.actors["staff2"].headers
    single = ok(world.client.post(f"{API}/orders", headers=gym, json={
        "external_id": "G-1", "member_id": hub_member, "amount_fen": 123_457}))
    batch = ok(world.client.post(f"{API}/orders/batch", headers=gym, json={"orders": [
        {"external_id": "G-2", "member_id": hub_member, "amount_fen": 200_000},
        {"external_id": "G-3", "member_id": other_member, "amount_fen": 500_000},  # not the hub's member
        {"external_id": "G-4", "member_id": hub_member, "amount_fen": 9_999},  # under the minimum
        {"external_id": "G-5", "member_id": hub_member, "amount_fen": 300_000, "referrer_merchant_id": m3},
    ]}), 200)
    assert batch["created"] == 4
    ids = [single["id"], *(r["order"]["id"] for r in batch["results"])]
    # the hub's own till: its own sale never pays it
    ok(world.client.post(f"{API}/orders", headers=world.a.actors["staff1"].headers, json={
        "external_id": "C-1", "member_id": hub_member, "amount_fen": 1_000_000}))

    session.rollback()
    rows = session.scalars(select(Rebate).order_by(Rebate.id)).all()
    assert {(r.agreement_id, r.payer_merchant_id) for r in rows} == {(agreement, m2)}
    assert [(r.order_id, r.payee_type, r.payee_id, r.amount_fen, r.status) for r in rows] == [
        (ids[0], "merchant", m1, 7_407, "frozen"), (ids[0], "operator", 0, 741, "available"),  # 6% of ¥1,234.57
        (ids[1], "merchant", m1, 12_000, "frozen"), (ids[1], "operator", 0, 1_200, "available"),
        (ids[4], "merchant", m1, 18_000, "frozen"), (ids[4], "operator", 0, 1_800, "available"),
    ]
    assert balance(session, world, OwnerType.MERCHANT, m1, AccountKind.REBATE_FROZEN) == 7_407 + 12_000 + 18_000
    assert balance(session, world, OwnerType.MERCHANT, m2, AccountKind.COMMISSION_PAYABLE) == -(
        7_407 + 741 + 12_000 + 1_200 + 18_000 + 1_800)

    # a partial refund inside the window takes back the same share of the hub's rebate (and the operator's)
    ok(world.client.post(f"{API}/orders/{ids[1]}/refunds", headers=gym, json={"external_id": "R-1",
                                                                              "amount_fen": 50_000}))
    session.rollback()
    reversed_fen = dict(session.execute(select(Rebate.payee_type, Rebate.reversed_fen)
                                        .where(Rebate.order_id == ids[1])).all())
    assert reversed_fen == {"merchant": 3_000, "operator": 300}
    assert balance(session, world, OwnerType.MERCHANT, m1, AccountKind.REBATE_FROZEN) == 7_407 + 9_000 + 18_000

    # after the window the jobs release it; a refund then comes back out of what is available
    report = run_all(db_url, at=clock.now() + timedelta(days=8))
    assert report.rebates_released == 3
    assert balance(session, world, OwnerType.MERCHANT, m1, AccountKind.REBATE_AVAILABLE) == 7_407 + 9_000 + 18_000
    with clock.fixed_at(clock.now() + timedelta(days=9)):
        ok(world.client.post(f"{API}/orders/{ids[0]}/refunds", headers=gym, json={"external_id": "R-2",
                                                                                  "amount_fen": 123_457}))
    assert balance(session, world, OwnerType.MERCHANT, m1, AccountKind.REBATE_AVAILABLE) == 9_000 + 18_000


def test_the_operator_as_hub_earns_on_the_members_it_enrolled_itself(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    hub_agreement(world, {"kind": "hub_share", "hub": "operator", "rate_bp": 250})
    op = world.a.actors["operator"].headers
    own = ok(world.client.post(f"{API}/members", headers=op, json={
        "phone": "13900077001", "name": "活动会员", "consent_marketing": True}))
    assert own["origin_merchant_id"] is None
    enrol_at(world, own["id"], "staff2", "operator")
    enrol_at(world, world.a.members[m1], "staff2", "staff1")
    gym = world.a.actors["staff2"].headers
    for external_id, member in (("O-1", own["id"]), ("O-2", world.a.members[m1])):
        ok(world.client.post(f"{API}/orders", headers=gym, json={
            "external_id": external_id, "member_id": member, "amount_fen": 80_000}))
    session.rollback()
    rows = session.execute(select(Rebate.payee_type, Rebate.amount_fen, Rebate.status)).all()
    assert rows == [("operator", 2_000, "available")]  # 2.5% of ¥800 on the operator's member only
    assert session.scalar(select(func.count()).select_from(Rebate).where(Rebate.payer_merchant_id == m2)) == 1


def test_the_console_creates_a_hub_agreement_and_says_it_in_words(world: World) -> None:
    m1, m2, _ = world.a.merchants
    browser = console(world.client, world.a.actors["operator"].username)
    form = browser.get("/console/partners/propose")
    assert form.status_code == 200 and 'name="hub"' in form.text and "hub_share" in form.text
    base = {"csrf": csrf_of(form.text), "title": "Tesla Life 联盟一卡通 通用规则", "modes": "strategic",
            "commission_kind": "hub_share", "commission_percent": "6", "return_window_days": "7",
            "settlement_cycle": "monthly", "then": "propose"}
    # a hub share between two merchants, or without a hub: refused next to the field, nothing written
    wrong = browser.post("/console/partners/propose", data={**base, "merchant_a_id": str(m2),
                                                            "merchant_b_id": str(m1), "hub": str(m1)})
    assert wrong.status_code == 422 and "枢纽佣金(hub_share)只能写在全联盟协议中" in wrong.text
    no_hub = browser.post("/console/partners/propose", data=base)
    assert no_hub.status_code == 422 and 'id="e-hub"' in no_hub.text
    assert world.client.get(f"{API}/agreements", headers=world.a.actors["operator"].headers).json()["total"] == 0

    done = browser.post("/console/partners/propose", data={**base, "hub": str(m1)}, follow_redirects=False)
    assert done.status_code in (302, 303), done.text
    page = browser.get(done.headers["location"])
    assert page.status_code == 200
    assert ("枢纽佣金:alpha merchant 1 带来的会员在其他成员商户消费,由消费所在商户按消费额的 6% 支付给 "
            "alpha merchant 1") in page.text
    english = browser.get(done.headers["location"], headers={"Accept-Language": "en"})
    assert "Hub share: members brought by alpha merchant 1 spend at the other member merchants" in english.text
    operator_hub = browser.post("/console/partners/propose", data={**base, "hub": "operator",
                                                                   "commission_percent": "2.5"},
                                follow_redirects=True)
    assert "联盟总部直接发展的会员(无归属商户)在成员商户消费,由消费所在商户按消费额的 2.5% 支付给联盟总部" in \
        operator_hub.text


def test_every_active_agreement_between_a_pair_pays_its_own_terms(world: World, session: Session) -> None:
    """Before, only the oldest active agreement between two merchants paid; a second one was accepted, activated and
    silently never paid."""
    op = world.a.actors["operator"].headers
    m1, m2, _ = world.a.merchants
    ids = []
    for rate in (500, 200):
        agreement = ok(world.client.post(f"{API}/agreements", headers=op, json={
            "title": f"导流 {rate}", "merchant_a_id": m1, "merchant_b_id": m2, "modes": ["rights_exchange"],
            "commission_terms": [{"kind": "percent_of_order", "payer": "b", "rate_bp": rate}]}))
        for action in ("propose", "accept", "activate"):
            ok(world.client.post(f"{API}/agreements/{agreement['id']}/transitions", headers=op,
                                 json={"action": action}), 200)
        ids.append(agreement["id"])
    enrol_at(world, world.a.members[m1], "staff2", "staff1")
    ok(world.client.post(f"{API}/orders", headers=world.a.actors["staff2"].headers, json={
        "external_id": "P-1", "member_id": world.a.members[m1], "amount_fen": 100_000, "referrer_merchant_id": m1}))
    session.rollback()
    paid = session.execute(select(Rebate.agreement_id, Rebate.payee_id, Rebate.amount_fen).order_by(Rebate.id)).all()
    assert [tuple(row) for row in paid] == [(ids[0], m1, 5_000), (ids[1], m1, 2_000)]
