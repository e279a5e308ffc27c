"""Two send jobs at once (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED; SQLite: one writer at a time) send every
member of the offer exactly once."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import func, select

from lianmeng.auth.models import OutboxMessage
from lianmeng.coupons.models import Coupon
from lianmeng.db import unit_of_work
from lianmeng.jobs.service import send_offers
from lianmeng.targeting import sending
from tests.conftest import World
from tests.integration.targeting import helpers
from tests.integration.targeting.helpers import NOON
from tests.integration.targeting.test_sending import create, recipients


def test_two_jobs_at_once_send_each_member_once(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a, members=299)
    offer_id = create(world, st, holdout_bp=0)
    with unit_of_work(db_url) as s:
        assert sending.send_due(s, NOON).assigned == 300
    start = threading.Barrier(2)
    sent: list[int] = []
    errors: list[BaseException] = []

    def job() -> None:
        try:
            start.wait()
            sent.append(send_offers(db_url, NOON, batch=20))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=job) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and sum(sent) == 300
    rows = recipients(db_url, offer_id)
    assert Counter(r.status for r in rows) == {"sent": 300} and all(r.attempts == 1 for r in rows)
    with unit_of_work(db_url) as s:
        per_member = s.execute(select(Coupon.member_id, func.count()).group_by(Coupon.member_id)).all()
        assert len(per_member) == 300 and {n for _, n in per_member} == {1}
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 300
    assert send_offers(db_url, NOON) == 0
