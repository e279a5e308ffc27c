"""Key rotation while the app serves: a new master secret becomes current, the old one retired; lookups (member by
phone, login by one-time code, vehicles) work before, half way through and after `rotate_keys`, which moves every
stored value to the new key, resumably and idempotently; status counts values per key id; no plaintext is logged."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from lianmeng.auth.models import OutboxMessage
from lianmeng.cli import app as cli
from lianmeng.config import get_settings
from lianmeng.db import unit_of_work
from lianmeng.jobs.rotate_keys import rotate_keys
from lianmeng.keys import repository as keys_repo
from lianmeng.keys import service as keys_service
from lianmeng.keys.domain import SEALED_TABLES
from lianmeng.kit import crypto
from lianmeng.members.models import Member
from lianmeng.merchants.models import Staff
from lianmeng.vehicles import repository as vehicles_repo
from lianmeng.vehicles.models import MemberVehicle
from tests.conftest import PASSWORD, World, login
from tests.integration.web.console import csrf_of

NEW_SECRET = "a-new-master-secret-for-the-rotation-test-0001"
PLATE = "粤B12345"
VIN = "LSVAU218XN2183294"
ALPHA_PHONES = ("13900010000", "13900010001", "13900010002")
BETA_PHONE = "13900020000"

Switch = Callable[..., None]


@pytest.fixture
def switch(monkeypatch: pytest.MonkeyPatch) -> Iterator[Switch]:
    """Deploys a new master secret, the one the world was built with retired (or, `keep_retired=False`, dropped)."""
    old = get_settings().secret_key

    def to(keep_retired: bool = True) -> None:
        monkeypatch.setenv("LIANMENG_SECRET_KEY", NEW_SECRET)
        monkeypatch.setenv("LIANMENG_RETIRED_SECRET_KEYS", old if keep_retired else "")
        get_settings.cache_clear()

    yield to
    monkeypatch.undo()
    get_settings.cache_clear()


def _fresh(session: Session) -> None:
    """What the database holds now: a new read transaction (SQLite reads a snapshot) and nothing cached."""
    session.rollback()
    session.expire_all()


def _phone_of(session: Session, member_id: int) -> str:
    member = session.get(Member, member_id)
    assert member is not None
    return crypto.decrypt(member.phone_enc)


def _lookup(world: World, phone: str, headers: dict[str, str] | None = None) -> list[int]:
    r = world.client.post("/api/v1/members/lookup", json={"phone": phone},
                          headers=headers or world.a.actors["operator"].headers)
    assert r.status_code == 200, r.text
    return [m["id"] for m in r.json()["items"]]


def _login_by_code(world: World, db_url: str, phone: str) -> int:
    """The member's id, logged in with a one-time code read from the outbox."""
    r = world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id, "phone": phone})
    assert r.status_code == 202, r.text
    with unit_of_work(db_url) as s:
        body = s.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id.desc())).first()
    assert body is not None
    code = body.split("验证码为 ")[1][:6]
    ok = world.client.post("/api/v1/auth/member/code/verify",
                           json={"alliance_id": world.a.alliance_id, "phone": phone, "code": code})
    assert ok.status_code == 200, ok.text
    me = world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {ok.json()['access_token']}"})
    assert me.status_code == 200, me.text
    return int(me.json()["id"])


def _everything_serves(world: World, db_url: str, session: Session) -> None:
    """Each of alpha's members is found by phone and logs in by code; enrolling a phone held already is refused;
    the vehicle is found by plate and VIN; bearer tokens issued before the switch still work."""
    world.client.app.state.throttle.storage.reset()  # type: ignore[attr-defined]  # one code a minute per phone
    for member_id in world.a.members.values():
        phone = _phone_of(session, member_id)
        assert _lookup(world, phone) == [member_id]
        assert _login_by_code(world, db_url, phone) == member_id
    again = world.client.post("/api/v1/members", json={"phone": ALPHA_PHONES[0], "name": "重复"},
                              headers=world.a.actors["staff1"].headers)
    assert again.status_code == 409 and again.json()["error"]["code"] == "member_exists"
    first = world.a.members[world.a.merchants[0]]
    held = vehicles_repo.holders(session, world.a.alliance_id, first, PLATE, None)
    assert len(held) == 1 and len(vehicles_repo.holders(session, world.a.alliance_id, first, None, VIN)) == 1
    assert world.client.get("/api/v1/members", headers=world.a.actors["admin1"].headers).status_code == 200


