"""Seed 000 §2 and its 90-day plan (D6–D10), told through the console and the API: the service centre (m1) lists two
gyms it might ally with. One is a prospect outside the alliance with a 3.8 on Dianping; the other (m2) is already in
the alliance. The centre's manager visits m2 as a mystery shopper, asks the seed's two sincerity tests, reads the
scorecard (overlap from the fitness prior, 80%+; distance measured; no gate) and proposes an agreement from the
candidate's page. m2 accepts, the centre activates it, and the candidate has become a partner; the gym with the low
rating stays "not recommended" whatever its total, and "who next" now names the value chain's gaps without fitness."""

from __future__ import annotations

from tests.conftest import World
from tests.integration.web.console import console, csrf_of

API = "/api/v1"
BASE = "/console/partners/candidates"
STORE = "车公庙店, 22.5372, 114.0242, 深南大道 1 号"


def test_candidate_scorecard_proposal_agreement(world: World) -> None:
    m1, m2, _ = world.a.merchants
    centre = console(world.client, world.a.actors["admin1"].username)
    gym = console(world.client, world.a.actors["admin2"].username)

    form = centre.get(f"{BASE}/new")
    r = centre.post(f"{BASE}/new", data={
        "csrf": csrf_of(form.text), "name": "速练健身 QuickFit", "industry": "fitness", "stores": STORE,
        "rating": "3.8", "rating_source": "dianping", "rating_date": "2026-11-20", "status": "watching",
        "major_negative_news": "false", "store_count_trend": "stable"}, follow_redirects=False)
    assert r.status_code == 303
    low = r.headers["location"].split("?")[0]
    form = centre.get(f"{BASE}/new?merchant_id={m2}")
    r = centre.post(f"{BASE}/new", data={
        "csrf": csrf_of(form.text), "name": "力行健身", "industry": "fitness", "merchant_id": str(m2),
        "rating": "4.7", "rating_source": "dianping", "rating_date": "2026-11-20", "satisfaction_pct": "93",
        "complaints": "1", "status": "contacted", "major_negative_news": "false", "store_count_trend": "growing",
        "has_member_system": "true", "shares_deidentified_data": "true"}, follow_redirects=False)
    assert r.status_code == 303
    good = r.headers["location"].split("?")[0]
    token = csrf_of(centre.get(good).text)
    assert centre.post(f"{good}/visits", data={"csrf": token, "visitor": "陈志远", "visited_on": "2026-11-25",
                                               "score": "5", "findings": "教练专业,前台记得会员名字"},
                       follow_redirects=False).status_code == 303
    for question, answer in (("joint_fund", "will_fund"), ("referred_service", "vip_or_better")):
        assert centre.post(f"{good}/sincerity", data={"csrf": token, "question": question, "answer": answer,
                                                      "asked_by": "陈志远", "asked_on": ""},
                           follow_redirects=False).status_code == 303

    page = centre.get(good).text
    assert 'data-standard="overlap" data-basis="prior"' in page and "健身行业先验 80%+" in page
    assert "推荐合作" in page and 'id="propose-candidate"' in page
    assert "一票否决" in centre.get(low).text

    propose = centre.get(f"/console/partners/propose?merchant_b_id={m2}")
    assert f'<option value="{m2}" selected>' in propose.text
    r = centre.post("/console/partners/propose", data={
        "csrf": csrf_of(propose.text), "title": "服务中心 × 力行健身 权益互换", "merchant_b_id": str(m2),
        "modes": "rights_exchange", "return_window_days": "7", "settlement_cycle": "monthly",
        "valid_from": "2026-01-01", "payer": "b", "payee": "merchant", "then": "propose"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    agreement = r.headers["location"].split("/")[-1].split("?")[0]
    assert "已提议合作" in centre.get(good).text and 'id="propose-candidate"' not in centre.get(good).text

    agreement_page = gym.get(f"/console/partners/agreements/{agreement}")
    r = gym.post(f"/console/partners/agreements/{agreement}/accept", data={"csrf": csrf_of(agreement_page.text)},
                 follow_redirects=False)
    assert r.status_code == 303
    page = centre.get(f"/console/partners/agreements/{agreement}")
    r = centre.post(f"/console/partners/agreements/{agreement}/activate", data={"csrf": csrf_of(page.text)},
                    follow_redirects=False)
    assert r.status_code == 303

    candidate_id = good.rsplit("/", 1)[-1]
    got = world.client.get(f"{API}/partners/candidates/{candidate_id}", headers=world.a.actors["admin1"].headers)
    assert got.json()["status"] == "partner"
    who_next = world.client.get(f"{API}/partners/recommendations", headers=world.a.actors["admin1"].headers).json()
    assert [r["verdict"] for r in who_next["candidates"]] == ["not_recommended"]  # the low-rated gym, gated
    assert "fitness" not in {x["industry"] for x in who_next["missing_links"]}
    assert m1 not in {w["merchant_id"] for w in who_next["warnings"]}
