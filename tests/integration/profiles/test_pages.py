"""The profile pages as staff use them on a phone: the queue, an edit page whose "save & next" and "previous"
follow the queue's order under the same filters (POST-redirect-GET: a reload saves nothing twice), 422 with
nothing written, the leaderboard with its chart, and the operator's per-merchant view."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.members.models import Member
from lianmeng.profiles.models import ProfileEdit
from tests.conftest import World
from tests.integration.profiles.helpers import enrol
from tests.integration.web.console import console, csrf_of


def edit_count(session: Session) -> int:
    session.rollback()
    return session.scalar(select(func.count()).select_from(ProfileEdit)) or 0


def queue_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-member="(\d+)"', html)]


def test_staff_move_through_the_queue_with_save_and_next(world: World, session: Session) -> None:
    m1 = world.a.merchants[0]
    a = enrol(world, "admin1")  # 0
    b = enrol(world, "admin1", name="乙")  # 20
    c = enrol(world, "admin1", name="丙", birth_year=1990)  # 35
    clerk = console(world.client, world.a.actors["staff1"].username)
    page = clerk.get("/console/profiles")
    assert page.status_code == 200 and 'id="nav-profiles"' in page.text and 'id="merchant-average"' in page.text
    assert queue_ids(page.text) == [a, b, world.a.members[m1], c] and "****" in page.text  # 0, 20, 30, 35
    assert world.a.members[world.a.merchants[1]] not in queue_ids(page.text)

    first = clerk.get(f"/console/profiles/members/{a}?missing=birth_year")
    assert first.status_code == 200 and 'id="previous"' not in first.text
    assert f'href="/console/profiles/members/{b}?missing=birth_year" rel="next"' in first.text
    saved = clerk.post(f"/console/profiles/members/{a}?missing=birth_year", data={
        "csrf": csrf_of(first.text), "name": "甲", "gender": "female", "birth_year": "", "action": "next"},
        follow_redirects=False)
    assert saved.status_code == 303  # 甲 is now 35: the next is 乙 (20), who followed 甲, not past it
    assert saved.headers["location"] == f"/console/profiles/members/{b}?missing=birth_year"
    assert edit_count(session) == 1
    second = clerk.get(saved.headers["location"])
    assert second.status_code == 200 and "乙" in second.text
    assert f'href="/console/profiles/members/{a}?missing=birth_year" rel="prev"' not in second.text  # 甲 moved
    clerk.get(saved.headers["location"])  # a reload is a GET: nothing is saved again
    assert edit_count(session) == 1

    stay = clerk.post(f"/console/profiles/members/{b}?missing=birth_year", data={
        "csrf": csrf_of(second.text), "name": "乙", "gender": "male", "birth_year": "1991", "consent_marketing": "1",
        "consent_data_sharing": "0", "origin_store_id": str(world.a.stores[m1]), "tag": "fitness",
        "action": "stay"}, follow_redirects=False)
    assert stay.status_code == 303 and stay.headers["location"].endswith("saved=1")
    shown = clerk.get(stay.headers["location"])
    assert "已保存" in shown.text and "100%" in shown.text
    session.rollback()
    stored = session.get(Member, b)
    assert stored is not None and (stored.birth_year, stored.consent_marketing, stored.consent_data_sharing) == (
        1991, True, False)
    assert edit_count(session) == 2


def test_a_bad_form_is_422_next_to_its_field_with_nothing_written(world: World, session: Session) -> None:
    a = enrol(world, "admin1")
    clerk = console(world.client, world.a.actors["staff1"].username)
    page = clerk.get(f"/console/profiles/members/{a}")
    bad = clerk.post(f"/console/profiles/members/{a}", data={
        "csrf": csrf_of(page.text), "name": "甲", "birth_year": "1850", "action": "next"})
    assert bad.status_code == 422 and 'class="error"' in bad.text and 'value="1850"' in bad.text
    wrong = clerk.post(f"/console/profiles/members/{a}", data={
        "csrf": csrf_of(page.text), "name": "甲", "tag": "unicorn", "action": "next"})
    assert wrong.status_code == 422 and 'role="alert"' in wrong.text
    session.rollback()
    stored = session.get(Member, a)
    assert stored is not None and stored.name is None and edit_count(session) == 0


def test_another_merchants_member_is_not_found(world: World) -> None:
    own, other = world.a.members[world.a.merchants[0]], world.a.members[world.a.merchants[1]]
    clerk = console(world.client, world.a.actors["staff1"].username, raise_server_exceptions=False)
    assert clerk.get(f"/console/profiles/members/{other}").status_code == 404
    assert f'href="/console/profiles/members/{own}" id="to-profile-edit"' in clerk.get(f"/console/members/{own}").text
    operator = console(world.client, world.a.actors["operator"].username)
    assert 'id="to-profile-edit"' not in operator.get(f"/console/members/{own}").text
    assert operator.get(f"/console/profiles/members/{own}").status_code == 403


def test_the_leaderboards_for_a_merchant_and_for_the_operator(world: World) -> None:
    m1 = world.a.merchants[0]
    admin = console(world.client, world.a.actors["admin1"].username)
    board = admin.get("/console/profiles/leaderboard")
    assert board.status_code == 200 and "<svg" in board.text and 'class="chart-bar"' in board.text
    assert f'data-staff="{world.a.staff[m1]}"' in board.text and "本店平均完整度" in board.text
    operator = console(world.client, world.a.actors["operator"].username)
    assert operator.get("/console/profiles", follow_redirects=False).headers["location"] == (
        "/console/profiles/leaderboard")
    seen = operator.get("/console/profiles/leaderboard")
    assert seen.status_code == 200 and all(f'data-merchant="{m}"' in seen.text for m in world.a.merchants)
    assert "data-staff" not in seen.text and "****" not in seen.text and "会员1" not in seen.text
    operator.cookies.set("lm_lang", "en")
    assert "Alliance average" in operator.get("/console/profiles/leaderboard").text


def test_the_pages_show_words_not_codes_in_both_languages(world: World) -> None:
    from tests.integration.web.test_no_raw_codes import codes, raw_codes

    a = enrol(world, "admin1")
    known = codes()
    clerk = console(world.client, world.a.actors["staff1"].username)
    operator = console(world.client, world.a.actors["operator"].username)
    for browser, paths in ((clerk, ["/console/profiles", "/console/profiles?missing=origin_store",
                                    f"/console/profiles/members/{a}", "/console/profiles/leaderboard"]),
                           (operator, ["/console/profiles/leaderboard"])):
        for lang in ("zh-CN", "en"):
            browser.cookies.set("lm_lang", lang)
            for path in paths:
                page = browser.get(path)
                assert page.status_code == 200, path
                assert not raw_codes(page.text, lang, known), (path, lang, raw_codes(page.text, lang, known))
    clerk.cookies.set("lm_lang", "en")
    shown = clerk.get(f"/console/profiles/members/{a}").text
    assert "Enrolling store" in shown and "Consents answered" in shown and "Not given" in shown
