"""A recount holds its alliance's advisory lock, not the alliance row: writes referring to the alliance go on
while it runs, and a second recount of the same alliance waits for the first (PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from lianmeng.db import begin_write, new_session
from lianmeng.kit import clock
from lianmeng.members.models import Membership
from lianmeng.overlap import service
from tests.conftest import DATABASE_URL, IS_POSTGRES, World
from tests.integration.overlap.conftest import Customers

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="advisory locks and lock_timeout are PostgreSQL's")


def test_writes_go_on_during_a_recount_and_a_second_recount_waits(world: World, customers: Customers) -> None:
    m1, m2, _ = world.a.merchants
    recount, writer, second = new_session(DATABASE_URL), new_session(DATABASE_URL), new_session(DATABASE_URL)
    try:
        begin_write(recount)
        service.refresh_alliance(recount, world.a.alliance_id)  # not committed: its lock is held
        begin_write(writer)
        writer.execute(text("SET LOCAL lock_timeout = '2s'"))
        writer.add(Membership(alliance_id=world.a.alliance_id,
                              member_id=world.a.members[m1], merchant_id=m2, joined_at=clock.now()))
        writer.flush()  # the foreign keys' share locks on merchants and members are not held up
        writer.execute(text("UPDATE alliances SET name = name WHERE id = :a"), {"a": world.a.alliance_id})
        writer.commit()
        begin_write(second)
        second.execute(text("SET LOCAL lock_timeout = '1s'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            service.refresh_alliance(second, world.a.alliance_id)
        second.rollback()
        recount.commit()
        begin_write(second)
        second.execute(text("SET LOCAL lock_timeout = '2s'"))
        assert service.refresh_alliance(second, world.a.alliance_id).memberships == 3 + 12 * 2 + 9 * 2 + 5 * 2 + 20 + 1
        second.commit()
    finally:
        for s in (recount, writer, second):
            s.rollback()
            s.close()