def _with_a_vehicle_and_a_staff_phone(world: World, session: Session) -> int:
    """A vehicle on alpha's first member; its merchant's staff member holds that member's phone (self-referral
    check). Returns the staff id."""
    first_merchant = world.a.merchants[0]
    member_id = world.a.members[first_merchant]
    r = world.client.post(f"/api/v1/members/{member_id}/vehicles", json={"plate": PLATE, "vin": VIN},
                          headers=world.a.actors["staff1"].headers)
    assert r.status_code == 201, r.text
    member = session.get(Member, member_id)
    assert member is not None
    staff_id = world.a.staff[first_merchant]
    session.execute(text("UPDATE staff SET phone_hash = :h WHERE id = :id"), {"h": member.phone_hash, "id": staff_id})
    session.commit()  # test set-up straight in the database, as the world's own snapshot is
    return staff_id


def _not_current(session: Session) -> int:
    return sum(c.rows for c in keys_service.key_counts(session) if not c.current)


def test_rotation_keeps_every_lookup_working_before_during_and_after(
        world: World, db_url: str, session: Session, switch: Switch, caplog: pytest.LogCaptureFixture) -> None:
    staff_id = _with_a_vehicle_and_a_staff_phone(world, session)
    old_ids = {c.key_id for c in keys_service.key_counts(session)}
    switch()
    _fresh(session)
    before = _not_current(session)
    assert before == 6  # 4 member phones (3 in alpha, 1 in beta), a plate, a VIN: all under the retired key
    _everything_serves(world, db_url, session)  # before: nothing rotated yet

    with unit_of_work(db_url) as s:  # half way: one batch of one member in alliance alpha
        members = next(t for t in SEALED_TABLES if t.name == "members")
        outcome = keys_service.rotate_batch(s, members, world.a.alliance_id, 0, 1)
    assert outcome.rotated == 1 and not outcome.done
    _fresh(session)
    rotated, *waiting = sorted(world.a.members.values())
    assert crypto.is_current(session.get(Member, rotated).phone_enc)  # type: ignore[union-attr]
    assert not any(crypto.is_current(session.get(Member, m).phone_enc) for m in waiting)  # type: ignore[union-attr]
    _everything_serves(world, db_url, session)

    caplog.set_level(logging.DEBUG)
    report = rotate_keys(db_url, batch_size=2)
    assert (report.rotated["members"], report.rotated["member_vehicles"], report.unreadable) == (3, 1, 0)
    assert report.batches >= 6  # batches of 2 rows: alpha's members take 2, the other tables one each
    _fresh(session)
    counts = keys_service.key_counts(session)
    assert counts and all(c.current for c in counts) and not {c.key_id for c in counts} & old_ids
    staff = session.get(Staff, staff_id)
    member = session.get(Member, world.a.members[world.a.merchants[0]])
    assert staff is not None and member is not None and staff.phone_hash == member.phone_hash  # carried along
    vehicle = session.scalars(select(MemberVehicle)).one()
    assert crypto.decrypt(vehicle.plate_enc or "") == PLATE and crypto.decrypt(vehicle.vin_enc or "") == VIN
    _everything_serves(world, db_url, session)
    for phone in (*ALPHA_PHONES, BETA_PHONE, PLATE, VIN):
        assert phone not in caplog.text

    assert rotate_keys(db_url, batch_size=2).total == 0  # idempotent: nothing left
    switch(keep_retired=False)  # the retired secret dropped: everything still opens and is found
    _fresh(session)
    assert _phone_of(session, rotated) == ALPHA_PHONES[0]
    stale = world.client.get("/api/v1/members", headers=world.a.actors["operator"].headers)
    assert stale.status_code == 401  # a session signed with the dropped key ends: drop it after the sessions expire
    fresh = login(world.client, world.a.actors["operator"].username)
    assert _lookup(world, ALPHA_PHONES[1], fresh) == [world.a.members[world.a.merchants[1]]]


