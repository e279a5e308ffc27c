"""`bench targeting`'s report phase on a small offer: it builds the offer, refreshes it and times the reads."""

from __future__ import annotations

from lianmeng.bench.targeting_report import time_report
from lianmeng.db import unit_of_work
from lianmeng.targeting.models import TargetedOffer


def test_time_report_builds_refreshes_and_reads(db_url: str) -> None:
    report = time_report(db_url, 400, samples=5)
    assert report["recipients"] == 400
    assert report["refresh_s"] > 0 and 0 < report["report_ms_p50"] <= report["report_ms_p95"]
    with unit_of_work(db_url) as session:
        offer = session.query(TargetedOffer).one()
        assert offer.results is not None
        arms = {a["arm"]: (a["members"], a["converted"]) for a in offer.results["arms"]}
    # one in ten held out (i % 10 == 0); the treated with i % 4 == 1 order, the held out with i % 100 == 0
    assert arms == {"treated": (360, 100), "holdout": (40, 4)}
