"""Joint campaigns through the API, and the seed's Hangzhou example (杭州某服务中心联合活动, 2024-05)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from lianmeng.campaigns.models import CampaignCoupon, CampaignRegistration
from lianmeng.commissions.models import Rebate
from lianmeng.coupons.models import Coupon, Redemption
from lianmeng.db import unit_of_work
from lianmeng.kit import clock
from lianmeng.members.models import Member
from lianmeng.orders.models import Order

if TYPE_CHECKING:
    from tests.conftest import World

API = "/api/v1"
YUAN = 100


def ok(world: World, who: str, method: str, path: str, body: Any = None, status: int = 200,
       side: str = "a") -> Any:
    actors = (world.a if side == "a" else world.b).actors
    r = world.client.request(method, API + path, json=body, headers=actors[who].headers)
    assert r.status_code == status, f"{method} {path}: {r.status_code} {r.text}"
    return r.json()


def window() -> dict[str, str]:
    now = clock.now()
    return {"starts_at": (now - timedelta(days=1)).isoformat(), "ends_at": (now + timedelta(days=1)).isoformat()}


def campaign_with(world: World, merchants: list[int], contribution_fen: int = 10_000 * YUAN,
                  activate: bool = True) -> int:
    cid: int = ok(world, "operator", "POST", "/campaigns", {"name": "特斯拉车主健康生活节", **window()}, 201)["id"]
    for m in merchants:
        ok(world, "operator", "POST", f"/campaigns/{cid}/merchants",
           {"merchant_id": m, "contribution_fen": contribution_fen}, 201)
    if activate:
        ok(world, "operator", "POST", f"/campaigns/{cid}/status", {"status": "active"})
    return cid


def template(world: World, admin: str, name: str, **extra: Any) -> int:
    body = {"name": name, "kind": "amount_off", "amount_fen": 1_000, **extra}
    tid: int = ok(world, admin, "POST", "/coupon-templates", body, 201)["id"]
    return tid


def test_hangzhou_example_reproduces_roi_14_4(world: World, db_url: str) -> None:
    m1, m2, m3 = world.a.merchants  # 服务中心 (auto service), 健身房 (fitness), 有机餐厅 (dining)
    cid = campaign_with(world, [m1, m2, m3])  # 每家投入 1 万元
    cost = ok(world, "operator", "POST", f"/campaigns/{cid}/costs",
              {"what": "场地布置", "amount_fen": 30_001, "paid_by_merchant_id": m1}, 201)
    assert cost["shared"] == "by_contribution"
    tpls = [template(world, "admin1", "保养券"), template(world, "admin2", "健身体验卡"),
            template(world, "admin3", "有机餐厅代金券")]
    package = ok(world, "operator", "POST", f"/campaigns/{cid}/gift-packages", {"name": "健康生活礼包",
                                                                                "template_ids": tpls}, 201)
    # the API path: registered, checked in at the service centre, handed the package there, then the gym card is
    # bought with the gym's coupon (bill ¥5,010 less ¥10 = ¥5,000)
    mb1 = world.a.members[m1]
    reg = ok(world, "staff1", "POST", f"/campaigns/{cid}/registrations", {"member_id": mb1}, 201)
    checked = ok(world, "staff1", "POST", f"/campaign-registrations/{reg['id']}/check-in")
    assert checked["checked_in_merchant_id"] == m1
    claim = ok(world, "staff1", "POST", f"/gift-packages/{package['id']}/claim", {"member_id": mb1}, 201)
    assert len(claim["coupon_ids"]) == 3
    ok(world, "staff1", "POST", f"/gift-packages/{package['id']}/claim", {"member_id": mb1}, 409)
    coupon = ok(world, "operator", "GET", f"/coupons/{claim['coupon_ids'][1]}")
    assert coupon["referrer_merchant_id"] == m1 and coupon["target_merchant_id"] == m2
    redemption = ok(world, "staff2", "POST", "/coupons/redeem", {
        "code": claim["coupon_codes"][1], "bill_fen": 501_000, "order_external_id": "HZ-GYM-API"}, 201)
    assert redemption["order_id"] is not None

    _feed_hangzhou(db_url, cid, package["id"], tpls, m1, m2, m3, mb1, redemption["order_id"],
                   agreement=ok(world, "operator", "POST", "/agreements", {
                       "title": "联合活动佣金", "modes": ["rights_exchange"], "merchant_a_id": m1,
                       "merchant_b_id": m2}, 201)["id"])

    report = ok(world, "admin2", "GET", f"/campaigns/{cid}/report")
    assert (report["registered"], report["checked_in"], report["costs_fen"]) == (150, 150, 30_001)
    rows = {r["merchant_id"]: r for r in report["merchants"]}
    centre, gym, restaurant = rows[m1], rows[m2], rows[m3]
    assert [centre["conversions"], gym["conversions"], restaurant["conversions"]] == [68, 32, 85]
    assert centre["participants"] == 150
    assert (gym["participants"], restaurant["participants"]) == (32, 85)
    assert centre["revenue_fen"] == 68 * 1_800 * YUAN  # 12.24 万
    assert centre["commissions_earned_fen"] == (32 * 5_000 * 8 // 100 + 85 * 2_000 * 5 // 100) * YUAN  # 2.13 万
    assert centre["gain_fen"] == 143_700 * YUAN  # 14.37 万
    assert centre["roi"] == "14.4"  # 14.37 万 / 1 万
    assert (gym["revenue_fen"], gym["commissions_owed_fen"], gym["roi"]) == (16_000_000, 1_280_000, "16.0")
    assert (restaurant["revenue_fen"], restaurant["commissions_owed_fen"], restaurant["roi"]) == (
        17_000_000, 850_000, "17.0")
    assert [centre["cost_share_fen"], gym["cost_share_fen"], restaurant["cost_share_fen"]] == [10_001, 10_000, 10_000]
    assert centre["cost_balance_fen"] == 10_001 - 30_001
    totals = report["totals"]
    assert totals["merchant_id"] is None and totals["conversions"] == 185
    assert totals["contribution_fen"] == 3_000_000 and totals["cost_share_fen"] == 30_001
    assert totals["revenue_fen"] == 12_240_000 + 16_000_000 + 17_000_000
    assert totals["commissions_earned_fen"] == totals["commissions_owed_fen"] == 2_130_000
    # the operator and every participant see the same report; other alliances do not see it
    assert ok(world, "operator", "GET", f"/campaigns/{cid}/report")["merchants"] == report["merchants"]
    ok(world, "operator", "GET", f"/campaigns/{cid}/report", status=404, side="b")


def _feed_hangzhou(db_url: str, cid: int, package_id: int, tpls: list[int], m1: int, m2: int, m3: int,
                   first_member: int, api_order_id: int, agreement: int) -> None:
    """The bulk of the seed's figures as rows: 150 registered members checked in at the service centre; 68
    maintenance orders of ¥1,800 there, 31 more gym cards of ¥5,000 (32 with the API one) and 85 restaurant top-ups
    of ¥2,000, each from a package coupon; commissions to the centre 8 % / 5 %. Plus rows that must not count."""
    at = clock.now() - timedelta(hours=1)
    with unit_of_work(db_url) as s:
        alliance = s.get(Member, first_member).alliance_id  # type: ignore[union-attr]
        members = [first_member]
        for i in range(149):
            member = Member(alliance_id=alliance, card_no=f"HZ{i:010d}", phone_enc="x", phone_hash=f"hz-{i}",
                            phone_masked="139****0000", name=f"车主{i}")
            s.add(member)
            s.flush()
            members.append(member.id)
            s.add(CampaignRegistration(alliance_id=alliance,
                                       campaign_id=cid, member_id=member.id, registered_at=at, checked_in_at=at,
                                       checked_in_merchant_id=m1))
        outsider = Member(alliance_id=alliance, card_no="HZOUTSIDER", phone_enc="x", phone_hash="hz-out",
                          phone_masked="139****0001")
        s.add(outsider)
        s.flush()
        n = 0

        def convert(member_id: int, merchant: int, tpl: int, amount: int, when: Any = at,
                    campaign: bool = True) -> int:
            nonlocal n
            n += 1
            coupon = Coupon(alliance_id=alliance, template_id=tpl, member_id=member_id, code=f"HZC{n:09d}",
                            issued_at=when, claimed_at=when, valid_from=when, uses_left=0, referrer_merchant_id=m1,
                            target_merchant_id=merchant)
            order = Order(alliance_id=alliance, merchant_id=merchant, member_id=member_id, external_id=f"HZ-{n}",
                          amount_fen=amount, cash_fen=amount, referrer_merchant_id=m1 if merchant != m1 else None,
                          created_at=when)
            s.add_all([coupon, order])
            s.flush()
            if campaign:
                s.add(CampaignCoupon(alliance_id=alliance, campaign_id=cid, package_id=package_id, member_id=member_id,
                                     coupon_id=coupon.id, created_at=when))
            s.add(Redemption(alliance_id=alliance, coupon_id=coupon.id, use_no=1, member_id=member_id,
                             merchant_id=merchant, referrer_merchant_id=m1, bill_fen=amount, order_id=order.id,
                             at=when))
            return order.id

        def rebate(order_id: int, member_id: int, payer: int, amount: int) -> None:
            s.add(Rebate(alliance_id=alliance, order_id=order_id, agreement_id=agreement, member_id=member_id,
                         payer_merchant_id=payer, payee_type="merchant", payee_id=m1, amount_fen=amount,
                         reason="campaign", status="frozen", releases_at=at + timedelta(days=7), created_at=at))

        for member_id in members[:68]:
            convert(member_id, m1, tpls[0], 180_000)
        rebate(api_order_id, first_member, m2, 40_000)
        for member_id in members[1:32]:
            rebate(convert(member_id, m2, tpls[1], 500_000), member_id, m2, 40_000)
        for member_id in members[:85]:
            rebate(convert(member_id, m3, tpls[2], 200_000), member_id, m3, 10_000)
        # not counted: a conversion before the window, and one by a member who did not register
        rebate(convert(members[100], m2, tpls[1], 500_000, when=at - timedelta(days=3)), members[100], m2, 40_000)
        convert(outsider.id, m1, tpls[0], 180_000, campaign=False)


def test_lead_merchant_manages_and_bad_input_is_refused(world: World) -> None:
    m1, m2, m3 = world.a.merchants
    w = window()
    ok(world, "operator", "POST", "/campaigns", {"name": "x", "starts_at": w["ends_at"], "ends_at": w["starts_at"]},
       422)
    ok(world, "operator", "POST", "/campaigns", {"name": "x", "starts_at": "2024-05-18T00:00:00",
                                                  "ends_at": "2024-05-20T00:00:00"}, 422)
    ok(world, "staff1", "POST", "/campaigns", {"name": "x", **w}, 403)
    created = ok(world, "admin1", "POST", "/campaigns", {"name": "保养节", **w}, 201)
    cid = created["id"]
    assert created["lead_merchant_id"] == m1 and created["status"] == "draft"
    for bad in (0, -1):
        ok(world, "admin1", "POST", f"/campaigns/{cid}/merchants", {"merchant_id": m1, "contribution_fen": bad}, 422)
    ok(world, "admin1", "POST", f"/campaigns/{cid}/status", {"status": "active"}, 422)  # nobody takes part yet
    ok(world, "admin1", "POST", f"/campaigns/{cid}/merchants", {"merchant_id": m1, "contribution_fen": 500_000}, 201)
    ok(world, "admin1", "POST", f"/campaigns/{cid}/merchants", {"merchant_id": m1, "contribution_fen": 1}, 409)
    ok(world, "admin1", "POST", f"/campaigns/{cid}/merchants",
       {"merchant_id": world.b.merchants[0], "contribution_fen": 1}, 404)
    body = ok(world, "admin1", "POST", f"/campaigns/{cid}/merchants", {"merchant_id": m2, "contribution_fen": 300_000},
              201)
    assert [p["merchant_id"] for p in body["merchants"]] == [m1, m2]
    ok(world, "admin2", "POST", f"/campaigns/{cid}/costs", {"what": "海报", "amount_fen": 100}, 403)  # not the lead
    ok(world, "admin1", "POST", f"/campaigns/{cid}/costs", {"what": "海报", "amount_fen": 0}, 422)
    ok(world, "admin1", "POST", f"/campaigns/{cid}/costs", {"what": "海报", "amount_fen": 1, "paid_by_merchant_id": m3},
       422)
    ok(world, "admin3", "GET", f"/campaigns/{cid}", status=404)  # not taking part: not seen
    tpl3 = template(world, "admin3", "m3 券")
    ok(world, "admin1", "POST", f"/campaigns/{cid}/gift-packages", {"name": "礼包", "template_ids": [tpl3]}, 422)
    mb1 = world.a.members[m1]
    ok(world, "staff1", "POST", f"/campaigns/{cid}/registrations", {"member_id": mb1}, 422)  # still a draft
    ok(world, "admin1", "POST", f"/campaigns/{cid}/status", {"status": "active"})
    ok(world, "admin1", "POST", f"/campaigns/{cid}/status", {"status": "draft"}, 409)
    reg = ok(world, "staff1", "POST", f"/campaigns/{cid}/registrations", {"member_id": mb1}, 201)
    ok(world, "staff1", "POST", f"/campaigns/{cid}/registrations", {"member_id": mb1}, 409)  # twice
    ok(world, "staff3", "POST", f"/campaign-registrations/{reg['id']}/check-in", status=404)  # not taking part
    ok(world, "operator", "POST", f"/campaign-registrations/{reg['id']}/check-in", status=403)  # no merchant
    ok(world, "staff1", "POST", f"/campaigns/{cid}/registrations", status=422)  # staff must name the member
    ok(world, "staff2", "POST", f"/campaign-registrations/{reg['id']}/check-in")
    ok(world, "staff1", "POST", f"/campaign-registrations/{reg['id']}/check-in", status=409)
    # foreign alliance: nothing of it is seen
    for path in (f"/campaigns/{cid}", f"/campaigns/{cid}/report"):
        ok(world, "operator", "GET", path, status=404, side="b")
        ok(world, "admin1", "GET", path, status=404, side="b")
    assert ok(world, "operator", "GET", "/campaigns", side="b")["items"] == []
    ok(world, "admin1", "POST", f"/campaigns/{cid}/merchants", {"merchant_id": world.b.merchants[0],
                                                                "contribution_fen": 1}, 404, side="b")
    ok(world, "admin1", "POST", f"/campaigns/{cid}/status", {"status": "closed"})
    ok(world, "staff2", "POST", f"/campaigns/{cid}/registrations", {"member_id": world.a.members[m2]}, 422)
    report = ok(world, "admin2", "GET", f"/campaigns/{cid}/report")
    assert report["registered"] == 1 and report["checked_in"] == 1
    assert {r["merchant_id"]: r["participants"] for r in report["merchants"]} == {m1: 0, m2: 1}
    assert [r["roi"] for r in report["merchants"]] == ["0.0", "0.0"]


def test_member_registers_itself_and_sees_only_its_registrations(world: World) -> None:
    m1, m2, _ = world.a.merchants
    cid = campaign_with(world, [m1, m2])
    other = campaign_with(world, [m1])
    qr = ok(world, "operator", "GET", f"/members/{world.a.members[m1]}/card")["qr_payload"]
    r = world.client.post(API + "/auth/member/card", json={"qr_payload": qr}, headers=world.a.actors["staff1"].headers)
    member = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert world.client.get(API + "/campaigns", headers=member).json()["items"] == []
    r = world.client.post(API + f"/campaigns/{cid}/registrations", json={}, headers=member)
    assert r.status_code == 201, r.text
    assert r.json()["member_id"] == world.a.members[m1] and r.json()["registered_by_merchant_id"] is None
    r = world.client.post(API + f"/campaigns/{cid}/registrations", json={"member_id": world.a.members[m2]},
                          headers=member)
    assert r.status_code == 403
    listed = world.client.get(API + "/campaigns", headers=member).json()["items"]
    assert [c["id"] for c in listed] == [cid]
    assert world.client.get(API + f"/campaigns/{other}", headers=member).status_code == 404
    assert world.client.get(API + f"/campaigns/{cid}/report", headers=member).status_code == 403
    ok(world, "staff2", "POST", f"/campaigns/{cid}/registrations", {"member_id": world.a.members[m2]}, 201)
    regs = world.client.get(API + f"/campaigns/{cid}/registrations", headers=member).json()
    assert [x["member_id"] for x in regs["items"]] == [world.a.members[m1]]
    assert ok(world, "admin1", "GET", f"/campaigns/{cid}/registrations")["total"] == 2
    # the campaign of another alliance cannot be registered for
    bcid = ok(world, "operator", "POST", "/campaigns", {"name": "beta", **window()}, 201, side="b")["id"]
    assert world.client.post(API + f"/campaigns/{bcid}/registrations", json={}, headers=member).status_code == 404


def test_gift_package_needs_registration_and_lists(world: World) -> None:
    m1, m2, _ = world.a.merchants
    cid = campaign_with(world, [m1, m2])
    tpl = template(world, "admin2", "健身体验卡")
    package = ok(world, "operator", "POST", f"/campaigns/{cid}/gift-packages", {"name": "礼包",
                                                                                "template_ids": [tpl, tpl]}, 201)
    assert package["template_ids"] == [tpl]
    listed = ok(world, "staff1", "GET", f"/campaigns/{cid}/gift-packages")
    assert [p["id"] for p in listed["items"]] == [package["id"]]
    mb1 = world.a.members[m1]
    ok(world, "staff1", "POST", f"/gift-packages/{package['id']}/claim", {"member_id": mb1}, 422)  # not registered
    ok(world, "staff3", "POST", f"/gift-packages/{package['id']}/claim", {"member_id": mb1}, 404)
    ok(world, "staff1", "POST", f"/campaigns/{cid}/registrations", {"member_id": mb1}, 201)
    claim = ok(world, "staff1", "POST", f"/gift-packages/{package['id']}/claim", {"member_id": mb1}, 201)
    coupon = ok(world, "staff1", "GET", f"/coupons/{claim['coupon_ids'][0]}")
    assert coupon["referrer_merchant_id"] == m1 and coupon["referrer_staff_id"] == world.a.staff[m1]
    ok(world, "operator", "GET", f"/campaigns/{cid}/gift-packages", status=200, side="b")
    assert ok(world, "operator", "GET", f"/campaigns/{cid}/gift-packages", side="b")["items"] == []

