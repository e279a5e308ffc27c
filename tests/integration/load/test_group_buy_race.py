"""Group buys (拼团) over real HTTP on PostgreSQL: 64 members join the last seat of a group at the same instant;
exactly one gets it (201) and the group forms, the 63 others are told 409 `group_buy_full`, and the books balance.
Then the offer's stock and one member's limit hold when requests race for them."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from lianmeng.db import new_session
from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuySeat
from lianmeng.jointcards.models import JointCard
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import AccountKind, AccountRef, OwnerType
from lianmeng.ledger.models import Entry
from tests.conftest import DATABASE_URL, IS_POSTGRES, PASSWORD
from tests.integration.load.burst import Call, fire
from tests.integration.load.conftest import Alliance, Server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="races over real HTTP run on PostgreSQL")

RACERS = 64
PRICE = 9_900


def _operator(client: httpx.Client) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": "load-op", "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _member_bearer(client: httpx.Client, alliance: Alliance, operator: dict[str, str]) -> dict[str, str]:
    """A new member of merchant 1, logged in with its card (the QR payload is the operator's to read)."""
    member = alliance.member(client)
    qr = client.get(f"/api/v1/members/{member}/card", headers=operator)
    assert qr.status_code == 200, qr.text
    token = client.post("/api/v1/auth/member/card", headers=alliance.clerk1,
                        json={"qr_payload": qr.json()["qr_payload"]})
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def _offer(client: httpx.Client, alliance: Alliance, **terms: int) -> dict[str, int]:
    """The car centre's (merchant 2's) own package: two washes, ¥99 a seat."""
    r = client.post("/api/v1/group-buys", headers=alliance.admin2, json={
        "name": "精洗两次 拼团", "price_fen": PRICE, "hours_to_form": 24, **terms,
        "components": [{"merchant_id": alliance.merchants[1], "name": "精洗", "units": 2, "list_value_fen": 17_600}]})
    assert r.status_code == 201, r.text
    return dict(r.json())


def test_64_members_race_for_the_last_seat_and_one_gets_it(server: Server, alliance: Alliance) -> None:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        offer = _offer(client, alliance, group_size=2)
        operator = _operator(client)
        leader = _member_bearer(client, alliance, operator)
        racers = [_member_bearer(client, alliance, operator) for _ in range(RACERS)]
        started = client.post("/api/v1/group-buys/groups", headers=leader, json={"offer_id": offer["id"]})
        assert started.status_code == 201, started.text
        token = started.json()["token"]
    burst = fire(server.base_url, [Call("POST", f"/api/v1/group-buys/groups/by-token/{token}/join", racer, {})
                                   for racer in racers])
    assert burst.problems == [], burst.problems[:5]
    assert burst.codes() == {(201, None): 1, (409, "group_buy_full"): RACERS - 1}, burst.codes()
    centre = alliance.merchants[1]
    with new_session(DATABASE_URL) as session:
        group = session.scalars(select(GroupBuyGroup).where(GroupBuyGroup.token == token)).one()
        assert (group.status, group.seats_taken) == ("formed", 2)
        seats = list(session.scalars(select(GroupBuySeat).where(GroupBuySeat.group_id == group.id)))
        assert [s.status for s in seats] == ["issued", "issued"]
        assert session.scalar(select(func.count()).select_from(JointCard)
                              .where(JointCard.product_id == offer["joint_product_id"])) == 2
        alliance_id = group.alliance_id

        def balance(kind: AccountKind, scope: int = 0) -> int:
            return ledger.balance(session, alliance_id, AccountRef(OwnerType.MERCHANT, centre, kind, scope_id=scope))

        assert balance(AccountKind.CASH) == 2 * PRICE
        assert balance(AccountKind.GROUP_BUY_HELD, offer["id"]) == 0
        assert balance(AccountKind.JOINT_CARD_LIABILITY, offer["joint_product_id"]) == -2 * PRICE
        sums = session.execute(select(Entry.posting_id, func.sum(Entry.amount)).group_by(Entry.posting_id)).all()
        assert sums and all(total == 0 for _, total in sums)


def test_the_stock_and_one_members_limit_hold_under_racing_starts(server: Server, alliance: Alliance) -> None:
    stock = 10
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        offer = _offer(client, alliance, group_size=3, max_seats=stock)
        operator = _operator(client)
        starters = [_member_bearer(client, alliance, operator) for _ in range(32)]
        greedy = _member_bearer(client, alliance, operator)
        limited = _offer(client, alliance, group_size=3, per_member_limit=2)
    burst = fire(server.base_url, [Call("POST", "/api/v1/group-buys/groups", head, {"offer_id": offer["id"]})
                                   for head in starters])
    assert burst.problems == [], burst.problems[:5]
    assert burst.codes() == {(201, None): stock, (409, "group_buy_sold_out"): 32 - stock}, burst.codes()
    burst = fire(server.base_url, [Call("POST", "/api/v1/group-buys/groups", greedy, {"offer_id": limited["id"]})
                                   for _ in range(16)])
    assert burst.problems == [], burst.problems[:5]
    assert burst.codes() == {(201, None): 2, (409, "group_buy_member_limit"): 14}, burst.codes()
    with new_session(DATABASE_URL) as session:
        held = session.scalar(select(func.count()).select_from(GroupBuySeat)
                              .where(GroupBuySeat.offer_id == offer["id"]))
        assert held == stock
