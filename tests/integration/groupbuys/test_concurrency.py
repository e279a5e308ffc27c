"""Group buys under concurrency, in threads with a transaction each (64 connections on PostgreSQL, SQLite's one
writer otherwise): the last seat goes to exactly one member; the others are refused 409, and nothing else moves."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.db import unit_of_work
from lianmeng.groupbuys import service
from lianmeng.groupbuys.models import GroupBuyGroup, GroupBuySeat
from lianmeng.groupbuys.schemas import GroupJoin, GroupStart
from lianmeng.ledger.domain import AccountKind
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.conftest import WORKERS
from tests.integration.groupbuys.helpers import PRICE, add_members, bal, cover, create_offer, postings_balance
from tests.integration.orders.test_concurrency import race


def member(alliance_id: int, member_id: int) -> Principal:
    return Principal(kind="member", id=member_id, role=Role.MEMBER, alliance_id=alliance_id, member_id=member_id)


def test_racing_members_for_the_last_seat_one_wins(world: World, session: Session, db_url: str,
                                                   wide_engine: Engine) -> None:
    cover(world)
    offer = create_offer(world, group_size=3)
    alliance = world.a.alliance_id
    members = add_members(db_url, alliance, WORKERS + 2)
    with unit_of_work(db_url) as s:
        group = service.start_group(s, member(alliance, members[0]), GroupStart(offer_id=offer["id"]))
        service.join_group(s, member(alliance, members[1]), group.token, GroupJoin())

    def join(member_id: int) -> Callable[[Session], object]:
        return lambda s: service.join_group(s, member(alliance, member_id), group.token, GroupJoin())

    outcomes = race(wide_engine, [join(m) for m in members[2:]])
    assert outcomes == {201: 1, 409: WORKERS - 1}
    session.rollback()
    formed = session.get(GroupBuyGroup, group.id)
    assert formed is not None and (formed.status, formed.seats_taken) == ("formed", 3)
    assert session.scalar(select(func.count()).select_from(GroupBuySeat)
                          .where(GroupBuySeat.group_id == group.id, GroupBuySeat.status == "issued")) == 3
    centre = world.a.merchants[0]
    assert bal(session, alliance, centre, AccountKind.CASH) == 3 * PRICE
    assert bal(session, alliance, centre, AccountKind.GROUP_BUY_HELD, offer["id"]) == 0
    postings_balance(session)


def test_one_member_racing_into_many_groups_keeps_to_the_limit(world: World, session: Session, db_url: str,
                                                               wide_engine: Engine) -> None:
    cover(world)
    offer = create_offer(world, group_size=2, per_member_limit=2)
    alliance = world.a.alliance_id
    leaders = add_members(db_url, alliance, 16)
    greedy = add_members(db_url, alliance, 1, prefix="X")[0]
    with unit_of_work(db_url) as s:
        tokens = [service.start_group(s, member(alliance, m), GroupStart(offer_id=offer["id"])).token
                  for m in leaders]

    def join(token: str) -> Callable[[Session], object]:
        return lambda s: service.join_group(s, member(alliance, greedy), token, GroupJoin())

    assert race(wide_engine, [join(t) for t in tokens]) == {201: 2, 409: 14}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(GroupBuySeat).where(GroupBuySeat.member_id == greedy)) == 2
    postings_balance(session)
