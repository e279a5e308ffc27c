"""Once a candidate is an alliance partner, its service and sincerity use what Lianmeng saw: members' follow-up
ratings and complaints per 100 referrals, benefits honoured, campaign money, proposal answers; and a partner whose
service fell (the last 90 days against the 90 before) is flagged for review on "who next"."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from lianmeng.campaigns.models import Campaign, CampaignMerchant
from lianmeng.coupons.models import Coupon, CouponTemplate, Redemption
from lianmeng.kit import clock
from lianmeng.referrals.models import Feedback
from tests.conftest import World
from tests.integration.partners.test_candidates_api import API, headers, ok


def arrivals(session: Session, world: World, ratings: list[tuple[int, bool]], at: datetime, tag: str) -> None:
    """m1's member referred to m2 once per rating, each arrival rated (rating, complaint) by the member at `at`."""
    m1, m2, _ = world.a.merchants
    alliance = world.a.alliance_id
    member = world.a.members[m1]
    template = CouponTemplate(alliance_id=alliance, owner_merchant_id=m2, funded_by_merchant_id=m2,
                              name=f"到店礼 {tag}", kind="amount_off", amount_fen=1_000)
    session.add(template)
    session.flush()
    for n, (rating, complaint) in enumerate(ratings):
        coupon = Coupon(alliance_id=alliance, template_id=template.id, member_id=member, code=f"{tag}{n:05d}",
                        issued_at=at, valid_from=at, valid_until=at + timedelta(days=30), uses_left=0,
                        referrer_merchant_id=m1, target_merchant_id=m2)
        session.add(coupon)
        session.flush()
        arrival = Redemption(alliance_id=alliance, coupon_id=coupon.id, use_no=1, member_id=member, merchant_id=m2,
                             referrer_merchant_id=m1, at=at)
        session.add(arrival)
        session.flush()
        session.add(Feedback(alliance_id=alliance, redemption_id=arrival.id, member_id=member, merchant_id=m2,
                             referrer_merchant_id=m1, rating=rating, is_complaint=complaint, at=at))
    session.commit()


def test_a_partners_service_fell_and_its_scorecard_shows_what_members_said(world: World, session: Session) -> None:
    c = world.client
    m2 = world.a.merchants[1]
    admin, admin2 = headers(world, "admin1"), headers(world, "admin2")
    cand = ok(c.post(f"{API}/candidates", headers=admin, json={"name": "m2", "industry": "fitness",
                                                             "merchant_id": m2, "rating": 4.5}), 201)
    agreement = ok(c.post("/api/v1/agreements", headers=admin, json={
        "title": "m1 × m2", "merchant_b_id": m2, "modes": ["rights_exchange"]}), 201)
    for who, action in ((admin, "propose"), (admin2, "accept"), (admin, "activate")):
        ok(c.post(f"/api/v1/agreements/{agreement['id']}/transitions", headers=who, json={"action": action}))
    now = clock.now()
    arrivals(session, world, [(5, False)] * 20, now - timedelta(days=120), "OLD")
    arrivals(session, world, [(2, True)] * 6 + [(3, False)] * 14, now - timedelta(days=20), "NEW")
    campaign = Campaign(alliance_id=world.a.alliance_id, name="亲子健身节", starts_at=now - timedelta(days=10),
                        ends_at=now - timedelta(days=3), status="closed")
    session.add(campaign)
    session.flush()
    session.add(CampaignMerchant(alliance_id=campaign.alliance_id, campaign_id=campaign.id, merchant_id=m2,
                                 contribution_fen=1_500_000, created_at=now))
    session.commit()

    card = ok(c.get(f"{API}/candidates/{cand['id']}/scorecard", headers=admin))
    service = next(s for s in card["standards"] if s["standard"] == "service")
    figures = {f["key"]: f for f in service["figures"]}
    assert service["basis"] == "measured" and {"rating", "followup", "complaint_rate", "honoured"} <= set(figures)
    assert "40 条" in figures["followup"]["zh"] and "15.0" in figures["complaint_rate"]["en"]  # 6 per 40 referrals
    assert figures["honoured"]["score"] == 100  # every referred coupon was used
    sincerity = next(s for s in card["standards"] if s["standard"] == "sincerity")
    keys = {f["key"] for f in sincerity["figures"]}
    assert {"contribution", "answer_days"} <= keys and "¥15,000" in sincerity["zh"]

    found = ok(c.get(f"{API}/recommendations", headers=admin))
    assert [w["merchant_id"] for w in found["warnings"]] == [m2]
    warning = found["warnings"][0]
    assert warning["before"] - warning["recent"] >= 10 and "复查" in warning["zh"]
    assert cand["id"] not in {r["candidate_id"] for r in found["candidates"]}  # a partner now, not a candidate
    assert "fitness" not in {x["industry"] for x in found["missing_links"]}  # its partner covers fitness
    # m3 has no agreement with m2: no warning about m2 on its page
    assert ok(c.get(f"{API}/recommendations", headers=headers(world, "admin3")))["warnings"] == []
    operator = ok(c.get(f"{API}/recommendations", headers=headers(world, "operator")))
    assert [w["merchant_id"] for w in operator["warnings"]] == [m2]  # m1, in force too, has no ratings
