"""Group buys through the API: an offer refused until agreements cover it, a group that forms and issues joint
cards, the 409s of joining, leaving before forming, the seller's refund after forming, tenancy."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.audit.models import AuditEvent
from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuyOffer, GroupBuySeat
from lianmeng.jointcards.models import JointCard
from lianmeng.kit import clock
from lianmeng.ledger.domain import AccountKind
from lianmeng.ledger.models import Posting
from tests.conftest import World
from tests.integration.groupbuys.helpers import (
    API,
    PRICE,
    add_members,
    bal,
    cover,
    create_offer,
    member_headers,
    offer_body,
    ok,
    past_deadline,
    postings_balance,
    the_members,
)


def counts(session: Session) -> tuple[int, ...]:
    session.rollback()
    return tuple(int(session.scalar(select(func.count()).select_from(model)) or 0)
                 for model in (GroupBuyOffer, GroupBuyGroup, GroupBuySeat, JointCard, Posting))


def test_an_offer_needs_active_joint_card_agreements_with_the_seller(world: World, session: Session) -> None:
    c, op = world.client, world.a.actors["operator"].headers
    before = counts(session)
    r = c.post(f"{API}/group-buys", headers=op, json=offer_body(world))
    assert r.status_code == 422 and r.json()["error"]["code"] == "group_buy_not_covered"
    assert "alpha merchant 2" in r.json()["error"]["message"]
    english = c.post(f"{API}/group-buys", headers={**op, "Accept-Language": "en"}, json=offer_body(world))
    assert "no active joint-card agreement" in english.json()["error"]["message"]
    foreign = offer_body(world)
    foreign["components"][2]["merchant_id"] = world.b.merchants[0]
    r = c.post(f"{API}/group-buys", headers=op, json=foreign)
    assert r.status_code == 422 and r.json()["error"]["code"] == "wrong_alliance"
    r = c.post(f"{API}/group-buys", headers=op, json={**offer_body(world), "seller_merchant_id": None})
    assert r.status_code == 422 and r.json()["error"]["code"] == "group_buy_seller_needed"
    for bad in ({"group_size": 1}, {"group_size": 51}, {"hours_to_form": 0}, {"hours_to_form": 169},
                {"price_fen": 0}, {"max_seats": 2}):
        r = c.post(f"{API}/group-buys", headers=op, json={**offer_body(world), **bad})
        assert r.status_code == 422, (bad, r.text)
    window = {"sale_starts_at": "2026-12-10T10:00:00+08:00", "sale_ends_at": "2026-12-09T10:00:00+08:00"}
    r = c.post(f"{API}/group-buys", headers=op, json={**offer_body(world), **window})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_group_buy"
    assert counts(session) == before
    # a strategic agreement does not cover a package; a suspended one neither
    cover(world)
    offer = create_offer(world)
    assert offer["seller_merchant_id"] == world.a.merchants[0] and offer["created_by_merchant_id"] is None
    assert sum(c["share_fen"] for c in offer["components"]) == PRICE
    assert offer["list_value_fen"] == 38_700
    session.rollback()
    assert session.scalar(select(func.count()).select_from(AuditEvent)
                          .where(AuditEvent.action == "group_buy.create")) == 1
    # a merchant admin's offer is sold by itself, whatever it names
    r = c.post(f"{API}/group-buys", headers=world.a.actors["admin2"].headers,
               json={**offer_body(world), "seller_merchant_id": world.a.merchants[0]})
    assert r.status_code == 403
    r = c.post(f"{API}/group-buys", headers=world.a.actors["staff1"].headers, json=offer_body(world))
    assert r.status_code == 403


def test_a_group_forms_on_its_last_seat_and_every_member_gets_the_package(world: World, session: Session,
                                                                          db_url: str) -> None:
    cover(world)
    offer = create_offer(world)
    m1 = world.a.merchants[0]
    heads = [member_headers(db_url, m) for m in the_members(world)]
    c = world.client
    started = ok(c.post(f"{API}/group-buys/groups", headers=heads[0], json={"offer_id": offer["id"]}))
    assert started["status"] == "open" and started["seats_filled"] == 1 and started["seats_left"] == 2
    assert started["my_seat"]["status"] == "paid" and not started["complete"]
    token = started["token"]
    public = ok(c.get(f"{API}/group-buys/groups/by-token/{token}"), 200)
    assert public["leader"] == "会**" and public["seats_filled"] == 1 and "member_id" not in str(public)
    assert bal(session, world.a.alliance_id, m1, AccountKind.GROUP_BUY_HELD, offer["id"]) == -PRICE
    second = c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers={**heads[1], "Idempotency-Key": "j-2"},
                    json={})
    assert second.status_code == 201 and second.json()["seats_filled"] == 2
    replay = c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers={**heads[1], "Idempotency-Key": "j-2"},
                    json={})
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    last = ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[2], json={}))
    assert last["status"] == "formed" and last["complete"] and last["my_seat"]["status"] == "issued"
    session.rollback()
    cards = list(session.scalars(select(JointCard).order_by(JointCard.id)))
    assert [card.member_id for card in cards] == the_members(world)
    assert all(card.price_fen == PRICE and card.seller_merchant_id == m1 for card in cards)
    assert bal(session, world.a.alliance_id, m1, AccountKind.CASH) == 3 * PRICE
    assert bal(session, world.a.alliance_id, m1, AccountKind.GROUP_BUY_HELD, offer["id"]) == 0
    assert bal(session, world.a.alliance_id, m1, AccountKind.JOINT_CARD_LIABILITY,
               offer["joint_product_id"]) == -3 * PRICE
    postings_balance(session)
    # the card is the member's to see and the gym's to serve
    card = ok(c.get(f"{API}/joint-cards/{cards[0].id}", headers=heads[0]), 200)
    assert card["value_left_fen"] == PRICE and len(card["items"]) == 3
    gym = world.a.actors["staff2"].headers
    gym_item = next(i for i in card["items"] if i["merchant_id"] == world.a.merchants[1])
    ok(c.post(f"{API}/joint-cards/{cards[0].id}/consume", headers=gym, json={"component_id": gym_item["component_id"]}))
    mine = ok(c.get(f"{API}/group-buys/groups/mine", headers=heads[0]), 200)
    assert [g["status"] for g in mine] == ["formed"] and mine[0]["complete"]
    # the package is a joint card issued by the group buy: not listed, resumed or sold as a till's joint card
    op = world.a.actors["operator"].headers
    assert c.get(f"{API}/joint-card-products", headers=op).json()["items"] == []
    resumed = c.post(f"{API}/joint-card-products/{offer['joint_product_id']}/resume", headers=op)
    assert resumed.status_code == 409 and resumed.json()["error"]["code"] == "joint_product_of_group_buy"
    sold = c.post(f"{API}/joint-cards/sales", headers=world.a.actors["staff1"].headers, json={
        "external_id": "POS-GB", "tier_id": offer["joint_tier_id"], "member_id": the_members(world)[0]})
    assert sold.status_code == 422 and sold.json()["error"]["code"] == "joint_product_paused"


def test_joining_a_full_expired_or_joined_group_is_a_clear_409(world: World, session: Session, db_url: str) -> None:
    cover(world)
    offer = create_offer(world)
    extra = add_members(db_url, world.a.alliance_id, 2)
    heads = [member_headers(db_url, m) for m in [*the_members(world), *extra]]
    c = world.client
    token = ok(c.post(f"{API}/group-buys/groups", headers=heads[0], json={"offer_id": offer["id"]}))["token"]
    again = c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[0], json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "group_buy_already_joined"
    assert "一个名额" in again.json()["error"]["message"]
    ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[1], json={}))
    ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[2], json={}))
    before = counts(session)
    full = c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[3], json={})
    assert full.status_code == 409 and full.json()["error"]["code"] == "group_buy_full"
    assert counts(session) == before
    # a second group of the same offer passes its deadline with one seat: joining it is refused and it is expired
    token2 = ok(c.post(f"{API}/group-buys/groups", headers=heads[3], json={"offer_id": offer["id"]}))["token"]
    group2 = c.get(f"{API}/group-buys/groups/by-token/{token2}").json()
    session.rollback()
    gid = session.scalar(select(GroupBuyGroup.id).where(GroupBuyGroup.token == token2))
    assert gid is not None and group2["status"] == "open"
    past_deadline(db_url, gid, clock.now() - timedelta(minutes=1))
    late = c.post(f"{API}/group-buys/groups/by-token/{token2}/join", headers=heads[4], json={})
    assert late.status_code == 409 and late.json()["error"]["code"] == "group_buy_expired"
    session.rollback()
    seat = session.scalars(select(GroupBuySeat).where(GroupBuySeat.group_id == gid)).one()
    assert seat.status == "expired" and seat.refunded_fen == PRICE  # the lazy expiry stayed
    assert c.get(f"{API}/group-buys/groups/by-token/{token2}").json()["status"] == "expired"
    unknown = c.post(f"{API}/group-buys/groups/by-token/nosuchgroup123/join", headers=heads[4], json={})
    assert unknown.status_code == 404
    postings_balance(session)


def test_stock_and_the_per_member_limit_hold(world: World, session: Session, db_url: str) -> None:
    cover(world)
    offer = create_offer(world, max_seats=3)
    extra = add_members(db_url, world.a.alliance_id, 3)
    heads = [member_headers(db_url, m) for m in [*the_members(world), *extra]]
    c = world.client
    token = ok(c.post(f"{API}/group-buys/groups", headers=heads[0], json={"offer_id": offer["id"]}))["token"]
    limit = c.post(f"{API}/group-buys/groups", headers=heads[0], json={"offer_id": offer["id"]})
    assert limit.status_code == 409 and limit.json()["error"]["code"] == "group_buy_member_limit"
    ok(c.post(f"{API}/group-buys/groups", headers=heads[1], json={"offer_id": offer["id"]}))
    ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[2], json={}))
    sold_out = c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[3], json={})
    assert sold_out.status_code == 409 and sold_out.json()["error"]["code"] == "group_buy_sold_out"
    paused = ok(c.post(f"{API}/group-buys/{offer['id']}/pause", headers=world.a.actors["operator"].headers), 200)
    assert paused["status"] == "paused" and paused["seats_taken"] == 3
    r = c.post(f"{API}/group-buys/groups", headers=heads[4], json={"offer_id": offer["id"]})
    assert r.status_code == 409 and r.json()["error"]["code"] == "group_buy_paused"


def test_leaving_before_forming_refunds_in_full_and_after_forming_the_seller_refunds_the_rest(
        world: World, session: Session, db_url: str) -> None:
    cover(world)
    offer = create_offer(world)
    m1 = world.a.merchants[0]
    extra = add_members(db_url, world.a.alliance_id, 1)
    heads = [member_headers(db_url, m) for m in [*the_members(world), *extra]]
    c = world.client
    token = ok(c.post(f"{API}/group-buys/groups", headers=heads[0], json={"offer_id": offer["id"]}))["token"]
    second = ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[1], json={}))
    seat = second["my_seat"]["id"]
    other = c.post(f"{API}/group-buys/seats/{seat}/refund", headers=heads[0], json={})
    assert other.status_code == 404  # another member's seat
    left = ok(c.post(f"{API}/group-buys/seats/{seat}/refund", headers=heads[1], json={"reason": "改主意了"}), 200)
    assert left["status"] == "left" and left["refunded_fen"] == PRICE
    again = c.post(f"{API}/group-buys/seats/{seat}/refund", headers=heads[1], json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "group_buy_seat_closed"
    rejoin = c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[1], json={})
    assert rejoin.status_code == 409 and rejoin.json()["error"]["code"] == "group_buy_already_joined"
    assert bal(session, world.a.alliance_id, m1, AccountKind.CASH) == PRICE
    ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[2], json={}))
    formed = ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=heads[3], json={}))
    assert formed["status"] == "formed"
    seat3 = formed["my_seat"]["id"]
    refused = c.post(f"{API}/group-buys/seats/{seat3}/refund", headers=heads[3], json={})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "group_buy_formed"
    card_id = formed["my_seat"]["joint_card_id"]
    card = ok(c.get(f"{API}/joint-cards/{card_id}", headers=heads[3]), 200)
    wash = next(i for i in card["items"] if i["merchant_id"] == m1)
    ok(c.post(f"{API}/joint-cards/{card_id}/consume", headers=world.a.actors["staff1"].headers,
              json={"component_id": wash["component_id"]}))
    gym_staff = c.post(f"{API}/group-buys/seats/{seat3}/refund", headers=world.a.actors["staff2"].headers, json={})
    assert gym_staff.status_code == 404  # the gym serves the card, the seat is the seller's
    refunded = ok(c.post(f"{API}/group-buys/seats/{seat3}/refund", headers=world.a.actors["staff1"].headers,
                         json={"reason": "会员搬家"}), 200)
    assert refunded["status"] == "refunded" and refunded["refunded_fen"] == PRICE - wash["share_fen"]
    view = ok(c.get(f"{API}/group-buys/groups/{formed['id']}", headers=heads[3]), 200)
    assert view["status"] == "formed" and not view["complete"] and view["seats_refunded"] == 1
    assert view["seats_filled"] == 3
    others = ok(c.get(f"{API}/group-buys/groups/{formed['id']}", headers=heads[0]), 200)
    assert others["complete"]
    assert bal(session, world.a.alliance_id, m1, AccountKind.GROUP_BUY_HELD, offer["id"]) == 0
    assert bal(session, world.a.alliance_id, m1, AccountKind.CASH) == 4 * PRICE - PRICE - refunded["refunded_fen"]
    postings_balance(session)
    groups = ok(c.get(f"{API}/group-buys/{offer['id']}/groups", headers=world.a.actors["admin1"].headers), 200)
    assert groups["formed"] == 1 and groups["seats_refunded"] == 1 and groups["seats_issued"] == 2
    assert "member" not in str(groups["groups"])


def test_tenancy_other_alliances_see_nothing_and_merchants_only_their_offers(world: World, db_url: str) -> None:
    cover(world)
    m1, m2, _ = world.a.merchants
    c = world.client
    body = offer_body(world)
    body["components"] = body["components"][:2]
    offer = ok(c.post(f"{API}/group-buys", headers=world.a.actors["admin1"].headers, json=body))
    assert offer["created_by_merchant_id"] == m1 and offer["seller_merchant_id"] == m1
    head = member_headers(db_url, world.a.members[m1])
    group = ok(c.post(f"{API}/group-buys/groups", headers=head, json={"offer_id": offer["id"]}))
    beta = world.b.actors["operator"].headers
    beta_member = member_headers(db_url, world.b.members[world.b.merchants[0]])
    assert c.get(f"{API}/group-buys/{offer['id']}", headers=beta).status_code == 404
    assert c.get(f"{API}/group-buys/groups/{group['id']}", headers=beta).status_code == 404
    assert c.post(f"{API}/group-buys/{offer['id']}/pause", headers=beta).status_code == 404
    assert c.post(f"{API}/group-buys/groups", headers=beta_member, json={"offer_id": offer["id"]}).status_code == 404
    r = c.post(f"{API}/group-buys/groups/by-token/{group['token']}/join", headers=beta_member, json={})
    assert r.status_code == 404
    assert c.post(f"{API}/group-buys/seats/{group['my_seat']['id']}/refund", headers=beta, json={}).status_code == 404
    outsider = world.a.actors["admin3"].headers  # the restaurant has no component in this offer
    assert c.get(f"{API}/group-buys/{offer['id']}", headers=outsider).status_code == 404
    assert c.get(f"{API}/group-buys", headers=outsider).json()["items"] == []
    gym = world.a.actors["admin2"].headers
    assert c.get(f"{API}/group-buys/{offer['id']}", headers=gym).status_code == 200
    assert c.get(f"{API}/group-buys/groups/{group['id']}", headers=gym).status_code == 404
    pause = c.post(f"{API}/group-buys/{offer['id']}/pause", headers=gym)
    assert pause.status_code == 403 and pause.json()["error"]["code"] == "group_buy_not_managed"
    other_member = member_headers(db_url, world.a.members[m2])
    assert c.get(f"{API}/group-buys/groups/{group['id']}", headers=other_member).status_code == 404
    assert c.get(f"{API}/group-buys/groups/mine", headers=other_member).json() == []
    edited = ok(c.patch(f"{API}/group-buys/{offer['id']}", headers=world.a.actors["admin1"].headers,
                        json={"name": "洗车+健身 三人团", "per_member_limit": 2}), 200)
    assert edited["name"] == "洗车+健身 三人团" and edited["per_member_limit"] == 2
    kept = ok(c.patch(f"{API}/group-buys/{offer['id']}", headers=world.a.actors["admin1"].headers,
                      json={"name": None, "max_seats": 30}), 200)
    assert kept["name"] == "洗车+健身 三人团" and kept["max_seats"] == 30
    too_small = c.patch(f"{API}/group-buys/{offer['id']}", headers=world.a.actors["admin1"].headers,
                        json={"max_seats": 1})
    assert too_small.status_code == 422
