"""Merges racing over real HTTP on PostgreSQL (issue 14): many operator tabs merge the same two members at the
same instant, half one way (A into B) and half the other (B into A), then the same pair the same way, then undo
one merge many times at once. Each request is its own connection and transaction; both members are locked in id
order, so exactly one merge of a pair is in force, the others are refused in words (422: already merged / into a
tombstone), nobody gets a 5xx, and the books balance with the points and stored value where the one merge put
them."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select

from lianmeng.db import new_session
from lianmeng.ledger import service as ledger
from lianmeng.ledger.models import Posting
from lianmeng.members.models import Member
from lianmeng.merging.models import MemberMerge, MergeEvent
from lianmeng.orders.service import member_stored_value
from lianmeng.points.service import member_points
from tests.books import assert_ledger_invariants
from tests.conftest import DATABASE_URL, IS_POSTGRES, PASSWORD
from tests.integration.load.burst import Call, fire
from tests.integration.load.conftest import Alliance
from tests.serving import Server

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="races over real HTTP run on PostgreSQL")

TABS = 12
URL = "/api/v1/members/merges"


def _bearer(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _loaded_member(client: httpx.Client, alliance: Alliance, admin1: dict[str, str], n: int) -> int:
    """A member of the gym with ¥(n)00.00 stored value and n × 10 points."""
    member = alliance.member(client)
    for path, headers, body in (
            ("/api/v1/top-ups", admin1, {"external_id": f"MR-TOP-{member}", "member_id": member,
                                         "amount_fen": n * 10_000}),
            ("/api/v1/orders", alliance.clerk1, {"external_id": f"MR-EARN-{member}", "member_id": member,
                                                "amount_fen": n * 1_000})):
        r = client.post(path, headers=headers, json=body)
        assert r.status_code == 201, r.text
    return member


def _holdings(member: int, gym: int) -> tuple[int, int]:
    with new_session(DATABASE_URL) as session:
        member_row = session.get(Member, member)
        assert member_row is not None
        alliance_id = member_row.alliance_id
        return (ledger.balance(session, alliance_id, member_points(member)),
                ledger.balance(session, alliance_id, member_stored_value(member, gym)))


def _merge(operator: dict[str, str], survivor: int, absorbed: int) -> Call:
    return Call("POST", URL, operator, {"survivor_id": survivor, "absorbed_id": absorbed, "reason": "同一人"})


def test_racing_merges_of_one_pair_leave_exactly_one_in_force(server: Server, alliance: Alliance) -> None:
    gym = alliance.merchants[0]
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        operator = _bearer(client, "load-op")
        admin1 = _bearer(client, "load-admin-1")
        a, b = (_loaded_member(client, alliance, admin1, n) for n in (3, 5))
        c, d = (_loaded_member(client, alliance, admin1, n) for n in (2, 7))
    total = {m: _holdings(m, gym) for m in (a, b, c, d)}
    assert total[a] == (30, 30_000) and total[b] == (50, 50_000)

    # A into B and B into A at once: one wins, whichever way
    burst = fire(server.base_url, [_merge(operator, *((b, a) if i % 2 else (a, b))) for i in range(TABS)])
    assert burst.problems == [], burst.problems[:5]
    assert burst.finals.count((201, None)) == 1, burst.codes()
    assert set(burst.finals) <= {(201, None), (422, "merge_already_merged"), (422, "merge_into_tombstone")}, \
        burst.codes()
    # the same pair the same way, at once
    burst = fire(server.base_url, [_merge(operator, c, d) for _ in range(TABS)])
    assert burst.problems == [], burst.problems[:5]
    assert burst.finals.count((201, None)) == 1, burst.codes()
    assert set(burst.finals) == {(201, None), (422, "merge_already_merged")}, burst.codes()

    with new_session(DATABASE_URL) as session:
        merges = session.scalars(select(MemberMerge).where(MemberMerge.absorbed_id.in_([a, b, c, d]))).all()
        assert len(merges) == 2 and {m.status for m in merges} == {"in_force"}
        first = next(m for m in merges if {m.survivor_id, m.absorbed_id} == {a, b})
        tombstones = {m.id: (m.status, m.merged_into_id) for m in session.scalars(
            select(Member).where(Member.id.in_([a, b, c, d])))}
        assert tombstones[first.absorbed_id] == ("merged", first.survivor_id)
        assert tombstones[first.survivor_id] == ("active", None)
        assert tombstones[d] == ("merged", c) and tombstones[c] == ("active", None)
        assert session.scalar(select(func.count(Posting.id)).where(Posting.cause == "member_merge",
                                                                   Posting.cause_id.in_([m.id for m in merges]))) == 2
        assert_ledger_invariants(session)
    survivor = first.survivor_id
    assert _holdings(survivor, gym) == (80, 80_000) and _holdings(first.absorbed_id, gym) == (0, 0)
    assert _holdings(c, gym) == (90, 90_000) and _holdings(d, gym) == (0, 0)

    # the same undo from every tab at once: one reverses it, the others are told it already was
    burst = fire(server.base_url, [Call("POST", f"{URL}/{first.id}/undo", operator, {"reason": "两个人"})
                                   for _ in range(TABS)])
    assert burst.problems == [], burst.problems[:5]
    assert burst.finals.count((200, None)) == 1, burst.codes()
    assert set(burst.finals) == {(200, None), (409, "unmerge_already_undone")}, burst.codes()
    assert {m: _holdings(m, gym) for m in (a, b)} == {a: total[a], b: total[b]}
    with new_session(DATABASE_URL) as session:
        assert session.scalar(select(func.count(Posting.id)).where(Posting.cause == "member_merge_undo",
                                                                   Posting.cause_id == first.id)) == 1
        assert [e.kind for e in session.scalars(select(MergeEvent).where(MergeEvent.merge_id == first.id)
                                                 .order_by(MergeEvent.id))] == ["merge", "undo"]
        assert_ledger_invariants(session)
