"""Issue 18 item 2 for a package, told through the API: the car centre's ¥199 three-person package pays 200 points
to whoever brings a friend. 小王 shares it; her friend starts a group with her link and two others join, so it
forms: 200 points frozen for 7 days. A second friend comes through the link too, but their seat is refunded by the
seller before the week is out: that reward is taken back. After the week the distribution job credits the first
reward once (two runs), and nothing for the refunded one; 小王's own seat through her own link earns nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from lianmeng.groupbuys.models import GroupBuySeat
from lianmeng.jobs.domain import JobKind
from lianmeng.jobs.service import run_kind
from lianmeng.kit import clock
from lianmeng.ledger.models import Posting
from tests.conftest import World
from tests.integration.groupbuys.helpers import API, add_members, cover, create_offer, member_headers, ok


def test_a_member_shares_a_package_earns_when_it_forms_and_loses_it_on_a_refund(
        world: World, session: Session, db_url: str) -> None:
    cover(world)
    c = world.client
    offer = create_offer(world)
    ok(c.put(f"{API}/group-buys/{offer['id']}/distribution", headers=world.a.actors["admin1"].headers,
             json={"points": 200, "return_window_days": 7}), 403)  # the operator made it: the operator sets terms
    ok(c.put(f"{API}/group-buys/{offer['id']}/distribution", headers=world.a.actors["operator"].headers,
             json={"points": 200, "return_window_days": 7}), 200)
    xiaowang, friend1, friend2, x, y = add_members(db_url, world.a.alliance_id, 5)
    head = {m: member_headers(db_url, m) for m in (xiaowang, friend1, friend2, x, y)}
    link = ok(c.post(f"{API}/group-buys/{offer['id']}/share-link", headers=head[xiaowang]), 200)
    assert link["path"].startswith(f"/m/group-buys/{offer['id']}?s=") and str(xiaowang) not in link["token"][:3]
    s = link["token"]
    first = ok(c.post(f"{API}/group-buys/groups", headers=head[friend1],
                      json={"offer_id": offer["id"], "shared_by": s}))
    ok(c.post(f"{API}/group-buys/groups/by-token/{first['token']}/join", headers=head[x], json={}))
    formed = ok(c.post(f"{API}/group-buys/groups/by-token/{first['token']}/join", headers=head[y], json={}))
    assert formed["status"] == "formed"
    second = ok(c.post(f"{API}/group-buys/groups", headers=head[xiaowang],
                       json={"offer_id": offer["id"], "shared_by": s}))  # her own link: nothing
    ok(c.post(f"{API}/group-buys/groups/by-token/{second['token']}/join", headers=head[friend2],
              json={"shared_by": s}))
    last = add_members(db_url, world.a.alliance_id, 1, prefix="H")[0]
    ok(c.post(f"{API}/group-buys/groups/by-token/{second['token']}/join", headers=member_headers(db_url, last),
              json={}))
    session.rollback()
    rewards = {seat.member_id: (seat.share_reward, seat.share_status) for seat in session.scalars(
        select(GroupBuySeat).where(GroupBuySeat.shared_by_member_id == xiaowang))}
    assert rewards == {friend1: (200, "frozen"), xiaowang: (0, None), friend2: (200, "frozen")}
    refund_seat = session.scalars(select(GroupBuySeat.id).where(GroupBuySeat.member_id == friend2)).one()
    ok(c.post(f"{API}/group-buys/seats/{refund_seat}/refund", headers=world.a.actors["staff1"].headers,
              json={"reason": "退款"}), 200)
    later = clock.now() + timedelta(days=8)
    assert run_kind(JobKind.DISTRIBUTION_POINTS, db_url, later).ran >= 1
    run_kind(JobKind.DISTRIBUTION_POINTS, db_url, later + timedelta(minutes=5))
    session.rollback()
    released = list(session.scalars(select(Posting.idempotency_key).where(
        Posting.idempotency_key.like("group-buy-seat:%:share-release"))))
    friend1_seat = session.scalars(select(GroupBuySeat).where(GroupBuySeat.member_id == friend1)).one()
    assert released == [f"group-buy-seat:{friend1_seat.id}:share-release"]
    assert friend1_seat.share_status == "available"
    refunded = session.scalars(select(GroupBuySeat).where(GroupBuySeat.member_id == friend2)).one()
    assert (refunded.share_reversed, refunded.share_status) == (200, "reversed")
