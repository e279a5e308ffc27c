"""`bench.targeting_send.time_send`: a tiny run on PostgreSQL in a database of its own (`<test db>_bench`). No
timing asserted: every recipient got one coupon and one outbox message, checked here independently."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from lianmeng.bench.targeting_send import time_send
from tests.integration.bench.test_bench_settle import bench_url  # noqa: F401 (the fixture)


def test_time_send_sends_each_recipient_once(bench_url: str) -> None:  # noqa: F811
    out = time_send(bench_url, 2_500, batch=1_000)
    assert out["sent"] == 2_500 and out["send_per_s"] > 0 and out["batches"] == 3
    engine = create_engine(bench_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(DISTINCT member_id) FROM coupons")) == 2_500
            assert conn.scalar(text("SELECT count(*) FROM platform_outbox_messages WHERE body LIKE '%/o/%'")) == 2_500
            assert conn.scalar(text(
                "SELECT count(*) FROM offer_recipients r JOIN coupons c ON c.id = r.coupon_id "
                "JOIN platform_outbox_messages o ON o.id = r.message_id"
                " WHERE r.status = 'sent' AND c.member_id = r.member_id"
                " AND o.body LIKE '%' || r.token")) == 2_500
    finally:
        engine.dispose()
