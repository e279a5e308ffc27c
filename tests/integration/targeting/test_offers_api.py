"""Creating targeted offers through the API: every refusal writes nothing; the Idempotency-Key creates one."""

from __future__ import annotations

from sqlalchemy import update

from lianmeng.db import unit_of_work
from lianmeng.members.models import Member
from lianmeng.targeting.models import TargetedOffer
from tests.conftest import World
from tests.integration.targeting import helpers
from tests.integration.targeting.helpers import agreement, audience, counts, template

URL = "/api/v1/targeting/offers"


def test_create_an_offer_with_defaults(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a)
    admin = world.a.actors["admin1"]
    r = world.client.post(URL, json=helpers.body(st), headers=admin.headers)
    assert r.status_code == 201, r.text
    offer = r.json()
    assert offer["partner_merchant_id"] == st.partner and offer["agreement_id"] == st.agreement_id
    assert (offer["holdout_bp"], offer["random_arm"], offer["attribution_days"], offer["channel"],
            offer["status"]) == (1000, False, 30, "sms", "scheduled")
    assert offer["partner_name"] and offer["delivery"] == []
    listed = world.client.get(URL, headers=admin.headers).json()
    assert [o["id"] for o in listed["items"]] == [offer["id"]]
    assert world.client.get(f"{URL}/{offer['id']}", headers=admin.headers).status_code == 200
    options = world.client.get("/api/v1/targeting/partner-offers", headers=admin.headers).json()
    assert [o["template_id"] for o in options] == [st.template_id]


def test_every_refusal_is_clear_and_writes_nothing(world: World, db_url: str) -> None:
    a = world.a
    st = helpers.setup(db_url, a)
    m1, m2, m3 = a.merchants
    with unit_of_work(db_url) as s:
        foreign_audience = audience(s, a.alliance_id, m2)
        no_agreement = template(s, a.alliance_id, m3, None)
        draft = template(s, a.alliance_id, m3, agreement(s, a.alliance_id, m1, m3, status="proposed"))
        others = template(s, a.alliance_id, m3, agreement(s, a.alliance_id, m2, m3))
        own = template(s, a.alliance_id, m1, agreement(s, a.alliance_id, m1, m3))
    before = counts(db_url)
    admin = a.actors["admin1"].headers
    english = {**admin, "Accept-Language": "en"}
    r = world.client.post(URL, json=helpers.body(st, audience_id=foreign_audience), headers=admin)
    assert r.status_code == 404, r.text
    for template_id in (no_agreement, draft, others, own, 999_999):
        r = world.client.post(URL, json=helpers.body(st, template_id=template_id), headers=english)
        assert r.status_code == 422 and r.json()["error"]["code"] == "offer_partner_not_agreed", r.text
        assert "active agreement" in r.json()["error"]["message"]
    for holdout in (-1, 5001, 10_000):
        r = world.client.post(URL, json=helpers.body(st, holdout_bp=holdout), headers=admin)
        assert r.status_code == 422, r.text
    for bad in ({"message": "x" * 501}, {"attribution_days": 0}, {"attribution_days": 91}, {"channel": "fax"},
                {"scheduled_at": "2026-12-07T10:00:00"}, {"scheduled_at": 1765000000}, {"holdout_bp": "1000"}):
        assert world.client.post(URL, json=helpers.body(st, **bad), headers=admin).status_code == 422
    assert world.client.post(URL, json=helpers.body(st), headers=a.actors["staff1"].headers).status_code == 403
    assert world.client.post(URL, json=helpers.body(st), headers=a.actors["operator"].headers).status_code == 403
    with unit_of_work(db_url) as s:  # the world's member of m1 withdraws consent: nobody may receive it
        s.execute(update(Member).where(Member.origin_merchant_id == m1).values(consent_marketing=False))
    r = world.client.post(URL, json=helpers.body(st), headers=english)
    assert r.status_code == 422 and r.json()["error"]["code"] == "offer_audience_no_consent"
    assert "consented" in r.json()["error"]["message"]
    with unit_of_work(db_url) as s:  # consent, but refused personalised offers: still nobody
        s.execute(update(Member).where(Member.origin_merchant_id == m1).values(consent_marketing=True,
                                                                               offers_refused=True))
    assert world.client.post(URL, json=helpers.body(st), headers=admin).status_code == 422
    assert counts(db_url) == before


def test_the_same_idempotency_key_creates_one_offer(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a)
    headers = {**world.a.actors["admin1"].headers, "Idempotency-Key": "offer-2026-12-07"}
    first = world.client.post(URL, json=helpers.body(st), headers=headers)
    again = world.client.post(URL, json=helpers.body(st), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true" and again.json()["id"] == first.json()["id"]
    assert helpers.count(db_url, TargetedOffer) == 1
    with unit_of_work(db_url) as s:
        assert s.get(TargetedOffer, first.json()["id"]).idempotency_key == "offer-2026-12-07"  # type: ignore[union-attr]
    changed = world.client.post(URL, json=helpers.body(st, name="另一个"), headers=headers)
    assert changed.status_code == 422 and helpers.count(db_url, TargetedOffer) == 1


def test_cancel_before_it_finishes(world: World, db_url: str) -> None:
    st = helpers.setup(db_url, world.a)
    admin = world.a.actors["admin1"].headers
    offer = world.client.post(URL, json=helpers.body(st), headers=admin).json()
    assert world.client.post(f"{URL}/{offer['id']}/cancel", headers=world.a.actors["admin2"].headers
                             ).status_code == 404
    r = world.client.post(f"{URL}/{offer['id']}/cancel", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    r = world.client.post(f"{URL}/{offer['id']}/cancel", headers=admin)
    assert r.status_code == 422 and r.json()["error"]["code"] == "offer_closed"
