"""Each family of administrative actions appends exactly one event per action, with who, from where, what and
before/after (masked); a refused or rolled-back action appends none; a refused login of a known name is kept."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from lianmeng.auth import service as auth_service
from lianmeng.db import new_session, transaction
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from tests.conftest import DATABASE_URL, PASSWORD, World, login
from tests.integration.audiences.conftest import activate_agreement
from tests.integration.audit.conftest import new_events, trail
from tests.integration.commissions.test_rebates import add_payout_account, agree, referred_order
from tests.integration.settlement.test_settlement import poster_in_october

API = "/api/v1"


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def only(before: list[Any], action: str) -> Any:
    """The one event written since `before`, which must be of `action`."""
    written = new_events(before)
    assert [e.action for e in written] == [action], [e.action for e in written]
    return written[0]


def test_logins_failed_logins_and_logouts(world: World) -> None:
    client, op = world.client, world.a.actors["operator"]
    before = trail()
    r = client.post(f"{API}/auth/login", json={"username": op.username, "password": PASSWORD},
                    headers={"User-Agent": "Mozilla/5.0 (Macintosh) Safari/605"})
    token = ok(r)["access_token"]
    event = only(before, "auth.login")
    assert (event.alliance_id, event.actor_kind, event.actor_id, event.actor_name, event.actor_role) == (
        world.a.alliance_id, "user", op.user_id, op.username, "operator_admin")
    assert event.client_address == "testclient" and event.user_agent == "Mozilla/5.0 (Macintosh) Safari/605"

    before = trail()
    assert client.post(f"{API}/auth/login", json={"username": op.username, "password": "wrong-one"}).status_code == 401
    failed = only(before, "auth.login_failed")
    assert (failed.actor_id, failed.actor_name) == (op.user_id, op.username)
    assert failed.after == {"reason": "bad_credentials"}
    before = trail()
    assert client.post(f"{API}/auth/login", json={"username": "nobody-here", "password": "x"}).status_code == 401
    assert new_events(before) == []  # an unknown name belongs to no alliance: counted by the throttle only

    before = trail()
    assert client.post(f"{API}/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert only(before, "auth.logout").actor_id == op.user_id


def test_logins_staff_and_api_keys(world: World) -> None:
    client, admin = world.client, world.a.actors["admin1"]
    m1 = world.a.merchants[0]
    before = trail()
    staff = ok(client.post(f"{API}/merchants/{m1}/staff", headers=admin.headers,
                           json={"name": "李四", "role": "shopping_guide"}), 201)
    event = only(before, "staff.create")
    assert event.object_id == staff["id"] and event.merchant_id == m1 and event.after["role"] == "shopping_guide"

    before = trail()
    ok(client.patch(f"{API}/staff/{staff['id']}", headers=admin.headers, json={"role": "cashier"}))
    event = only(before, "staff.update")
    assert (event.before, event.after) == ({"role": "shopping_guide"}, {"role": "cashier"})

    before = trail()
    user = ok(client.post(f"{API}/users", headers=admin.headers, json={
        "username": "clerk-new", "password": PASSWORD, "role": "store_staff", "merchant_id": m1,
        "staff_id": staff["id"]}), 201)
    event = only(before, "user.create")
    assert event.after["role"] == "store_staff" and "password" not in event.after

    before = trail()
    ok(client.patch(f"{API}/users/{user['id']}", headers=admin.headers,
                    json={"active": False, "password": "new-pass-1"}))
    event = only(before, "user.update")
    assert (event.before, event.after) == ({"active": True, "password": "***"}, {"active": False, "password": "***"})
    before = trail()
    ok(client.patch(f"{API}/users/{user['id']}", headers=admin.headers, json={"active": False}))
    assert new_events(before) == []  # nothing changed, nothing recorded

    before = trail()
    key = ok(client.post(f"{API}/merchants/{m1}/api-keys", headers=admin.headers, json={"name": "收银系统"}), 201)
    event = only(before, "api_key.create")
    assert event.object_id == key["id"] and key["key"] not in str(event.after)
    before = trail()
    ok(client.post(f"{API}/api-keys/{key['id']}/revoke", headers=admin.headers))
    assert only(before, "api_key.revoke").before == {"revoked_at": None}


def test_settings_of_the_alliance_and_a_merchant(world: World) -> None:
    client, op = world.client, world.a.actors["operator"].headers
    before = trail()
    ok(client.patch(f"{API}/alliances/{world.a.alliance_id}", headers=op, json={"name": "新联盟名"}))
    event = only(before, "alliance.update")
    assert (event.before, event.after) == ({"name": "联盟 alpha"}, {"name": "新联盟名"})
    before = trail()
    ok(client.patch(f"{API}/merchants/{world.a.merchants[1]}", headers=op, json={"rating": 3.5}))
    event = only(before, "merchant.update")
    assert event.after == {"rating": 3.5} and event.merchant_id is None  # the operator acted, not a merchant


def test_agreements_each_move_once_and_a_refused_move_never(world: World) -> None:
    client = world.client
    a1, a2 = world.a.actors["admin1"].headers, world.a.actors["admin2"].headers
    from tests.integration.audiences.conftest import AGREEMENT

    before = trail()
    agreement = ok(client.post(f"{API}/agreements", headers=a1, json={
        **AGREEMENT, "title": "审计", "merchant_b_id": world.a.merchants[1]}), 201)
    assert only(before, "agreement.create").object_id == agreement["id"]
    url = f"{API}/agreements/{agreement['id']}/transitions"
    before = trail()
    ok(client.post(url, headers=a1, json={"action": "propose"}))
    event = only(before, "agreement.propose")
    assert (event.before, event.after) == ({"status": "draft"}, {"status": "proposed"})
    before = trail()
    assert client.post(url, headers=a1, json={"action": "accept"}).status_code in (403, 409)  # not its move
    assert new_events(before) == []
    before = trail()
    ok(client.post(url, headers=a2, json={"action": "reject", "note": "条款不合适"}))
    event = only(before, "agreement.reject")
    assert event.after == {"status": "terminated", "note": "条款不合适"} and event.merchant_id == world.a.merchants[1]


def test_settlement_runs_and_statements(world: World) -> None:
    poster_in_october(world)
    client, op = world.client, world.a.actors["operator"].headers
    before = trail()
    run = ok(client.post(f"{API}/settlement/runs", headers=op, json={"period": "2026-10"}), 201)
    event = only(before, "settlement.run")
    assert event.object_id == run["id"] and event.after["period"] == "2026-10"
    statements = ok(client.get(f"{API}/statements", headers=op, params={"run_id": run["id"]}))["items"]
    mine = next(s for s in statements if s["merchant_id"] == world.a.merchants[0])
    url = f"{API}/statements/{mine['id']}"
    before = trail()
    ok(client.post(f"{url}/issue", headers=op))
    assert only(before, "statement.issue").before == {"status": "draft"}
    before = trail()
    ok(client.post(f"{url}/dispute", headers=world.a.actors["admin1"].headers,
                   json={"reason": "请致电 13812345678 核对", "line_ids": []}))
    event = only(before, "statement.dispute")
    assert event.after["reason"] == "请致电 138****5678 核对" and event.after["side"] == "merchant"
    before = trail()
    assert client.post(f"{url}/pay", headers=op, json={"payout_ref": "X-1"}).status_code == 409  # disputed
    assert new_events(before) == []


def test_withdrawal_decisions(world: World) -> None:
    agree(world)
    sa = world.a.staff[world.a.merchants[0]]
    referred_order(world, "GYM-AUDIT", 600_000)
    run_all(world.client.app.state.database_url, at=clock.now() + timedelta(days=8))
    add_payout_account(world, "staff1")
    asked = ok(world.client.post(f"{API}/withdrawals", headers=world.a.actors["staff1"].headers,
                                 json={"payee_type": "staff", "payee_id": sa, "amount_fen": 2_000}), 201)
    url = f"{API}/withdrawals/{asked['id']}/decisions"
    before = trail()
    ok(world.client.post(url, headers=world.a.actors["admin1"].headers, json={"decision": "approve"}))
    event = only(before, "withdrawal.approve")
    assert (event.before["status"], event.after["status"], event.after["amount_fen"]) == ("requested", "approved",
                                                                                         2_000)
    before = trail()
    ok(world.client.post(url, headers=world.a.actors["operator"].headers,
                         json={"decision": "pay", "payout_reference": "WX-778"}))
    assert only(before, "withdrawal.pay").after["payout_reference"] == "WX-778"


def test_member_merges_and_their_undo(world: World) -> None:
    op = world.a.actors["operator"].headers
    m1, m2 = world.a.merchants[:2]
    before = trail()
    merge = ok(world.client.post(f"{API}/members/merges", headers=op, json={
        "survivor_id": world.a.members[m1], "absorbed_id": world.a.members[m2], "reason": "同一人"}), 201)
    event = only(before, "member.merge")
    assert event.object_id == merge["id"] and event.after["absorbed_id"] == world.a.members[m2]
    before = trail()
    ok(world.client.post(f"{API}/members/merges/{merge['id']}/undo", headers=op, json={"reason": "合并错了"}))
    event = only(before, "member.unmerge")
    assert event.before == {"status": "in_force"} and event.after["status"] == "reversed"


def test_segment_shares(world: World) -> None:
    activate_agreement(world, 0, 1)
    admin = world.a.actors["admin1"].headers
    before = trail()
    shared = ok(world.client.post(f"{API}/segments/shares", headers=admin, json={
        "to_merchant_id": world.a.merchants[1], "title": "高价值", "rules": {"classes": ["important_value"]}}), 201)
    event = only(before, "segment.share")
    assert event.after["to_merchant_id"] == world.a.merchants[1] and "report" not in event.after
    before = trail()
    ok(world.client.post(f"{API}/segments/shares/{shared['id']}/withdraw", headers=admin))
    assert only(before, "segment.withdraw").before == {"withdrawn_at": None}


def test_an_action_rolled_back_leaves_no_event(world: World) -> None:
    clerk = world.a.actors["staff1"]
    before = trail()
    session = new_session(DATABASE_URL)
    try:
        actor = auth_service.principal_from_bearer(session, login(world.client, "op-alpha")["Authorization"][7:])
        before = trail()
        with pytest.raises(RuntimeError), transaction(session):
            auth_service.update_user(session, actor, clerk.user_id, display_name="改名", active=None, password=None)
            raise RuntimeError("the request failed after the change")
    finally:
        session.close()
    assert new_events(before) == []


def test_pool_terms_scoring_weights_and_the_recruiting_bounty(world: World) -> None:
    client, op, admin = world.client, world.a.actors["operator"].headers, world.a.actors["admin1"].headers
    before = trail()
    ok(client.put(f"{API}/ownership/settings", headers=admin, json={"daily_claim_limit": 5, "idle_days": 30}))
    event = only(before, "ownership.settings")
    assert event.object_type == "ownership" and event.after == {"daily_claim_limit": 5, "idle_days": 30}
    before = trail()
    weights = {"overlap": 40, "brand_fit": 10, "service": 20, "sincerity": 10, "distance": 20}
    ok(client.put(f"{API}/partners/weights", headers=op, json=weights))
    assert only(before, "scoring.weights").alliance_id == world.a.alliance_id
    before = trail()
    ok(client.put(f"{API}/recruiting/settings", headers=op, json={"bounty_fen": 5_000}))
    event = only(before, "recruiting.bounty")
    assert (event.before, event.after) == ({"bounty_fen": None}, {"bounty_fen": 5_000})
