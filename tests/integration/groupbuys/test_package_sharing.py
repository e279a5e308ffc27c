"""Sharing a package (issue 18 item 2) through the API: the sharer of a friend's seat earns the offer's points when
the group forms (frozen, credited after the return window), loses them when the seat is refunded first, earns
nothing for sharing with themselves, and no more than the monthly cap."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape as html_unescape
from typing import Any
from urllib.parse import unquote

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lianmeng.db import unit_of_work
from lianmeng.groupbuys import sharing
from lianmeng.groupbuys.models import GroupBuySeat
from lianmeng.kit import clock
from lianmeng.ledger.models import Posting
from lianmeng.members.models import Member
from lianmeng.web.console import MEMBER_COOKIE
from tests.conftest import World
from tests.integration.groupbuys.helpers import API, add_members, cover, create_offer, member_headers, ok
from tests.integration.web.console import csrf_of


def shareable(world: World, **terms: Any) -> dict[str, Any]:
    cover(world)
    offer = create_offer(world)
    body = {"points": 100, **terms}
    out = ok(world.client.put(f"{API}/group-buys/{offer['id']}/distribution",
                              headers=world.a.actors["operator"].headers, json=body), 200)
    assert out["share_points"] == 100
    return offer


def token_of(world: World, headers: dict[str, str], offer_id: int) -> str:
    return str(ok(world.client.post(f"{API}/group-buys/{offer_id}/share-link", headers=headers), 200)["token"])


def form(world: World, offer_id: int, heads: list[dict[str, str]], shared_by: list[str | None]) -> dict[str, Any]:
    """heads[0] starts, the others join, each with their shared_by; returns the formed group."""
    c = world.client
    token = ok(c.post(f"{API}/group-buys/groups", headers=heads[0],
                      json={"offer_id": offer_id, "shared_by": shared_by[0]}))["token"]
    last: dict[str, Any] = {}
    for head, by in zip(heads[1:], shared_by[1:], strict=True):
        last = ok(c.post(f"{API}/group-buys/groups/by-token/{token}/join", headers=head, json={"shared_by": by}))
    return last


def seat_of(session: Session, member_id: int) -> GroupBuySeat:
    session.rollback()
    return session.scalars(select(GroupBuySeat).where(GroupBuySeat.member_id == member_id)).one()


def test_the_sharer_earns_when_the_friends_seat_is_issued_and_it_is_credited_after_the_window(
        world: World, session: Session, db_url: str) -> None:
    offer = shareable(world, return_window_days=7)
    sharer, friend, other, third = add_members(db_url, world.a.alliance_id, 4)
    heads = [member_headers(db_url, m) for m in (friend, other, third)]
    s = token_of(world, member_headers(db_url, sharer), offer["id"])
    staff = world.client.post(f"{API}/group-buys/{offer['id']}/share-link", headers=world.a.actors["staff1"].headers)
    assert staff.status_code == 403
    group = form(world, offer["id"], heads, [s, None, "forged-token-xyz"])
    assert group["status"] == "formed"
    seat = seat_of(session, friend)
    assert (seat.shared_by_member_id, seat.share_reward, seat.share_status) == (sharer, 100, "frozen")
    assert seat_of(session, third).share_reward == 0  # a forged token earns nobody anything
    assert seat_of(session, other).shared_by_member_id is None
    with unit_of_work(db_url) as tx:
        assert sharing.release_points(tx, clock.now() + timedelta(days=6)) == 0
    with unit_of_work(db_url) as tx:
        assert sharing.release_points(tx, clock.now() + timedelta(days=8)) == 1
    with unit_of_work(db_url) as tx:
        assert sharing.release_points(tx, clock.now() + timedelta(days=9)) == 0  # once
    assert seat_of(session, friend).share_status == "available"
    keys = list(session.scalars(select(Posting.idempotency_key).where(
        Posting.idempotency_key.like("group-buy-seat:%:share-release"))))
    assert keys == [f"group-buy-seat:{seat.id}:share-release"]


def test_a_refund_of_the_friends_seat_before_the_window_reverses_the_reward(
        world: World, session: Session, db_url: str) -> None:
    offer = shareable(world)
    sharer, friend, other, third = add_members(db_url, world.a.alliance_id, 4)
    s = token_of(world, member_headers(db_url, sharer), offer["id"])
    form(world, offer["id"], [member_headers(db_url, m) for m in (other, friend, third)], [None, s, None])
    seat = seat_of(session, friend)
    assert seat.share_reward == 100
    ok(world.client.post(f"{API}/group-buys/seats/{seat.id}/refund", headers=world.a.actors["staff1"].headers,
                         json={"reason": "不想要了"}), 200)
    seat = seat_of(session, friend)
    assert (seat.share_reversed, seat.share_status) == (100, "reversed")
    with unit_of_work(db_url) as tx:
        assert sharing.release_points(tx, clock.now() + timedelta(days=30)) == 0
    assert session.scalar(select(Posting.id).where(Posting.idempotency_key.like("%share-release"))) is None


def test_sharing_with_oneself_earns_nothing(world: World, session: Session, db_url: str) -> None:
    offer = shareable(world)
    sharer, twin, third = add_members(db_url, world.a.alliance_id, 3)
    with unit_of_work(db_url) as tx:  # the sharer's old card, merged into them
        tx.execute(update(Member).where(Member.id == twin).values(merged_into_id=sharer))
    s = token_of(world, member_headers(db_url, sharer), offer["id"])
    form(world, offer["id"], [member_headers(db_url, m) for m in (sharer, twin, third)], [s, s, None])
    assert seat_of(session, sharer).share_reward == 0 and seat_of(session, twin).share_reward == 0
    assert seat_of(session, sharer).shared_by_member_id == sharer  # recorded, never paid
    assert seat_of(session, third).share_reward == 0


def test_the_monthly_cap_pays_only_the_room_left(world: World, session: Session, db_url: str) -> None:
    offer = shareable(world, cap_per_month=150)
    sharer, a, b, c = add_members(db_url, world.a.alliance_id, 4)
    s = token_of(world, member_headers(db_url, sharer), offer["id"])
    form(world, offer["id"], [member_headers(db_url, m) for m in (a, b, c)], [s, s, s])
    assert sorted(seat_of(session, m).share_reward for m in (a, b, c)) == [0, 50, 100]


def test_terms_out_of_bounds_are_a_422_and_not_shareable_offers_give_no_link(world: World, db_url: str) -> None:
    cover(world)
    offer = create_offer(world)
    op = world.a.actors["operator"].headers
    for body in ({"points": 0}, {"points": 2_000_000}, {"points": 10, "return_window_days": 91}):
        bad = world.client.put(f"{API}/group-buys/{offer['id']}/distribution", headers=op, json=body)
        assert bad.status_code == 422, body
    member = add_members(db_url, world.a.alliance_id, 1)[0]
    refused = world.client.post(f"{API}/group-buys/{offer['id']}/share-link", headers=member_headers(db_url, member))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "distribution_not_shareable"
    gym = world.client.put(f"{API}/group-buys/{offer['id']}/distribution",
                           headers=world.a.actors["admin2"].headers, json={"points": 10})
    assert gym.status_code in (403, 404)


def test_the_phone_page_carries_the_token_into_starting_a_group(world: World, session: Session, db_url: str) -> None:
    offer = shareable(world)
    sharer, friend = add_members(db_url, world.a.alliance_id, 2)
    s = token_of(world, member_headers(db_url, sharer), offer["id"])
    phone = TestClient(world.client.app)
    phone.cookies.set(MEMBER_COOKIE, member_headers(db_url, friend)["Authorization"].split(" ", 1)[1])
    html = phone.get(f"/m/group-buys?s={s}").text
    assert f'name="s" value="{s}"' in html
    key = re.search(rf'action="/m/group-buys/offers/{offer["id"]}/start".*?name="key" value="([^"]+)"', html, re.S)
    assert key
    started = phone.post(f"/m/group-buys/offers/{offer['id']}/start",
                         data={"csrf": csrf_of(html), "key": key.group(1), "s": s}, follow_redirects=False)
    assert started.status_code == 303, started.text
    assert seat_of(session, friend).shared_by_member_id == sharer
    assert 'name="s"' not in phone.get("/m/group-buys").text  # no token, no sharer


def test_my_shares_page_shows_the_package_link_and_the_masked_friend_with_frozen_points(
        world: World, session: Session, db_url: str) -> None:
    offer = shareable(world, return_window_days=7)
    sharer, friend, other, outsider = add_members(db_url, world.a.alliance_id, 4)
    with unit_of_work(db_url) as tx:
        tx.execute(update(Member).where(Member.id == friend).values(name="李小龙"))
    phone = TestClient(world.client.app)
    phone.cookies.set(MEMBER_COOKIE, member_headers(db_url, sharer)["Authorization"].split(" ", 1)[1])
    html = phone.get("/m/shares").text
    assert f'id="package-{offer["id"]}"' in html and "/m/group-buys?s=" in html and "<svg" in html
    link = re.search(r'value="(http[^"]*/m/group-buys\?s=([^"]+))"', html)
    assert link
    assert "还没有朋友通过你的链接拼团成功" in html
    group = form(world, offer["id"], [member_headers(db_url, m) for m in (friend, other, outsider)],
                 [unquote(html_unescape(link.group(2))), None, None])
    assert group["status"] == "formed"
    html = phone.get("/m/shares").text
    shares = html.split('id="package-shares"', 1)[1]
    assert "李**" in shares and "李小龙" not in html and ">100<" in shares and "status-frozen" in shares
    phone.cookies.set(MEMBER_COOKIE, member_headers(db_url, outsider)["Authorization"].split(" ", 1)[1])
    theirs = phone.get("/m/shares").text.split('id="package-shares"', 1)[1]
    assert "李**" not in theirs and "package-share\"" not in theirs
