"""The monthly cap per sharer holds under concurrency: many friends' first orders recorded at once (each in its own
thread and transaction; on PostgreSQL each on its own connection) pay the sharer exactly the cap, never more."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lianmeng.auth.domain import Role
from lianmeng.distribution.models import DistributionReward
from lianmeng.ledger.domain import AccountKind
from lianmeng.orders import service as orders
from lianmeng.orders.schemas import OrderCreate
from lianmeng.tenancy import Principal
from tests.conftest import World
from tests.integration.distribution.helpers import claim, member_balance, new_member, offer, share_link
from tests.integration.orders.test_concurrency import race

FRIENDS = 24


def gym_clerk(world: World) -> Principal:
    m2 = world.a.merchants[1]
    actor = world.a.actors["staff2"]
    return Principal(kind="user", id=actor.user_id, role=Role.STORE_STAFF, alliance_id=world.a.alliance_id,
                     merchant_id=m2, store_id=world.a.stores[m2], staff_id=world.a.staff[m2], label=actor.username)


def test_concurrent_first_orders_stop_at_the_sharers_monthly_cap(world: World, session: Session,
                                                                  wide_engine: Engine) -> None:
    template = offer(world, cap_per_month=10_000)  # five ¥20 rewards
    sharer = world.a.members[world.a.merchants[0]]
    token = share_link(world, sharer, template)
    friends = [new_member(world, f"朋友{i}") for i in range(FRIENDS)]
    for friend in friends:
        claim(world, friend, token)
    clerk = gym_clerk(world)

    def buy(friend: int) -> Callable[[Session], object]:
        return lambda s: orders.record_order(s, clerk, OrderCreate(external_id=f"race-{friend}", member_id=friend,
                                                                   amount_fen=20_000))

    outcomes = race(wide_engine, [buy(f) for f in friends])
    assert outcomes == {201: FRIENDS}
    session.rollback()
    paid = session.execute(select(func.count(), func.sum(DistributionReward.amount)).where(
        DistributionReward.sharer_member_id == sharer)).one()
    assert tuple(paid) == (5, 10_000)
    assert member_balance(session, world, sharer, AccountKind.REBATE_FROZEN) == 10_000
