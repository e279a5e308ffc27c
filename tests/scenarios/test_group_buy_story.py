"""Issue 18's group buy (拼团), told through the API.

1. In January 2027 the car centre sells a package with the gym and the restaurant (a wash, a gym week, a ¥100
   dinner voucher) at ¥199 for three within 24 hours. A member starts a group and shares the link, two friends
   join; the third seat forms the group and each of them holds the package as a joint card. They use it at the
   three merchants; on 1 February the operator settles January and the statements carry the joint-card split:
   the centre, which took the money, owes the gym and the restaurant their shares, to the fen of the ledger.
2. A group that does not fill expires when its deadline passes: two job runs at the same moment refund every
   member once, and joining it afterwards is a clear 409.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.groupbuys.models import GroupBuySeat
from lianmeng.jobs.domain import JobKind
from lianmeng.jobs.service import KindTotals, run_kind
from lianmeng.kit import clock
from lianmeng.kit.clock import SHANGHAI
from lianmeng.ledger.domain import AccountKind
from lianmeng.ledger.models import Posting
from tests.conftest import World
from tests.integration.groupbuys.helpers import (
    PRICE,
    add_members,
    bal,
    cover,
    member_headers,
    offer_body,
    postings_balance,
    the_members,
)

API = "/api/v1"


@contextmanager
def on(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2027) -> Iterator[None]:
    """Everything inside happens at this Beijing time."""
    with clock.fixed_at(datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)):
        yield


def call(world: World, headers: dict[str, str], method: str, path: str, body: Any = None, status: int = 200,
         params: dict[str, Any] | None = None) -> Any:
    r = world.client.request(method, API + path, json=body, params=params, headers=headers)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


def lines_by(statement: dict[str, Any]) -> dict[tuple[str, str, str, int], int]:
    out: dict[tuple[str, str, str, int], int] = {}
    for line in statement["lines"]:
        key = (line["kind"], line["cause"], line["party_type"], line["party_id"])
        out[key] = out.get(key, 0) + line["amount_fen"]
    return out


def test_a_group_forms_is_consumed_at_three_merchants_and_settles(world: World, session: Session,
                                                                  db_url: str) -> None:
    centre, gym, restaurant = world.a.merchants
    op = world.a.actors["operator"].headers
    with on(1, 5):
        cover(world)
        offer = call(world, op, "POST", "/group-buys", offer_body(world), 201)
    shares = {c["merchant_id"]: c for c in offer["components"]}
    with on(1, 10, 9):
        leader, friend, friend2 = (member_headers(db_url, m) for m in the_members(world))
        group = call(world, leader, "POST", "/group-buys/groups", {"offer_id": offer["id"]}, 201)
        shared = call(world, {}, "GET", f"/group-buys/groups/by-token/{group['token']}")
        assert (shared["seats_filled"], shared["group_size"], shared["leader"]) == (1, 3, "会**")
    with on(1, 10, 20):
        friend_view = call(world, friend, "POST", f"/group-buys/groups/by-token/{group['token']}/join", {}, 201)
        assert friend_view["status"] == "open" and friend_view["seats_left"] == 1
        formed = call(world, friend2, "POST", f"/group-buys/groups/by-token/{group['token']}/join", {}, 201)
        assert formed["status"] == "formed" and formed["complete"]
    with on(1, 20):
        leader = member_headers(db_url, the_members(world)[0])
        mine = call(world, leader, "GET", "/group-buys/groups/mine")
        card_id = mine[0]["my_seat"]["joint_card_id"]
        card = call(world, leader, "GET", f"/joint-cards/{card_id}")
        for merchant, staff in ((centre, "staff1"), (gym, "staff2"), (restaurant, "staff3")):
            item = next(i for i in card["items"] if i["merchant_id"] == merchant)
            call(world, world.a.actors[staff].headers, "POST", f"/joint-cards/{card_id}/consume",
                 {"component_id": item["component_id"]}, 201)
        friend_card = formed["my_seat"]["joint_card_id"]
        gym_item = next(i for i in card["items"] if i["merchant_id"] == gym)
        call(world, world.a.actors["staff2"].headers, "POST", f"/joint-cards/{friend_card}/consume",
             {"component_id": gym_item["component_id"]}, 201)
    assert call(world, leader, "GET", f"/joint-cards/{card_id}")["value_left_fen"] == 0

    with on(2, 1, 1):
        run = call(world, op, "POST", "/settlement/runs", {"period": "2027-01"}, 201)
    verified = call(world, op, "GET", f"/settlement/runs/{run['id']}/verify")
    assert verified["ok"] and verified["mismatches"] == []
    listed = {s["merchant_id"]: s for s in call(world, op, "GET", "/statements", params={"period": "2027-01"})[
        "items"]}
    gym_st = call(world, world.a.actors["admin2"].headers, "GET", f"/statements/{listed[gym]['id']}")
    restaurant_st = call(world, world.a.actors["admin3"].headers, "GET", f"/statements/{listed[restaurant]['id']}")
    centre_st = call(world, world.a.actors["admin1"].headers, "GET", f"/statements/{listed[centre]['id']}")
    gym_share, dinner_share = shares[gym]["share_fen"], shares[restaurant]["share_fen"]
    assert lines_by(gym_st) == {("partner_balance", "joint_card_use", "merchant", centre): 2 * gym_share}
    assert lines_by(restaurant_st) == {("partner_balance", "joint_card_use", "merchant", centre): dinner_share}
    centre_lines = lines_by(centre_st)
    assert centre_lines[("partner_balance", "joint_card_use", "merchant", gym)] == -2 * gym_share
    assert centre_lines[("partner_balance", "joint_card_use", "merchant", restaurant)] == -dinner_share
    assert gym_st["net_fen"] == 2 * gym_share and restaurant_st["net_fen"] == dinner_share
    # the centre took 3 × ¥199; it recognised its own wash, owes the partners theirs; the rest is still owed to
    # the holders of the two cards not fully used
    alliance = world.a.alliance_id
    assert bal(session, alliance, centre, AccountKind.CASH) == 3 * PRICE
    assert bal(session, alliance, centre, AccountKind.GROUP_BUY_HELD, offer["id"]) == 0
    assert bal(session, alliance, centre, AccountKind.JOINT_CARD_LIABILITY, offer["joint_product_id"]) == -(
        3 * PRICE - PRICE - gym_share)
    postings_balance(session)


def test_an_unfilled_group_expires_and_two_job_runs_at_once_refund_everyone_once(world: World, session: Session,
                                                                               db_url: str) -> None:
    centre = world.a.merchants[0]
    op = world.a.actors["operator"].headers
    with on(3, 1, 9):
        cover(world)
        offer = call(world, op, "POST", "/group-buys", offer_body(world, group_size=5, hours_to_form=2), 201)
        members = [*the_members(world), *add_members(db_url, world.a.alliance_id, 1)]
        heads = [member_headers(db_url, m) for m in members]
        group = call(world, heads[0], "POST", "/group-buys/groups", {"offer_id": offer["id"]}, 201)
        for head in heads[1:]:
            call(world, head, "POST", f"/group-buys/groups/by-token/{group['token']}/join", {}, 201)
    alliance = world.a.alliance_id
    assert bal(session, alliance, centre, AccountKind.CASH) == 4 * PRICE
    late = datetime(2027, 3, 1, 11, 1, tzinfo=SHANGHAI)
    assert late > datetime.fromisoformat(group["deadline_at"])
    totals: list[KindTotals] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        totals.append(run_kind(JobKind.GROUP_BUY_EXPIRY, db_url, late))  # each a run by hand: periods of its own

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(t.failed for t in totals) == 0
    assert sum(t.counts["seats"] for t in totals) == 4 and sum(t.counts["groups"] for t in totals) == 1
    session.rollback()
    seats = list(session.scalars(select(GroupBuySeat).where(GroupBuySeat.group_id == group["id"])))
    assert {(s.status, s.refunded_fen) for s in seats} == {("expired", PRICE)}
    refunds = session.scalar(select(func.count()).select_from(Posting).where(Posting.cause == "group_buy_expiry"))
    assert refunds == 4
    assert bal(session, alliance, centre, AccountKind.CASH) == 0
    assert bal(session, alliance, centre, AccountKind.GROUP_BUY_HELD, offer["id"]) == 0
    postings_balance(session)
    # a third run finds nothing; joining now is a clear 409; the offer's stock is back
    assert run_kind(JobKind.GROUP_BUY_EXPIRY, db_url, late + timedelta(minutes=5)).ran == 0
    newcomer = member_headers(db_url, add_members(db_url, alliance, 1, prefix="N")[0])
    r = world.client.post(f"{API}/group-buys/groups/by-token/{group['token']}/join", headers=newcomer, json={})
    assert r.status_code == 409 and r.json()["error"]["code"] == "group_buy_expired"
    assert call(world, op, "GET", f"/group-buys/{offer['id']}")["seats_taken"] == 0
    view = call(world, heads[0], "GET", f"/group-buys/groups/{group['id']}")
    assert view["status"] == "expired" and view["my_seat"]["status"] == "expired" and not view["complete"]
