"""Every query the services run filters by alliance (issue 17 item 6, second half; docs/scale.md).

A representative day runs with a statement recorder on the engine (tests/architecture/routing_rules.py): the demo
alliance's jobs and the console pages of its operator, a merchant and a shopping guide, a member's phone pages, then
the scenario stories told through the API on the two alliances of `world` (orders, coupons issued, claimed and
redeemed, refunds, joint cards, the monthly settlement with its statements, the hub's share,
duplicate members, partner discovery). Each statement that leaves a tenant table unpinned to one alliance is an
offender, fingerprinted by the function that ran it and the tables it left unpinned. The offenders must equal the
backlog (tests/architecture/routing_backlog.py) exactly: a new one fails, and so does a listed one that is fixed
(take it off the list). `LIANMENG_ROUTING_REPORT=path` writes every offender with one statement that showed it."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from lianmeng.db import Base, new_session
from lianmeng.demo import data
from lianmeng.demo.loader import DemoPlan, load_demo
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.members import service as members_service
from lianmeng.members.models import Member, Membership
from tests.architecture import routing_backlog, routing_rules, shard_rules
from tests.conftest import IS_POSTGRES, WorldSnapshot, _restore, _wipe
from tests.integration.web.console import csrf_of
from tests.scenarios import (
    test_duplicate_member_story,
    test_hub_share_story,
    test_monthly_settlement_story,
    test_partner_discovery_story,
    test_rights_exchange_story,
    test_traffic_exchange_story,
)

TENANT_TABLES = frozenset(name for name in Base.metadata.tables if not shard_rules.is_platform(name))
BACKLOG = routing_backlog.BACKLOG | routing_backlog.ONE_DATABASE["postgresql" if IS_POSTGRES else "sqlite"]


def console(client: TestClient, username: str) -> TestClient:
    """A browser of its own logged in to the console as one of the demo's logins."""
    browser = TestClient(client.app)
    done = browser.post("/login", data={"csrf": csrf_of(browser.get("/login").text), "username": username,
                                        "password": data.PASSWORD}, follow_redirects=False)
    assert done.status_code == 303, done.text
    return browser


def demo_day(client: TestClient, db_url: str, recorder: routing_rules.Recorder) -> None:
    """The demo alliance: its nightly jobs, then the console of its operator, a merchant and a guide, and a member's
    phone pages. Loading the demo is not recorded (a generator, not a product path)."""
    with new_session(db_url) as session:
        load_demo(session, DemoPlan(seed=7, scale=0.02))
        session.commit()
        member = session.query(Member).join(Membership, Membership.member_id == Member.id).filter(
            Membership.tier != "standard").first()
        assert member is not None
        member_id, card_no, qr = member.id, member.card_no, members_service.qr_payload(member)
    with recorder.recording():
        run_all(db_url, at=clock.now())
        run_all(db_url, at=clock.now() + timedelta(days=1))
        operator, tesla, guide = (console(client, name) for name in ("operator", "tesla-admin", "tesla-sa"))
        pages: list[tuple[TestClient, str]] = [(operator, path) for path in (
            "/console/operator", "/console/money", "/console/campaigns", "/console/withdrawals", "/console/jobs",
            "/console/overlap", "/console/overlap/matrix", "/console/audit", "/console/dashboard",
            "/alliances/tesla-life-sz")]
        pages += [(tesla, path) for path in (
            "/console", "/console/dashboard", "/console/dashboard/export", "/console/partners", "/console/members",
            f"/console/members/{member_id}", "/console/coupons", "/console/joint-cards", "/console/money",
            "/console/withdrawals", "/console/counter/orders", "/console/values", "/console/tags",
            "/console/ownership", "/console/profiles", "/console/recruiting", "/console/targeting",
            "/console/segments", "/console/audiences", "/console/notifications")]
        for browser, path in pages:
            assert browser.get(path).status_code < 500, path
        statement = re.search(r'href="/console/money/statements/(\d+)"', tesla.get("/console/money").text)
        assert statement, "no statement for the last month"
        for browser in (operator, tesla):
            assert browser.get(f"/console/money/statements/{statement.group(1)}").status_code == 200
        desk = guide.post("/console/counter", data={"csrf": csrf_of(guide.get("/console/counter").text),
                                                    "action": "lookup", "card": card_no})
        assert desk.status_code == 200
        visitor = TestClient(client.app)
        card = visitor.post("/m/login", data={"csrf": csrf_of(visitor.get("/m/login").text), "action": "card",
                                              "qr": qr}, follow_redirects=False)
        assert card.status_code == 303, card.text
        for path in ("/m", "/m/partners"):
            assert visitor.get(path).status_code == 200, path


def stories(snapshot: WorldSnapshot, client: TestClient, db_url: str) -> list[Callable[[], None]]:
    """The scenario stories, each to run on the two alliances of `world` restored afresh."""
    world = replace(snapshot.world, client=client)

    def with_session(story: Callable[..., None], *args: object) -> Callable[[], None]:
        def run() -> None:
            with new_session(db_url) as session:
                story(*args, session)
        return run

    return [
        lambda: test_monthly_settlement_story.test_january_is_settled_disputed_corrected_confirmed_and_paid(world),
        lambda: test_monthly_settlement_story.test_late_items_and_refunds_land_in_the_next_period(world),
        with_session(test_traffic_exchange_story.test_a_shared_coupon_brings_a_customer_and_pays_the_guide, world),
        lambda: test_hub_share_story.test_the_hub_earns_six_percent_of_what_its_members_spend_at_partners(
            world, db_url),
        with_session(test_duplicate_member_story.test_the_same_person_enrolled_twice_is_found_reviewed_merged_and_unmerged,
                     world),
        lambda: test_partner_discovery_story.test_candidate_scorecard_proposal_agreement(world),
    ]


def test_every_statement_of_a_day_is_routed_to_one_alliance(
        client: TestClient, db_url: str, engine: Engine, world_snapshot: WorldSnapshot) -> None:
    recorder = routing_rules.Recorder()
    recorder.attach(engine)
    try:
        demo_day(client, db_url, recorder)
        for story in stories(world_snapshot, client, db_url):
            _wipe(engine)
            _restore(engine, world_snapshot.rows)
            client.app.state.throttle.storage.reset()  # type: ignore[attr-defined]
            with recorder.recording():
                story()
        _wipe(engine)
        client.app.state.throttle.storage.reset()  # type: ignore[attr-defined]
        with recorder.recording(), new_session(db_url) as session:
            test_rights_exchange_story.test_tesla_centre_and_gym_swap_benefits(client, db_url, session)
    finally:
        recorder.detach(engine)

    found = routing_rules.offenders(recorder.statements, TENANT_TABLES)
    lines = {fingerprint: f"{fingerprint}{'  [orm identity]' if offender.orm_identity else ''}\n    {sql[:300]}"
             for fingerprint, (offender, sql) in sorted(found.items())}
    if path := os.environ.get("LIANMENG_ROUTING_REPORT"):
        Path(path).write_text(f"{len(recorder.statements)} statements, {len(found)} offenders\n"
                              + "\n".join(lines.values()) + "\n", encoding="utf-8")
    report = "\n".join(line for fingerprint, line in lines.items() if fingerprint not in BACKLOG)
    assert set(found) <= BACKLOG, (
        f"{len(set(found) - BACKLOG)} statements not pinned to one alliance (add `alliance_id = :a` for each tenant "
        f"table, or join it on alliance_id with a pinned one):\n{report}")
    assert set(found) >= BACKLOG, "fixed, take off the backlog:\n" + "\n".join(sorted(BACKLOG - set(found)))
