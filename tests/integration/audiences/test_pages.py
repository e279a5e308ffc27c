"""The console's audience and segment pages: the builder and its live count, saving from the form, who sees what,
and shared reports that show no member, no phone and no count under k."""

from __future__ import annotations

import re

import pytest

from tests.conftest import World
from tests.integration.audiences.conftest import Known, activate_agreement
from tests.integration.web.console import console, csrf_of


def test_the_builder_counts_live_and_saves(world: World, known: Known) -> None:
    browser = console(world.client, world.a.actors["admin1"].username)
    page = browser.get("/console/audiences/new")
    assert page.status_code == 200 and "/static/audience-count.js" in page.text and "健身" in page.text
    token = csrf_of(page.text)
    r = browser.post("/console/audiences/count", data={"csrf": token, "class_important_value": "on",
                                                       "exclude_refused": "on"})
    assert r.status_code == 200 and r.json() == {"total": 30, "marketing": 30, "data_sharing": 25, "refused": 3}
    r = browser.post("/console/audiences/count", data={"csrf": token, "monetary_min": "5000",
                                                       "monetary_max": "100"})
    assert r.status_code == 422 and r.json()["errors"]
    assert browser.post("/console/audiences/count", data={"csrf": "bad"}).status_code == 403
    r = browser.post("/console/audiences/new", data={"csrf": token, "name": "高价值会员", "monetary_min": "1,000",
                                                     "class_important_value": "on", "tag_any_fitness": "on"},
                     follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = browser.get(r.headers["location"])
    assert detail.status_code == 200 and 'id="live-total">15<' in detail.text and "高价值会员" in detail.text
    listing = browser.get("/console/audiences")
    assert "高价值会员" in listing.text and 'id="nav-audiences"' in listing.text


def test_bad_form_is_422_with_the_problem_next_to_the_field(world: World, known: Known) -> None:
    browser = console(world.client, world.a.actors["admin1"].username)
    token = csrf_of(browser.get("/console/audiences/new").text)
    r = browser.post("/console/audiences/new", data={"csrf": token, "name": "x", "stars_min": "8",
                                                     "stars_max": "2"})
    assert r.status_code == 422 and "stars_min" in r.text
    r = browser.post("/console/audiences/new", data={"csrf": token, "name": "", "monetary_min": "abc"})
    assert r.status_code == 422 and "请输入金额" in r.text
    assert "/console/audiences/1" not in browser.get("/console/audiences").text


def test_store_staff_read_and_the_operator_sees_counts_only(world: World, known: Known) -> None:
    world.client.post("/api/v1/audiences", json={"name": "高价值会员", "rules": {"classes": ["important_value"]}},
                      headers=world.a.actors["admin1"].headers)
    staff = console(world.client, world.a.actors["staff1"].username)
    page = staff.get("/console/audiences")
    assert "高价值会员" in page.text and "new-audience" not in page.text
    assert staff.get("/console/audiences/new").status_code == 403
    detail = staff.get("/console/audiences/1")
    assert detail.status_code == 200 and "audience-form" not in detail.text and 'id="live-total">30<' in detail.text
    operator = console(world.client, world.a.actors["operator"].username)
    page = operator.get("/console/audiences/1")
    assert page.status_code == 200 and "重要价值" not in page.text and 'id="live-total">30<' in page.text
    other = console(world.client, world.a.actors["admin2"].username)
    assert other.get("/console/audiences/1").status_code == 404


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_shared_report_pages_show_aggregates_only(world: World, known: Known, lang: str) -> None:
    activate_agreement(world, 0, 1)
    sender = console(world.client, world.a.actors["admin1"].username)
    sender.cookies.set("lm_lang", lang)
    world.client.post("/api/v1/audiences", json={"name": "高价值会员", "rules": {"classes": ["important_value"]}},
                      headers=world.a.actors["admin1"].headers)
    form = sender.get("/console/segments/new?audience_id=1")
    assert form.status_code == 200
    r = sender.post("/console/segments/new", data={"csrf": csrf_of(form.text), "title": "高价值车主画像",
                                                   "to_merchant_id": str(world.a.merchants[1]), "audience_id": "1",
                                                   "k": "10"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    partner = console(world.client, world.a.actors["admin2"].username)
    partner.cookies.set("lm_lang", lang)
    listing = partner.get("/console/segments")
    assert "高价值车主画像" in listing.text
    page = partner.get(r.headers["location"])
    assert page.status_code == 200 and "<svg" in page.text and 'id="segment-total">25<' in page.text
    for secret in known.secrets:
        assert secret not in page.text and secret not in listing.text
    cells = [int(n.replace(",", "")) for n in re.findall(r'<td class="num">([\d,]+)</td>', page.text)]
    assert cells and all(n >= 10 for n in cells)
    assert ("已隐藏" if lang == "zh-CN" else "suppressed") in page.text
    outsider = console(world.client, world.a.actors["admin3"].username)
    assert outsider.get(r.headers["location"]).status_code == 404
    audit = console(world.client, world.a.actors["operator"].username).get("/console/segments")
    assert "高价值车主画像" in audit.text and world.a.actors["admin1"].username in audit.text
    # the sender withdraws: the partner sees it withdrawn, without the report
    detail = sender.get(r.headers["location"])
    w = sender.post(f"{r.headers['location']}/withdraw", data={"csrf": csrf_of(detail.text)}, follow_redirects=False)
    assert w.status_code == 303
    after = partner.get(r.headers["location"])
    assert 'id="no-report"' in after.text and "segment-total" not in after.text


def test_a_share_without_agreement_is_refused_on_the_page(world: World, known: Known) -> None:
    sender = console(world.client, world.a.actors["admin1"].username)
    form = sender.get("/console/segments/new")
    world.client.post("/api/v1/audiences", json={"name": "全部", "rules": {}},
                      headers=world.a.actors["admin1"].headers)
    r = sender.post("/console/segments/new", data={"csrf": csrf_of(form.text), "title": "x", "audience_id": "1",
                                                   "to_merchant_id": str(world.a.merchants[2]), "k": "10"})
    assert r.status_code == 422 and "合作协议" in r.text
