"""The console pages of partner discovery through TestClient: the list, the form (errors next to their field,
nothing written), a candidate's scorecard with its prior/measured labels, the propose button leading to the
agreements page prefilled, visits and answers, "who next" and the weights; tenancy as the API's."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lianmeng.partners.models import Candidate, MysteryVisit, ScoringWeights, SincerityAnswer
from tests.conftest import World
from tests.integration.web.console import console, csrf_of

BASE = "/console/partners/candidates"
FORM = {"name": "威尔仕健身", "industry": "fitness", "brand_tags": "高端, 科技", "store_count_trend": "growing",
        "stores": "车公庙店, 22.5372, 114.0242, 深南大道 1 号", "rating": "4.6", "rating_source": "dianping",
        "rating_date": "2026-11-01", "satisfaction_pct": "92", "complaints": "1", "major_negative_news": "false",
        "has_member_system": "true", "shares_deidentified_data": "", "status": "watching", "notes": ""}


def error_of(html: str, field: str) -> str | None:
    match = re.search(rf'<small class="error" id="e-{field}" role="alert">([^<]*)</small>', html)
    return match.group(1) if match else None


def count(session: Session, model: type) -> int:
    session.rollback()  # a fresh snapshot: what the pages committed
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_add_a_candidate_see_its_scorecard_and_propose_from_it(world: World, session: Session) -> None:
    admin = console(world.client, world.a.actors["admin1"].username)
    page = admin.get(BASE + "/new")
    assert page.status_code == 200 and "添加候选伙伴" in page.text
    r = admin.post(BASE + "/new", data={"csrf": csrf_of(page.text), **FORM}, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = admin.get(r.headers["location"])
    assert detail.status_code == 200
    html = detail.text
    assert 'data-standard="overlap" data-basis="prior"' in html and "先验" in html
    assert "健身行业先验 80%+" in html and "客户重合度 &gt; 60%" in html
    assert 'data-standard="distance" data-basis="measured"' in html
    assert "propose-candidate" not in html  # a prospect: no agreement before it joins
    listing = admin.get(BASE)
    assert "威尔仕健身" in listing.text

    m2 = world.a.merchants[1]
    form = admin.get(f"{BASE}/new?merchant_id={m2}")
    r = admin.post(BASE + "/new", data={"csrf": csrf_of(form.text), **FORM, "name": "m2 健身", "stores": "",
                                        "merchant_id": str(m2)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    detail = admin.get(r.headers["location"]).text
    assert f'href="/console/partners/propose?merchant_b_id={m2}"' in detail
    propose = admin.get(f"/console/partners/propose?merchant_b_id={m2}")
    assert propose.status_code == 200 and f'<option value="{m2}" selected>' in propose.text
    english = admin.get(r.headers["location"], headers={"Accept-Language": "en"})
    assert english.status_code == 200
    assert count(session, Candidate) == 2


def test_bad_form_input_is_shown_next_to_its_field_and_nothing_is_written(world: World, session: Session) -> None:
    admin = console(world.client, world.a.actors["admin1"].username)
    for changes, field in (({"industry": "spaceflight"}, "industry"), ({"rating": "7"}, "rating"),
                           ({"stores": "车公庙店, 114.02, 22.53"}, "stores"), ({"stores": "车公庙店"}, "stores"),
                           ({"name": ""}, "name")):
        page = admin.get(BASE + "/new")
        r = admin.post(BASE + "/new", data={"csrf": csrf_of(page.text), **FORM, **changes}, follow_redirects=False)
        assert r.status_code == 422, (changes, r.text[:300])
        assert error_of(r.text, field), (changes, field)
    assert count(session, Candidate) == 0


def test_visits_answers_and_edits_on_the_page_staff_only_read(world: World, session: Session) -> None:
    admin = console(world.client, world.a.actors["admin1"].username)
    page = admin.get(BASE + "/new")
    r = admin.post(BASE + "/new", data={"csrf": csrf_of(page.text), **FORM}, follow_redirects=False)
    url = r.headers["location"].split("?")[0]
    token = csrf_of(admin.get(url).text)
    r = admin.post(url + "/visits", data={"csrf": token, "visitor": "张店长", "visited_on": "2026-11-02",
                                          "score": "4", "findings": "器械干净"}, follow_redirects=False)
    assert r.status_code == 303
    r = admin.post(url + "/visits", data={"csrf": token, "visitor": "张店长", "visited_on": "2026-11-02",
                                          "score": "9"}, follow_redirects=False)
    assert r.status_code == 422 and error_of(r.text, "score")
    r = admin.post(url + "/sincerity", data={"csrf": token, "question": "joint_fund", "answer": "after_results",
                                             "asked_by": "李总", "asked_on": ""}, follow_redirects=False)
    assert r.status_code == 303
    html = admin.get(url).text
    assert "器械干净" in html and "先看你们的效果再说" in html and "李总" in html
    edit = admin.get(url + "/edit")
    assert edit.status_code == 200 and "车公庙店, 22.5372, 114.0242" in edit.text
    r = admin.post(url + "/edit", data={"csrf": csrf_of(edit.text), **FORM, "rating": "", "complaints": "",
                                        "major_negative_news": "true"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    session.rollback()
    candidate = session.scalars(select(Candidate)).one()
    assert candidate.rating is None and candidate.complaints is None and candidate.major_negative_news
    assert "一票否决" in admin.get(url).text

    staff = console(world.client, world.a.actors["staff1"].username)
    assert staff.get(url).status_code == 200
    assert staff.get(url + "/edit").status_code == 403
    r = staff.post(url + "/visits", data={"csrf": csrf_of(staff.get(url).text), "visitor": "店员",
                                          "visited_on": "2026-11-02", "score": "1"}, follow_redirects=False)
    assert r.status_code == 403
    assert count(session, MysteryVisit) == 1 and count(session, SincerityAnswer) == 1

    for who, side in (("admin2", world.a), ("operator", world.a), ("operator", world.b)):
        other = console(world.client, side.actors[who].username)
        assert other.get(url).status_code == 404, who
        assert other.get(url + "/edit").status_code == 404, who


def test_who_next_and_the_weights_pages(world: World, session: Session) -> None:
    operator = console(world.client, world.a.actors["operator"].username)
    page = operator.get("/console/partners/recommendations")
    assert page.status_code == 200 and "价值链缺口" in page.text and "亲子早教" in page.text
    weights = operator.get("/console/partners/weights")
    assert weights.status_code == 200
    token = csrf_of(weights.text)
    bad = {"overlap": "30", "brand_fit": "15", "service": "20", "sincerity": "15", "distance": "25"}
    r = operator.post("/console/partners/weights", data={"csrf": token, **bad}, follow_redirects=False)
    assert r.status_code == 422 and "100" in r.text
    assert count(session, ScoringWeights) == 0
    good = {**bad, "distance": "20", "overlap": "30"}
    r = operator.post("/console/partners/weights", data={"csrf": token, **good}, follow_redirects=False)
    assert r.status_code == 303
    assert count(session, ScoringWeights) == 1
    admin = console(world.client, world.a.actors["admin1"].username)
    r = admin.post("/console/partners/weights", data={"csrf": csrf_of(admin.get("/console/partners/weights").text),
                                                      **good}, follow_redirects=False)
    assert r.status_code == 403
    assert admin.get("/console/partners/recommendations").status_code == 200