def test_a_code_sent_before_the_switch_still_logs_in(world: World, db_url: str, session: Session,
                                                     switch: Switch) -> None:
    phone = _phone_of(session, world.a.members[world.a.merchants[1]])
    r = world.client.post("/api/v1/auth/member/code", json={"alliance_id": world.a.alliance_id, "phone": phone})
    assert r.status_code == 202
    _fresh(session)
    code = session.scalars(select(OutboxMessage.body)).one().split("验证码为 ")[1][:6]
    switch()
    ok = world.client.post("/api/v1/auth/member/code/verify",
                           json={"alliance_id": world.a.alliance_id, "phone": phone, "code": code})
    assert ok.status_code == 200, ok.text


def test_a_row_the_app_rewrote_meanwhile_is_left_as_the_app_wrote_it(world: World, session: Session,
                                                                      switch: Switch) -> None:
    member_id = world.a.members[world.a.merchants[0]]
    switch()
    members = next(t for t in SEALED_TABLES if t.name == "members")
    with unit_of_work(world_url(session)) as s:
        stale = {row.id: row for row in keys_repo.stale_rows(s, members, world.a.alliance_id, 0, 10)}
        written_by_app = crypto.encrypt("13900019999")
        s.execute(text("UPDATE members SET phone_enc = :e WHERE id = :id"), {"e": written_by_app, "id": member_id})
        done = keys_repo.rewrite(s, members, member_id, {"phone_enc": stale[member_id].phone_enc},
                                 {"phone_enc": crypto.encrypt(ALPHA_PHONES[0])})
    assert not done
    _fresh(session)
    assert session.get(Member, member_id).phone_enc == written_by_app  # type: ignore[union-attr]


def world_url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def test_status_and_rotate_from_the_command_line_and_a_tampered_key_id(world: World, db_url: str, session: Session,
                                                                        switch: Switch) -> None:
    switch()
    tampered = world.a.members[world.a.merchants[2]]
    member = session.get(Member, tampered)
    assert member is not None
    forged = crypto.key_prefix("0badc0de") + member.phone_enc[crypto.PREFIX_LENGTH:]
    session.execute(text("UPDATE members SET phone_enc = :e WHERE id = :id"), {"e": forged, "id": tampered})
    session.commit()
    runner = CliRunner()
    status = runner.invoke(cli, ["keys", "status", "--database-url", db_url], env={"COLUMNS": "200"})
    assert status.exit_code == 0, status.output
    assert "members" in status.output and "0badc0de" in status.output and "UNKNOWN" in status.output
    assert crypto.current_key_id() not in status.output  # nothing under the new key yet
    rotated = runner.invoke(cli, ["keys", "rotate", "--database-url", db_url, "--batch-size", "3"],
                            env={"COLUMNS": "200"})
    assert rotated.exit_code == 1 and "1 unreadable" in rotated.output, rotated.output  # refused, left, counted
    for phone in (*ALPHA_PHONES, BETA_PHONE):
        assert phone not in status.output and phone not in rotated.output
    _fresh(session)
    assert session.get(Member, tampered).phone_enc == forged  # type: ignore[union-attr]
    counts = {(c.table, c.key_id): c for c in keys_service.key_counts(session)}
    assert counts[("members", "0badc0de")].rows == 1 and not counts[("members", "0badc0de")].on_hand
    assert counts[("members", crypto.current_key_id())].rows == 3  # the 4 members but the tampered one
    unknown = runner.invoke(cli, ["keys", "rotate", "--database-url", db_url, "--alliance", "nope"])
    assert unknown.exit_code == 2 and "nope" in unknown.output


def test_a_console_form_opened_before_the_switch_still_posts(world: World, switch: Switch) -> None:
    browser = TestClient(world.client.app)
    token = csrf_of(browser.get("/login").text)
    form = {"csrf": token, "username": world.a.actors["operator"].username, "password": PASSWORD}
    switch(keep_retired=False)
    assert browser.post("/login", data=form, follow_redirects=False).status_code == 403
    switch()
    assert browser.post("/login", data=form, follow_redirects=False).status_code == 303
