"""Joint cards through the API: sell a 舒适版 at the car centre, consume at the centre and the gym, refund the
rest; bad input refused with nothing changed; tenancy."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.db import begin_write
from lianmeng.jobs.service import run_all
from lianmeng.jointcards import service
from lianmeng.jointcards.models import JointCardItem, JointCardUse
from lianmeng.jointcards.schemas import ConsumeIn
from lianmeng.kit import clock
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.ledger.models import Entry, Posting
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.orders.test_concurrency import race

API = "/api/v1"


def comfort(m1: int, m2: int, m3: int) -> dict[str, Any]:
    """舒适版 ¥14,800: 2 services at the car centre (m1), a gym month (m2), ¥1,000 dining credit (m3),
    10 parenting lessons (m3), a ¥2,000 travel voucher (m2)."""
    return {"name": "舒适版", "price_fen": 1_480_000, "components": [
        {"merchant_id": m1, "name": "汽车精洗保养", "unit_name": "次", "units": 2, "list_value_fen": 160_000},
        {"merchant_id": m2, "name": "健身月卡", "unit_name": "月卡", "units": 1, "list_value_fen": 300_000},
        {"merchant_id": m3, "name": "餐饮抵用金", "unit_name": "元", "units": 1, "list_value_fen": 100_000},
        {"merchant_id": m3, "name": "亲子课", "unit_name": "节课", "units": 10, "list_value_fen": 500_000},
        {"merchant_id": m2, "name": "旅行代金券", "unit_name": "张", "units": 1, "list_value_fen": 200_000},
    ]}


def product_body(world: World, **extra: Any) -> dict[str, Any]:
    m1, m2, m3 = world.a.merchants
    economy = {"name": "经济版", "price_fen": 980_000, "components": [
        {"merchant_id": m1, "name": "汽车精洗保养", "units": 1, "list_value_fen": 80_000},
        {"merchant_id": m2, "name": "健身月卡", "unit_name": "月卡", "units": 1, "list_value_fen": 300_000}]}
    return {"name": "城市生活联名卡", "carry_over_months": 12, "tiers": [economy, comfort(m1, m2, m3)], **extra}


def setup(world: World, body: dict[str, Any] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    c = world.client
    r = c.post(f"{API}/joint-card-products", headers=world.a.actors["operator"].headers,
               json=body or product_body(world))
    assert r.status_code == 201, r.text
    product = r.json()
    tier = next(t for t in product["tiers"] if t["name"] == "舒适版")
    return product, tier


def sell(world: World, tier: dict[str, Any], who: str = "staff1", external_id: str = "POS-1",
         member: int | None = None) -> Any:
    member_id = member if member is not None else world.a.members[world.a.merchants[0]]
    return world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors[who].headers,
                             json={"external_id": external_id, "tier_id": tier["id"], "member_id": member_id})


def consume(world: World, card_id: int, component_id: int, units: int = 1, who: str = "staff1",
            headers: dict[str, str] | None = None) -> Any:
    return world.client.post(f"{API}/joint-cards/{card_id}/consume",
                             headers=headers or world.a.actors[who].headers,
                             json={"component_id": component_id, "units": units})


def bal(session: Session, alliance_id: int, ref: AccountRef) -> int:
    session.rollback()  # a fresh read: the API committed in its own sessions
    return ledger.balance(session, alliance_id, ref)


def acct(merchant: int, kind: AccountKind, scope: int) -> AccountRef:
    return AccountRef(OwnerType.MERCHANT, merchant, kind, scope_id=scope)


def all_postings_balance(session: Session) -> None:
    session.rollback()
    sums = session.execute(select(Entry.posting_id, func.sum(Entry.amount)).group_by(Entry.posting_id)).all()
    assert sums and all(total == 0 for _, total in sums)


def state(session: Session) -> tuple[Any, ...]:
    session.rollback()
    return (tuple(session.scalars(select(JointCardItem.units_left).order_by(JointCardItem.id))),
            session.scalar(select(func.count(JointCardUse.id))), session.scalar(select(func.count(Posting.id))))


def test_comfort_card_sold_at_the_centre_consumed_at_centre_and_gym_then_refunded(
        world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    product, tier = setup(world)
    shares = {c["name"]: c for c in tier["components"]}
    assert sum(c["share_fen"] for c in tier["components"]) == 1_480_000
    r = sell(world, tier)
    assert r.status_code == 201, r.text
    card = r.json()
    assert card["price_fen"] == 1_480_000 and card["value_left_fen"] == 1_480_000 and card["status"] == "active"
    assert card["seller_merchant_id"] == m1
    # a retry of the till (same external id) gets the same card back; nothing posted twice
    again = sell(world, tier)
    assert again.status_code == 201 and again.json()["id"] == card["id"]

    service_c, gym_c = shares["汽车精洗保养"], shares["健身月卡"]
    r = consume(world, card["id"], service_c["id"])
    assert r.status_code == 201, r.text
    first = r.json()["use"]["value_fen"]
    assert first == service_c["share_fen"] // 2
    r = consume(world, card["id"], gym_c["id"], who="staff2")
    assert r.status_code == 201, r.text
    assert r.json()["use"]["value_fen"] == gym_c["share_fen"]
    left = r.json()["card"]
    by_name = {i["name"]: i for i in left["items"]}
    assert by_name["汽车精洗保养"]["units_left"] == 1 and by_name["健身月卡"]["units_left"] == 0
    consumed = first + gym_c["share_fen"]
    assert left["value_left_fen"] == 1_480_000 - consumed

    pid = product["id"]
    assert bal(session, world.a.alliance_id, acct(m1, AccountKind.CASH, 0)) == 1_480_000
    assert bal(session, world.a.alliance_id,
                          acct(m1, AccountKind.JOINT_CARD_LIABILITY, pid)) == -(1_480_000 - consumed)
    assert bal(session, world.a.alliance_id, acct(m1, AccountKind.JOINT_CARD_REVENUE, pid)) == -first
    assert bal(session, world.a.alliance_id,
                          acct(m2, AccountKind.JOINT_CARD_REVENUE, pid)) == -gym_c["share_fen"]
    assert bal(session, world.a.alliance_id,
                          acct(m2, AccountKind.PARTNER_BALANCE, m1)) == gym_c["share_fen"]  # the seller owes the gym
    assert bal(session, world.a.alliance_id,
                          acct(m1, AccountKind.PARTNER_BALANCE, m2)) == -gym_c["share_fen"]
    all_postings_balance(session)

    # the member sees what is left of each component with its own login
    member_headers = member_login(world, world.a.members[m1], "staff1")
    mine = world.client.get(f"{API}/joint-cards/{card['id']}", headers=member_headers)
    assert mine.status_code == 200 and mine.json()["value_left_fen"] == 1_480_000 - consumed
    assert world.client.get(f"{API}/joint-cards", headers=member_headers).json()["total"] == 1
    # staff of involved merchants see it too (the dining merchant has components on it)
    assert world.client.get(f"{API}/joint-cards/{card['id']}", headers=world.a.actors["staff3"].headers
                            ).status_code == 200

    # refund the rest at the seller: only the unconsumed part comes back
    r = world.client.post(f"{API}/joint-cards/{card['id']}/refund", headers=world.a.actors["staff1"].headers,
                          json={"reason": "客户搬家"})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "refunded" and r.json()["refunded_fen"] == 1_480_000 - consumed
    assert r.json()["value_left_fen"] == 0
    assert bal(session, world.a.alliance_id, acct(m1, AccountKind.CASH, 0)) == consumed
    assert bal(session, world.a.alliance_id, acct(m1, AccountKind.JOINT_CARD_LIABILITY, pid)) == 0
    before = state(session)
    # a second refund changes nothing; consuming a refunded card is refused
    r = world.client.post(f"{API}/joint-cards/{card['id']}/refund", headers=world.a.actors["staff1"].headers,
                          json={"reason": "again"})
    assert r.status_code == 200 and r.json()["refunded_fen"] == 1_480_000 - consumed
    r = consume(world, card["id"], service_c["id"])
    assert r.status_code == 409 and r.json()["error"]["code"] == "joint_card_closed"
    assert state(session) == before
    all_postings_balance(session)
    uses = world.client.get(f"{API}/joint-cards/{card['id']}/uses", headers=world.a.actors["operator"].headers)
    assert [u["merchant_id"] for u in uses.json()] == [m1, m2]


def member_login(world: World, member_id: int, staff: str) -> dict[str, str]:
    qr = world.client.get(f"{API}/members/{member_id}/card", headers=world.a.actors["operator"].headers
                          ).json()["qr_payload"]
    token = world.client.post(f"{API}/auth/member/card", headers=world.a.actors[staff].headers,
                              json={"qr_payload": qr}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_bad_consumption_is_refused_and_changes_nothing(world: World, session: Session) -> None:
    _, tier = setup(world)
    card = sell(world, tier).json()
    shares = {c["name"]: c for c in tier["components"]}
    services, gym = shares["汽车精洗保养"]["id"], shares["健身月卡"]["id"]
    before = state(session)
    r = consume(world, card["id"], services, units=3)  # only 2 services
    assert r.status_code == 409 and r.json()["error"]["code"] == "joint_card_used_up"
    r = consume(world, card["id"], gym)  # the gym's component at the car centre
    assert r.status_code == 403 and r.json()["error"]["code"] == "joint_card_other_merchant"
    r = consume(world, card["id"], 987_654)  # no such component on the card
    assert r.status_code == 404
    r = consume(world, card["id"], services, units=0)
    assert r.status_code == 422
    assert state(session) == before
    assert consume(world, card["id"], services, units=2).status_code == 201
    after = state(session)
    r = consume(world, card["id"], services)  # used up
    assert r.status_code == 409 and r.json()["error"]["code"] == "joint_card_used_up"
    assert state(session) == after


def test_refund_of_a_fully_consumed_card_is_a_conflict(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    body = product_body(world)
    body["tiers"] = body["tiers"][:1]
    r = world.client.post(f"{API}/joint-card-products", headers=world.a.actors["admin1"].headers, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["lead_merchant_id"] == m1
    tier = r.json()["tiers"][0]
    assert [c["share_fen"] for c in tier["components"]] == [206_316, 773_684]  # 980000 × 8/38, × 30/38
    card = sell(world, tier).json()
    for component in tier["components"]:
        who = "staff1" if component["merchant_id"] == m1 else "staff2"
        assert consume(world, card["id"], component["id"], who=who).status_code == 201
    before = state(session)
    r = world.client.post(f"{API}/joint-cards/{card['id']}/refund", headers=world.a.actors["staff1"].headers,
                          json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "nothing_to_refund"
    assert state(session) == before
    assert bal(session, world.a.alliance_id,
                          acct(m1, AccountKind.JOINT_CARD_LIABILITY, r_pid(card))) == 0
    assert bal(session, world.a.alliance_id, acct(m2, AccountKind.PARTNER_BALANCE, m1)) == 773_684


def r_pid(card: dict[str, Any]) -> int:
    return int(card["product_id"])


def test_tenancy_outsiders_cannot_see_sell_consume_or_refund(world: World, session: Session) -> None:
    _, m2, m3 = world.a.merchants
    body = product_body(world)
    body["tiers"] = body["tiers"][:1]  # 经济版: the car centre and the gym only
    r = world.client.post(f"{API}/joint-card-products", headers=world.a.actors["operator"].headers, json=body)
    tier = r.json()["tiers"][0]
    card = sell(world, tier).json()
    services = tier["components"][0]["id"]
    before = state(session)
    # the dining merchant is outside the card: it sees nothing, cannot consume or refund
    for who in ("staff3", "admin3"):
        headers = world.a.actors[who].headers
        assert world.client.get(f"{API}/joint-cards/{card['id']}", headers=headers).status_code == 404
        assert consume(world, card["id"], services, headers=headers).status_code == 404
        assert world.client.post(f"{API}/joint-cards/{card['id']}/refund", headers=headers,
                                 json={}).status_code == 404
        assert world.client.get(f"{API}/joint-cards", headers=headers).json()["total"] == 0
    r = sell(world, tier, who="staff3", external_id="POS-3", member=world.a.members[m3])
    assert r.status_code == 403 and r.json()["error"]["code"] == "joint_card_not_in_product"
    # the gym serves the card but did not sell it: it may not refund it
    assert world.client.post(f"{API}/joint-cards/{card['id']}/refund", headers=world.a.actors["staff2"].headers,
                             json={}).status_code == 403
    # alliance b sees nothing
    b = world.b.actors
    assert world.client.get(f"{API}/joint-cards/{card['id']}", headers=b["operator"].headers).status_code == 404
    assert world.client.get(f"{API}/joint-card-products", headers=b["operator"].headers).json()["total"] == 0
    assert world.client.get(f"{API}/joint-card-products/{card['product_id']}",
                            headers=b["admin1"].headers).status_code == 404
    assert consume(world, card["id"], services, headers=b["staff1"].headers).status_code == 404
    r = world.client.post(f"{API}/joint-cards/sales", headers=b["staff1"].headers, json={
        "external_id": "B-1", "tier_id": tier["id"], "member_id": world.b.members[world.b.merchants[0]]})
    assert r.status_code == 422
    # a member the seller cannot see is not sold to (m2's member is not the car centre's)
    assert sell(world, tier, external_id="POS-x", member=world.a.members[m2]).status_code == 404
    # another member cannot see the card
    other = member_login(world, world.a.members[m2], "staff2")
    assert world.client.get(f"{API}/joint-cards/{card['id']}", headers=other).status_code == 404
    assert state(session) == before


def test_sale_by_card_number_and_duplicate_external_id(world: World) -> None:
    m1 = world.a.merchants[0]
    product, tier = setup(world)
    card_no = world.client.get(f"{API}/members/{world.a.members[m1]}/card",
                               headers=world.a.actors["operator"].headers).json()["card_no"]
    r = world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors["staff1"].headers,
                          json={"external_id": "POS-9", "tier_id": tier["id"], "card_no": card_no})
    assert r.status_code == 201, r.text
    economy = next(t for t in product["tiers"] if t["name"] == "经济版")
    r = world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors["staff1"].headers,
                          json={"external_id": "POS-9", "tier_id": economy["id"], "card_no": card_no})
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_external_id"
    r = world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors["staff1"].headers,
                          json={"external_id": "POS-10", "tier_id": tier["id"]})
    assert r.status_code == 422
    r = world.client.post(f"{API}/joint-cards/sales", headers=world.a.actors["operator"].headers,
                          json={"external_id": "POS-11", "tier_id": tier["id"], "card_no": card_no})
    assert r.status_code == 403


def test_bad_products_are_refused(world: World) -> None:
    m1, _, _ = world.a.merchants
    headers = world.a.actors["operator"].headers
    body = product_body(world)
    body["tiers"][0]["components"][0]["merchant_id"] = world.b.merchants[0]
    r = world.client.post(f"{API}/joint-card-products", headers=headers, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "wrong_alliance"
    body = product_body(world, expiry_merchant_id=world.a.merchants[2])
    body["tiers"] = body["tiers"][:1]  # m3 takes no part in 经济版
    r = world.client.post(f"{API}/joint-card-products", headers=headers, json=body)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_joint_product"
    r = world.client.post(f"{API}/joint-card-products", headers=world.a.actors["staff1"].headers,
                          json=product_body(world))
    assert r.status_code == 403
    r = world.client.post(f"{API}/joint-card-products", headers=world.a.actors["admin2"].headers,
                          json=product_body(world, lead_merchant_id=m1))
    assert r.status_code == 403
    assert world.client.get(f"{API}/joint-card-products", headers=headers).json()["total"] == 0


def test_unused_value_expires_to_the_configured_party_once(world: World, session: Session) -> None:
    m1, m2, _ = world.a.merchants
    product, tier = setup(world, product_body(world, expiry_merchant_id=m2, carry_over_months=12))
    card = sell(world, tier).json()
    services = next(c for c in tier["components"] if c["name"] == "汽车精洗保养")
    assert consume(world, card["id"], services["id"]).status_code == 201
    left = 1_480_000 - services["share_fen"] // 2
    begin_write(session)
    assert service.expire_due(session, clock.now() + timedelta(days=300)) == 0
    assert service.expire_due(session, clock.now() + timedelta(days=370)) == left
    session.commit()
    begin_write(session)
    assert service.expire_due(session, clock.now() + timedelta(days=800)) == 0
    session.commit()
    got = world.client.get(f"{API}/joint-cards/{card['id']}", headers=world.a.actors["staff1"].headers).json()
    assert got["status"] == "expired" and got["expired_fen"] == left and got["value_left_fen"] == 0
    pid = product["id"]
    assert bal(session, world.a.alliance_id, acct(m1, AccountKind.JOINT_CARD_LIABILITY, pid)) == 0
    assert bal(session, world.a.alliance_id, acct(m2, AccountKind.JOINT_CARD_REVENUE, pid)) == -left
    assert bal(session, world.a.alliance_id, acct(m2, AccountKind.PARTNER_BALANCE, m1)) == left
    all_postings_balance(session)


def test_concurrent_consumptions_never_take_more_units_than_remain(world: World, session: Session,
                                                                  wide_engine: Engine) -> None:
    _, tier = setup(world)
    card = sell(world, tier).json()
    lessons = next(c for c in tier["components"] if c["name"] == "亲子课")
    actor = world.a.actors["staff3"]
    m3 = world.a.merchants[2]
    clerk = Principal(kind="user", id=actor.user_id, role=Role.STORE_STAFF, alliance_id=world.a.alliance_id,
                      merchant_id=m3, store_id=world.a.stores[m3], staff_id=world.a.staff[m3], label=actor.username)

    def attempt() -> Callable[[Session], object]:
        return lambda s: service.consume(s, clerk, card["id"], ConsumeIn(component_id=lessons["id"], units=3))

    outcomes = race(wide_engine, [attempt() for _ in range(8)])
    assert outcomes == {201: 3, 409: 5}  # 10 lessons: three takes of 3, the rest refused
    session.rollback()
    total = session.scalar(select(func.sum(JointCardUse.value_fen)).where(JointCardUse.card_id == card["id"]))
    assert total == lessons["share_fen"] * 9 // 10
    all_postings_balance(session)


def test_the_scheduled_jobs_expire_joint_cards_too(world: World, session: Session) -> None:
    _, tier = setup(world, product_body(world, carry_over_months=12))
    sell(world, tier)
    url = world.client.app.state.database_url
    assert run_all(url, at=clock.now() + timedelta(days=300)).joint_card_fen_expired == 0
    assert run_all(url, at=clock.now() + timedelta(days=370)).joint_card_fen_expired == 1_480_000
    assert run_all(url, at=clock.now() + timedelta(days=371)).joint_card_fen_expired == 0  # once
