"""Tenancy isolation, endpoint by endpoint.

* `SWEEP` holds, for every (method, path) of the API, foreign callers attacking it. Each attack must be refused
  (404 when the row is outside the caller's scope, 403 when it is visible but beyond the caller's role, 422/409
  when a foreign id is smuggled in a body) and must write nothing (the whole database is compared before and
  after). A 404 must look exactly like the 404 for an id that does not exist. After the attacks the owners make
  the same calls and succeed, so the refusals are about scope and not about a broken route.
* `test_every_endpoint_has_a_tenancy_case` fails when an endpoint appears without a case here.
* The list tests check that each kind of caller lists exactly the rows the policy allows, and that no filter
  (merchant_id, phone, card_no, ...) widens that.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select, text

from lianmeng.auth.sender import redact_stale
from lianmeng.db import Base, get_engine, unit_of_work
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.settlement import domain

if TYPE_CHECKING:
    from conftest import World

API = "/api/v1"
MISSING = 987_654_321  # an id no row has: foreign ids must be answered exactly like this one
PARAM = re.compile(r"\{(\w+)\}")


# --- the scene: conftest's two alliances plus agreements, API keys, cards and member logins -------------------


@dataclass
class Scene:
    client: TestClient
    db_url: str
    headers: dict[str, dict[str, str]]  # actor name ("a.admin1", "b.operator", "a.key1", ...) -> headers
    ids: dict[str, Any] = field(default_factory=dict)  # scene name ("m2", "mb2", "agr23", ...) -> id or value

    def resolve(self, value: Any) -> Any:
        """'@name' -> the scene's value for name, recursively through dicts and lists."""
        if isinstance(value, str) and value.startswith("@"):
            return self.ids[value[1:]]
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value

    def call(self, who: str, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None,
             headers: dict[str, str] | None = None) -> Response:
        r = self.client.request(
            method, API + path, headers={**self.headers[who], **(headers or {})},
            json=self.resolve(body) if body is not None else None,
            params=self.resolve(query) if query else None,
        )
        assert r.status_code < 500, f"{who} {method} {path}: {r.status_code} {r.text}"
        return r

    def ok(self, who: str, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        r = self.call(who, method, path, body)
        assert r.status_code == status, f"{who} {method} {path}: {r.status_code} {r.text}"
        return r.json()


def phone_of(alliance_index: int, merchant_index: int) -> str:
    """The phone conftest's `world` enrolled for the merchant_index-th merchant (1-based) of an alliance."""
    return f"139{(10_000 if alliance_index == 0 else 20_000) + merchant_index - 1:08d}"


AGREEMENT = {"modes": ["rights_exchange"], "benefits": [{"offered_by": "a", "text": "首次保养9折"}]}
CANDIDATE = {"industry": "fitness", "rating": 4.6, "stores": [{"name": "车公庙店", "latitude": 22.537,
                                                              "longitude": 114.024}]}
JOINT_PRODUCT = {"name": "城市生活联名卡", "tiers": [{"name": "经济版", "price_fen": 980_000, "components": [
    {"merchant_id": "@m1", "name": "汽车保养", "units": 2, "list_value_fen": 160_000},
    {"merchant_id": "@m2", "name": "健身月卡", "unit_name": "月卡", "units": 1, "list_value_fen": 300_000}]}]}


def build_scene(world: World, db_url: str) -> Scene:
    a, b = world.a, world.b
    s = Scene(world.client, db_url, {"platform": world.platform.headers})
    for prefix, side in (("a", a), ("b", b)):
        for name, actor in side.actors.items():
            s.headers[f"{prefix}.{name}"] = actor.headers
    ids = s.ids
    ids.update(alpha=a.alliance_id, beta=b.alliance_id, missing=MISSING)
    for i, m in enumerate(a.merchants, 1):
        ids.update({f"m{i}": m, f"st{i}": a.stores[m], f"sf{i}": a.staff[m], f"mb{i}": a.members[m],
                    f"u_admin{i}": a.actors[f"admin{i}"].user_id, f"u_staff{i}": a.actors[f"staff{i}"].user_id,
                    f"mb{i}_phone": phone_of(0, i)})
    bm = b.merchants[0]
    ids.update(bm=bm, bst=b.stores[bm], bsf=b.staff[bm], bmb=b.members[bm], bmb_phone=phone_of(1, 1),
               u_aop=a.actors["operator"].user_id, u_bop=b.actors["operator"].user_id,
               u_badmin1=b.actors["admin1"].user_id, u_bstaff1=b.actors["staff1"].user_id,
               u_platform=s.ok("platform", "GET", "/auth/whoami")["id"])

    # a second staff record at m2 that no login is tied to yet
    ids["sf2b"] = s.ok("a.admin2", "POST", f"/merchants/{ids['m2']}/staff", {"name": "夜班 m2"}, 201)["id"]
    # agreements: m2×m3 (m1 is no party), m1×m2, and alliance-wide ones in both alliances
    for key, who, a_id, b_id in (("agr23", "a.operator", "m2", "m3"), ("agr12", "a.operator", "m1", "m2"),
                                 ("agr_wide", "a.operator", None, None), ("b_wide", "b.operator", None, None)):
        body = {**AGREEMENT, "title": f"协议 {key}", "merchant_a_id": a_id and ids[a_id],
                "merchant_b_id": b_id and ids[b_id]}
        ids[key] = s.ok(who, "POST", "/agreements", body, 201)["id"]
    # API keys of m1 (used as the integration caller "a.key1") and of m2 ("a.key2")
    for i in (1, 2):
        created = s.ok(f"a.admin{i}", "POST", f"/merchants/{ids[f'm{i}']}/api-keys", {"name": f"POS m{i}"}, 201)
        ids[f"key{i}"] = created["id"]
        s.headers[f"a.key{i}"] = {"X-API-Key": created["key"]}
    # memberships created by the enrolments, and card numbers
    for name in ("mb1", "mb2", "mb3", "bmb"):
        page = s.ok("platform", "GET", f"/memberships?member_id={ids[name]}")
        assert page["total"] == 1
        ids[name.replace("mb", "ms")] = page["items"][0]["id"]
        ids[f"{name}_card"] = s.ok("platform", "GET", f"/members/{ids[name]}/card")["card_no"]
    # m2 sells stored value to its member and records an order for it
    s.ok("a.admin2", "POST", "/top-ups", {"external_id": "T-m2", "member_id": ids["mb2"], "amount_fen": 5_000}, 201)
    ids["ord2"] = s.ok("a.staff2", "POST", "/orders", {"external_id": "O-m2", "member_id": ids["mb2"],
                                                       "amount_fen": 20_000, "stored_value_fen": 2_000}, 201)["id"]
    s.ok("a.staff2", "POST", f"/orders/{ids['ord2']}/refunds", {"external_id": "R-m2", "amount_fen": 1_000}, 201)
    # m1 refers m2's member under a commission agreement: a rebate for m1's guide sf1, released, partly withdrawn
    body = {**AGREEMENT, "title": "返利协议", "merchant_a_id": ids["m1"], "merchant_b_id": ids["m2"],
            "commission_terms": [{"kind": "fixed_per_order", "amount_fen": 5_000, "payee": "staff", "payer": "b"}]}
    ids["agr_comm"] = s.ok("a.operator", "POST", "/agreements", body, 201)["id"]
    for action in ("propose", "accept", "activate"):
        s.ok("a.operator", "POST", f"/agreements/{ids['agr_comm']}/transitions", {"action": action})
    s.ok("a.staff2", "POST", "/orders", {"external_id": "O-m2-ref", "member_id": ids["mb2"], "amount_fen": 9_000,
                                         "referrer_merchant_id": ids["m1"], "referrer_staff_id": ids["sf1"]}, 201)
    run_all(db_url, at=clock.now() + timedelta(days=8))
    ids["pa1"] = s.ok("a.staff1", "POST", "/payout-accounts", {"method": "wechat_pay", "account": "13800000001",
                                                               "holder_name": "导购一"}, 201)["id"]
    ids["pa_m1"] = s.ok("a.admin1", "POST", "/payout-accounts", {"method": "bank_card", "account": "6222000011112222",
                                                                  "holder_name": "商户一", "bank_name": "招商银行"},
                        201)["id"]
    ids["wd1"] = s.ok("a.staff1", "POST", "/withdrawals",
                      {"payee_type": "staff", "payee_id": ids["sf1"], "amount_fen": 1_000}, 201)["id"]
    points_account = next(a for a in s.ok("platform", "GET", f"/balances?owner_type=member&owner_id={ids['mb2']}")[
        "accounts"] if a["kind"] == "points")
    ids["acct_mb2"] = points_account["account_id"]
    # the member of m1 logs in with its card
    qr = s.ok("a.operator", "GET", f"/members/{ids['mb1']}/card")["qr_payload"]
    token = s.ok("a.staff1", "POST", "/auth/member/card", {"qr_payload": qr})["access_token"]
    s.headers["a.member1"] = {"Authorization": f"Bearer {token}"}
    # coupons: m1's own coupon handed (unclaimed) to its member; m2's coupon used by its member at m2; a benefit
    # m2 offers m1's members under agr_comm; a claim link shared by m2's guide
    coupon = {"kind": "amount_off", "amount_fen": 1_000}
    ids["tpl1"] = s.ok("a.admin1", "POST", "/coupon-templates", {**coupon, "name": "m1 券"}, 201)["id"]
    ids["tpl2"] = s.ok("a.admin2", "POST", "/coupon-templates", {**coupon, "name": "m2 券", "per_member_limit": 5},
                       201)["id"]
    ids["bnf2"] = s.ok("a.admin2", "POST", "/coupon-templates", {
        "name": "m1 会员免费洗车", "kind": "free_item", "item_name": "洗车", "item_value_fen": 5_000,
        "agreement_id": ids["agr_comm"]}, 201)["id"]
    ids["cpn1"] = s.ok("a.staff1", "POST", "/coupons/issue", {"template_id": ids["tpl1"], "member_id": ids["mb1"],
                                                               "claimed": False}, 201)["id"]
    cpn2 = s.ok("a.staff2", "POST", "/coupons/issue", {"template_id": ids["tpl2"], "member_id": ids["mb2"]}, 201)
    ids.update(cpn2=cpn2["id"], cpn2_code=cpn2["code"])
    used = s.ok("a.staff2", "POST", "/coupons/issue", {"template_id": ids["tpl2"], "member_id": ids["mb2"]}, 201)
    ids["red2"] = s.ok("a.staff2", "POST", "/coupons/redeem", {"code": used["code"], "bill_fen": 5_000}, 201)["id"]
    ids["link2"] = s.ok("a.staff2", "POST", "/claim-links", {"template_id": ids["tpl2"]}, 201)["token"]
    # the member of m2 logs in with its card and rates its visit red2 (a complaint, fb2); a second visit of it at
    # m2 (red2b) is left to rate
    qr2 = s.ok("a.operator", "GET", f"/members/{ids['mb2']}/card")["qr_payload"]
    token2 = s.ok("a.staff2", "POST", "/auth/member/card", {"qr_payload": qr2})["access_token"]
    s.headers["a.member2"] = {"Authorization": f"Bearer {token2}"}
    ids["fb2"] = s.ok("a.member2", "POST", f"/redemptions/{ids['red2']}/feedback",
                      {"rating": 2, "comment": "排队太久"}, 201)["id"]
    again = s.ok("a.staff2", "POST", "/coupons/issue", {"template_id": ids["tpl2"], "member_id": ids["mb2"]}, 201)
    ids["red2b"] = s.ok("a.staff2", "POST", "/coupons/redeem", {"code": again["code"], "bill_fen": 5_000}, 201)["id"]
    # a joint campaign (operator-run) of m1 and m2 (m3 takes no part), active, with a gift package of m2's coupon and
    # m1's member registered; a draft campaign of alliance B
    now = clock.now()
    campaign_window = {"starts_at": (now - timedelta(days=1)).isoformat(),
                       "ends_at": (now + timedelta(days=30)).isoformat()}
    ids["cmp"] = s.ok("a.operator", "POST", "/campaigns", {"name": "健康生活节", **campaign_window}, 201)["id"]
    for key, fen in (("m1", 1_000_000), ("m2", 500_000)):
        s.ok("a.operator", "POST", f"/campaigns/{ids['cmp']}/merchants", {"merchant_id": ids[key],
                                                                          "contribution_fen": fen}, 201)
    s.ok("a.operator", "POST", f"/campaigns/{ids['cmp']}/status", {"status": "active"})
    ids["pkg"] = s.ok("a.operator", "POST", f"/campaigns/{ids['cmp']}/gift-packages",
                      {"name": "礼包", "template_ids": [ids["tpl2"]]}, 201)["id"]
    ids["creg1"] = s.ok("a.staff1", "POST", f"/campaigns/{ids['cmp']}/registrations", {"member_id": ids["mb1"]},
                        201)["id"]
    ids["bcmp"] = s.ok("b.operator", "POST", "/campaigns", {"name": "beta 活动", **campaign_window}, 201)["id"]
    # joint cards: the operator's 经济版 (m1's car service ×2, m2's gym month; m3 takes no part), sold by m1's
    # guide to m1's member (jcard), one service already consumed at m1
    jp = s.ok("a.operator", "POST", "/joint-card-products", s.resolve(JOINT_PRODUCT), 201)
    ids.update(jp=jp["id"], jtier=jp["tiers"][0]["id"], jc_m1=jp["tiers"][0]["components"][0]["id"],
               jc_m2=jp["tiers"][0]["components"][1]["id"])
    ids["jcard"] = s.ok("a.staff1", "POST", "/joint-cards/sales",
                        {"external_id": "JC-1", "tier_id": ids["jtier"], "member_id": ids["mb1"]}, 201)["id"]
    s.ok("a.staff1", "POST", f"/joint-cards/{ids['jcard']}/consume", {"component_id": ids["jc_m1"]}, 201)
    recruit(s)
    own(s)
    target(s)
    settle_a_month(s)
    # partner candidates: m1's own list, the alpha operator's, the beta operator's
    for key, who, name in (("cand1", "a.admin1", "alpha 威尔仕健身"), ("cand_op", "a.operator", "alpha 亲子酒店"),
                           ("bcand", "b.operator", "beta 候选")):
        ids[key] = s.ok(who, "POST", "/partners/candidates", {**CANDIDATE, "name": name}, 201)["id"]
    add_prospects(s)
    add_audiences(s)
    add_offer_results(s)
    tag_members(s)
    add_vehicles(s)
    notified(s)
    place(s)
    add_verification_details(s)
    find_duplicates(s)
    add_merges(s)
    add_webhooks(s)
    record_job_runs(s)
    add_group_buys(s)
    distribute(s)
    charge_fees(s)
    return s


GROUP_BUY = {"name": "精洗两次 三人团", "price_fen": 9_900, "group_size": 3, "hours_to_form": 24, "components": [
    {"merchant_id": "@m1", "name": "精洗", "unit_name": "次", "units": 2, "list_value_fen": 17_600}]}


def add_group_buys(s: Scene) -> None:
    """m1's group buy of its own car washes (gb; m2 and m3 take no part); m1's member started a group of it (gbg,
    its share token gb_token, the member's seat gbs1); the member of alliance B logs in ("b.member1")."""
    offer = s.ok("a.admin1", "POST", "/group-buys", s.resolve(GROUP_BUY), 201)
    group = s.ok("a.member1", "POST", "/group-buys/groups", {"offer_id": offer["id"]}, 201)
    s.ids.update(gb=offer["id"], gbg=group["id"], gb_token=group["token"], gbs1=group["my_seat"]["id"])
    s.ok("a.admin1", "PUT", f"/group-buys/{offer['id']}/distribution", {"points": 10})  # open for sharing
    qr = s.ok("b.operator", "GET", f"/members/{s.ids['bmb']}/card")["qr_payload"]
    token = s.ok("b.staff1", "POST", "/auth/member/card", {"qr_payload": qr})["access_token"]
    s.headers["b.member1"] = {"Authorization": f"Bearer {token}"}


SHARING = {"reward_kind": "rebate", "amount": 2_000, "min_order_fen": 10_000}


def distribute(s: Scene) -> None:
    """Distribution (分销): m1's admin opens m1's offer tpl1 for sharing; m2's member shares it (its own link);
    beta's admin opens a beta offer (btpl) for sharing too."""
    s.ok("a.admin1", "PUT", f"/coupon-templates/{s.ids['tpl1']}/distribution", SHARING)
    s.ids["share_mb2"] = s.ok("a.member2", "POST", "/me/shares", {"template_id": s.ids["tpl1"]}, 201)["token"]
    s.ids["btpl"] = s.ok("b.admin1", "POST", "/coupon-templates", {"name": "beta 券", "kind": "amount_off",
                                                                    "amount_fen": 1_000}, 201)["id"]
    s.ok("b.admin1", "PUT", f"/coupon-templates/{s.ids['btpl']}/distribution", SHARING)


def charge_fees(s: Scene) -> None:
    """Operator fees: alpha's operator sets an annual fee (beta has no fee settings) and waives it for good for each
    of m1, m2, m3 (wv1, wv2, wv3); the current month, charged once it has closed, records three waived charges and
    posts nothing. fee_month is a closed month for the owners' own run."""
    s.ok("a.operator", "PUT", "/fee-settings", {"annual_fee_fen": 100_000})
    today = clock.today_in_shanghai().isoformat()
    for i in (1, 2, 3):
        s.ids[f"wv{i}"] = s.ok("a.operator", "POST", "/revenue/waivers", {
            "merchant_id": s.ids[f"m{i}"], "kind": "annual", "starts_on": today, "reason": "创始商户"}, 201)["id"]
    month = domain.last_closed(domain.SettlementCycle.MONTHLY, clock.now())
    s.ids["fee_month"] = month.label
    with clock.fixed_at(month.following().ends_at + timedelta(hours=1)):
        run = s.ok("a.operator", "POST", "/revenue/runs", {"month": month.following().label})
    assert (run["charged"], run["waived"]) == (0, 3), run


def add_webhooks(s: Scene) -> None:
    """Webhooks: m2's admin registers an endpoint (wh2); one event of m2 is dispatched to it (whd2), not sent."""
    from lianmeng.webhooks import service as webhooks
    from lianmeng.webhooks.domain import EventType

    s.ids["wh2"] = s.ok("a.admin2", "POST", "/webhook-endpoints", {
        "url": "https://crm.example.com/m2", "event_types": ["order.recorded"]}, 201)["id"]
    with unit_of_work(s.db_url) as session:
        webhooks.emit(session, s.ids["alpha"], s.ids["m2"], EventType.ORDER_RECORDED, {"order_id": 0})
    with unit_of_work(s.db_url) as session:
        webhooks.dispatch(session)
    s.ids["whd2"] = s.ok("a.admin2", "GET", f"/webhook-endpoints/{s.ids['wh2']}/deliveries")["items"][0]["id"]


def record_job_runs(s: Scene) -> None:
    """A run of each alliance in the jobs' record (GET /job-runs)."""
    from lianmeng.jobs.models import JobRun

    with unit_of_work(s.db_url) as session:
        now = clock.now()
        session.add_all([JobRun(alliance_id=s.ids[a], kind="member_values", period="scene", started_at=now,
                                finished_at=now, outcome="ok", attempts=1, counts={"count": 1})
                         for a in ("alpha", "beta")])


def add_verification_details(s: Scene) -> None:
    """m1 and m1's prospect cand1 carry verification details (a credit code), so the operator may decide on them."""
    details = {"legal_person": "张三", "registered_address": "深圳市南山区科技园科苑路 15 号",
               "licence_ref": "深市监 0123"}
    s.ok("a.admin1", "PATCH", f"/merchants/{s.ids['m1']}", {**details, "credit_code": "91350100M000100Y43"})
    s.ok("a.admin1", "PATCH", f"/partners/candidates/{s.ids['cand1']}", {**details,
                                                                          "credit_code": "914403001922038216"})


def add_merges(s: Scene) -> None:
    """Two more members enrolled at m1 (mb1x, mb1y); m1's admin merged mb1y into mb1 (merge1)."""
    for key, phone in (("mb1x", "13900077771"), ("mb1y", "13900077772")):
        s.ids[key] = s.ok("a.staff1", "POST", "/members", {"phone": phone, "name": "重复会员"}, 201)["id"]
        s.ids[key.replace("mb", "ms")] = s.ok("platform", "GET", f"/memberships?member_id={s.ids[key]}")[
            "items"][0]["id"]
    s.ids["merge1"] = s.ok("a.admin1", "POST", "/members/merges", {
        "survivor_id": s.ids["mb1"], "absorbed_id": s.ids["mb1y"], "reason": "同一人两次办卡"}, 201)["id"]
    # place merges: two more stores of m1 (st1x, st1y), m1's admin merged st1y into st1 (pmerge1); a second
    # prospect on m1's list (cand1x)
    for key in ("st1x", "st1y"):
        s.ids[key] = s.ok("a.admin1", "POST", f"/merchants/{s.ids['m1']}/stores", {**STORE, "name": f"m1 {key}"},
                          201)["id"]
    s.ids["pmerge1"] = s.ok("a.admin1", "POST", "/merges/stores", {
        "survivor_id": s.ids["st1"], "absorbed_id": s.ids["st1y"], "reason": "同一门店录入两次"}, 201)["id"]
    s.ids["cand1x"] = s.ok("a.admin1", "POST", "/partners/candidates", {**CANDIDATE, "name": "alpha 威尔士健身"},
                           201)["id"]


def add_audiences(s: Scene) -> None:
    """m1's saved audience (aud1) and a segment report of it shared with m2 under agr_comm (shr12)."""
    s.ids["aud1"] = s.ok("a.admin1", "POST", "/audiences", {"name": "全部会员", "rules": {}}, 201)["id"]
    s.ids["shr12"] = s.ok("a.admin1", "POST", "/segments/shares", {"to_merchant_id": s.ids["m2"], "title": "画像",
                                                                   "audience_id": s.ids["aud1"]}, 201)["id"]


def add_offer_results(s: Scene) -> None:
    """A targeted offer of m1 carrying m2's coupon (offer12), one member treated, its results counted."""
    from lianmeng.audiences.models import Audience
    from lianmeng.targeting import results
    from lianmeng.targeting.models import OfferRecipient, TargetedOffer

    ids = s.ids
    with unit_of_work(s.db_url) as session:
        audience = Audience(alliance_id=ids["alpha"], merchant_id=ids["m1"], name="高价值会员")
        session.add(audience)
        session.flush()
        sent = clock.now() - timedelta(hours=1)
        offer = TargetedOffer(alliance_id=ids["alpha"], merchant_id=ids["m1"], partner_merchant_id=ids["m2"],
                              template_id=ids["tpl2"], audience_id=audience.id, name="健身体验", seed="s",
                              scheduled_at=sent, assigned_at=sent, status="finished")
        session.add(offer)
        session.flush()
        session.add(OfferRecipient(alliance_id=ids["alpha"], offer_id=offer.id, member_id=ids["mb1"], arm="treated",
                                   status="sent", sent_at=sent))
        session.flush()
        results.refresh_outcomes(session, offer)
        ids["offer12"] = offer.id


def tag_members(s: Scene) -> None:
    """Tags: m1's guide tags m1's member (mtag1, a staff tag); that member declares an interest (mdecl1)."""
    ids = s.ids
    ids["mtag1"] = s.ok("a.staff1", "POST", f"/members/{ids['mb1']}/tags",
                        {"tag": "child_seat", "note": "保养时看到儿童座椅"}, 201)["id"]
    s.ok("a.member1", "PUT", "/me/interests", {"tags": ["fitness"]})
    ids["mdecl1"] = next(t["id"] for t in s.ok("a.staff1", "GET", f"/members/{ids['mb1']}/tags")
                         if t["source"] == "declared")
    ids["tag_fitness"] = "fitness"


def add_vehicles(s: Scene) -> None:
    """Vehicles: m1's guide records m1's member's car (veh1)."""
    s.ids["veh1"] = s.ok("a.staff1", "POST", f"/members/{s.ids['mb1']}/vehicles",
                         {"plate": "粤B12345", "vin": "LSVAU218XN2183294"}, 201)["id"]


def place(s: Scene) -> None:
    """Featured placement: alpha's operator sells the partner-list slot (plslot); m1's admin books 2 days of it a
    week ahead (plbook1); pl_day is a free day for the owners' bookings."""
    from lianmeng.placements.domain import MAX_DAYS_LIMIT

    s.ids["plslot"] = s.ok("a.operator", "POST", "/placements/slots", {
        "surface": "partner_list", "price_per_day_fen": 5_000, "capacity": 3, "max_days": MAX_DAYS_LIMIT}, 201)["id"]
    week = (clock.today_in_shanghai() + timedelta(days=7)).isoformat()
    s.ids["pl_day"] = (clock.today_in_shanghai() + timedelta(days=20)).isoformat()
    s.ids["plbook1"] = s.ok("a.admin1", "POST", "/placements/bookings",
                            {"slot_id": s.ids["plslot"], "first_day": week, "days": 2}, 201)["id"]


def notified(s: Scene) -> None:
    """Notifications: the operator's proposal of agr_comm (m1 → m2) told m2's admin (ntf2)."""
    s.ids["ntf2"] = next(n["id"] for n in s.ok("a.admin2", "GET", "/notifications")
                         if n["kind"] == "proposal_received")


def own(s: Scene) -> None:
    """Ownership: m1's clerk claims m1's member; a second member of m1 waits in m1's pool (mb1b)."""
    s.ids["mb1b"] = s.ok("a.staff1", "POST", "/members", {"phone": "13912340001", "name": "池中客"}, 201)["id"]
    s.ids["ms1b"] = s.ok("platform", "GET", f"/memberships?member_id={s.ids['mb1b']}")["items"][0]["id"]
    s.ok("a.staff1", "POST", "/ownership/claims", {"member_id": s.ids["mb1"]}, 201)


def find_duplicates(s: Scene) -> None:
    """Duplicate candidates: m1 enrolled the same person twice (dd_m1, a member pair wholly m1's); two stores of
    m1 and m2 look alike (dd_store, the operator's to review: same address and place, names one digit apart)."""
    from lianmeng.dedup import service as dedup
    from lianmeng.dedup.models import DedupCandidate

    ids = s.ids
    first = s.ok("a.staff1", "POST", "/members", {"phone": "13700008881", "name": "曾小凡", "birth_year": 1985}, 201)
    again = s.ok("a.staff1", "POST", "/members", {"phone": "13700008882", "name": "Zeng Xiaofan",
                                                   "birth_year": 1985}, 201)
    with unit_of_work(s.db_url) as session:
        dedup.run(session, ids["alpha"])  # as the job does (it also finds the world's look-alike stores)
        found = {(c.kind, c.left_id, c.right_id): c.id for c in session.scalars(select(DedupCandidate))}
    stores = ("store", min(ids["st1"], ids["st2"]), max(ids["st1"], ids["st2"]))
    ids.update(dd_m1=found[("member", first["id"], again["id"])], dd_store=found[stores])
    ids.update(mdd1=first["id"], mdd2=again["id"])  # two more members of m1: in every list m1 sees
    for key, member in (("msdd1", first), ("msdd2", again)):
        ids[key] = s.ok("platform", "GET", f"/memberships?member_id={member['id']}")["items"][0]["id"]


def recruit(s: Scene) -> None:
    """Recruiting: m1's guide shares a join link (jl1); a stranger applies through it as a promoter (rec1, pending)."""
    from tests.claiming import last_sms_code

    link = s.ok("a.staff1", "POST", "/join-links", {"title": "招募"}, 201)
    s.ids.update(jl1=link["id"], jl1_token=link["token"])
    s.client.app.state.throttle.storage.reset()  # type: ignore[attr-defined]
    sent = s.client.post(f"{API}/join/{link['token']}/code", json={"phone": "13700009999"})
    assert sent.status_code == 202, sent.text
    applied = s.client.post(f"{API}/join/{link['token']}/applications", json={
        "kind": "promoter", "phone": "13700009999", "code": last_sms_code(), "applicant_name": "推广员",
        "occupation": "designer"})
    assert applied.status_code == 201, applied.text
    s.ids["rec1"] = applied.json()["id"]
    with unit_of_work(s.db_url) as session:  # the code was used: its message keeps no code (as the jobs would do)
        redact_stale(session, clock.now() + timedelta(minutes=1))


def target(s: Scene) -> None:
    """Targeted offers: m1 and m2 have an active agreement (agr_offer) for which m2 offers a coupon (tpl_offer);
    m1 saved an audience (oaud1) and schedules an offer of it (offer1); m2 saved one too (oaud2)."""
    from datetime import date

    from lianmeng.agreements.models import Agreement
    from lianmeng.audiences.models import Audience
    from lianmeng.coupons.models import CouponTemplate

    ids = s.ids
    with unit_of_work(s.db_url) as session:
        agreement = Agreement(alliance_id=ids["alpha"], title="定向推荐", merchant_a_id=ids["m1"],
                              merchant_b_id=ids["m2"], valid_from=date(2020, 1, 1), status="active")
        session.add(agreement)
        session.flush()
        offered = CouponTemplate(alliance_id=ids["alpha"], owner_merchant_id=ids["m2"], name="m2 体验课",
                                 kind="amount_off", amount_fen=2_000, agreement_id=agreement.id)
        audiences = [Audience(alliance_id=ids["alpha"], merchant_id=ids[m], name=f"{m} 人群") for m in ("m1", "m2")]
        session.add_all([offered, *audiences])
        session.flush()
        ids.update(agr_offer=agreement.id, tpl_offer=offered.id, oaud1=audiences[0].id, oaud2=audiences[1].id)
    ids["offer1"] = s.ok("a.admin1", "POST", "/targeting/offers", s.resolve(OFFER), 201)["id"]


def add_prospects(s: Scene) -> None:
    """Prospects (candidates outside the alliance): pc1 kept by m1, pc_op by A's operator, pcb in alliance B. m1's
    admin invites pc1 (inv1), whose prospect uploads 120 hashes that match nobody (a computation, every cell
    "< 10")."""
    from lianmeng.db import unit_of_work
    from lianmeng.partners.models import Candidate

    ids = s.ids
    with unit_of_work(s.db_url) as session:
        rows = {"pc1": Candidate(alliance_id=ids["alpha"], owner_merchant_id=ids["m1"], name="山野户外",
                                 industry="travel", brand_tags=[]),
                "pc_op": Candidate(alliance_id=ids["alpha"], name="星河瑜伽", industry="fitness", brand_tags=[]),
                "pcb": Candidate(alliance_id=ids["beta"], name="beta 潜在伙伴", industry="dining", brand_tags=[])}
        session.add_all(rows.values())
        session.flush()
        ids.update({key: candidate.id for key, candidate in rows.items()})
    issued = s.ok("a.admin1", "POST", "/prospects/invitations", {"candidate_id": ids["pc1"]}, 201)
    ids["inv1"] = issued["id"]
    body = ("hash\n" + "\n".join(f"{i:064x}" for i in range(1, 121))).encode()
    r = s.client.post(f"{API}/prospects/uploads", content=body, headers={"X-Invitation-Token": issued["token"]})
    assert r.status_code == 201, r.text


def settle_a_month(s: Scene) -> None:
    """The month after the one the scene's jobs already settled (they ran 8 days ahead): an operator-paid poster
    for cmp, shared by m1 and m2, dated in it; both alliances settle it once it has ended. A's statements are
    issued; m2 has disputed its statement (stmt2), m3's (no lines) is confirmed by both; B's stays a draft."""
    ids = s.ids
    month = domain.last_closed(domain.SettlementCycle.MONTHLY, clock.now() + timedelta(days=8)).following()
    with clock.fixed_at(month.starts_at + timedelta(days=14)):
        s.ok("a.operator", "POST", f"/campaigns/{ids['cmp']}/costs", {"what": "海报", "amount_fen": 30_000}, 201)
    with clock.fixed_at(month.ends_at + timedelta(hours=1)):
        ids["srun"] = s.ok("a.operator", "POST", "/settlement/runs", {"period": month.label}, 201)["id"]
        ids["bsrun"] = s.ok("b.operator", "POST", "/settlement/runs", {"period": month.label}, 201)["id"]
    s.ok("a.operator", "POST", f"/settlement/runs/{ids['srun']}/issue")
    by_merchant = {x["merchant_id"]: x["id"]
                   for x in s.ok("a.operator", "GET", f"/statements?run_id={ids['srun']}")["items"]}
    for i in (1, 2, 3):
        ids[f"stmt{i}"] = by_merchant[ids[f"m{i}"]]
    ids["bstmt"] = s.ok("b.operator", "GET", f"/statements?run_id={ids['bsrun']}")["items"][0]["id"]
    for i in (1, 2):
        ids[f"stmt{i}_line"] = s.ok("a.operator", "GET", f"/statements/{ids[f'stmt{i}']}")["lines"][0]["id"]
    s.ok("a.admin2", "POST", f"/statements/{ids['stmt2']}/dispute", {"reason": "海报分摊不对",
                                                                     "line_ids": [ids["stmt2_line"]]})
    for who in ("a.admin3", "a.operator"):
        s.ok(who, "POST", f"/statements/{ids['stmt3']}/confirm")


# --- the database, table by table: to prove "wrote nothing", and to set the scene quickly ----------------------

Dump = dict[str, list[dict[str, Any]]]


def dump(db_url: str) -> Dump:
    with get_engine(db_url).connect() as conn:
        return {
            table.name: [dict(row._mapping) for row in conn.execute(select(table).order_by(*table.primary_key))]
            for table in Base.metadata.sorted_tables
        }


def changed_tables(before: Dump, after: Dump) -> list[str]:
    return [name for name in before if before[name] != after[name]]


def restore(db_url: str, rows: Dump) -> None:
    """Put a dump back into the (freshly wiped) database, and move PostgreSQL's id sequences past it."""
    engine = get_engine(db_url)
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
                if engine.dialect.name == "postgresql" and "id" in table.c:
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"(SELECT max(id) FROM {table.name}))"))


_BUILT: dict[str, tuple[dict[str, dict[str, str]], dict[str, Any], Dump]] = {}


@pytest.fixture
def scene(client: TestClient, db_url: str, request: pytest.FixtureRequest) -> Scene:
    """Built through the API by the first test (conftest's `world` plus the rows above), then dumped; every later
    test gets the same rows, ids and logins restored into its freshly wiped database (a second instead of 1 s)."""
    if db_url not in _BUILT:
        built = build_scene(request.getfixturevalue("world"), db_url)
        _BUILT[db_url] = (copy.deepcopy(built.headers), dict(built.ids), dump(db_url))
        return built
    headers, ids, rows = _BUILT[db_url]
    restore(db_url, rows)
    return Scene(client, db_url, copy.deepcopy(headers), dict(ids))


# --- the sweep ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request against the route under test. `at` names the scene ids put in the path's {params} ("a/b")."""

    who: str
    at: str | None = None
    body: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    expect: int = 404

    def label(self) -> str:
        parts = [self.who, f"at={self.at}" if self.at else "", f"query={self.query}" if self.query else "",
                 f"body={self.body}" if self.body else ""]
        return " ".join(p for p in parts if p)


@dataclass(frozen=True)
class Case:
    """Foreign callers' attacks (refused, nothing written), then the owners' same calls (allowed)."""

    attacks: tuple[Call, ...]
    owners: tuple[Call, ...]


def attacks(*calls: Call) -> tuple[Call, ...]:
    return calls


def owners(*calls: Call) -> tuple[Call, ...]:
    return calls


# Attacks answered 200 are list reads, which must come back empty, or batches, whose every order must be refused.
# Bodies' "@name" strings are scene ids.
STORE = {"name": "影子门店", "address": "深南大道 2 号", "latitude": 22.5, "longitude": 114.0}
HIJACK = {"name": "hijacked"}
CAMPAIGN = {"name": "周末活动", "starts_at": "2030-05-18T10:00:00+08:00", "ends_at": "2030-05-20T00:00:00+08:00"}
COST = {"what": "场地布置", "amount_fen": 3_000}
PACKAGE = {"name": "礼包二", "template_ids": ["@tpl1", "@tpl2"]}

ADJUST = {"adjustments": [{"line_id": "@stmt2_line", "amount_fen": -500, "note": "海报实际 ¥295"}]}
PAYOUT = {"payout_ref": "ICBC-20261105-0001"}
VISIT = {"visitor": "神秘顾客", "visited_on": "2026-11-02", "score": 4}
ANSWER = {"question": "joint_fund", "answer": "will_fund", "asked_by": "王店长"}
OFFER = {"name": "健身体验", "audience_id": "@oaud1", "template_id": "@tpl_offer", "message": "合作伙伴送您体验课",
         "scheduled_at": "2030-01-01T12:00:00+08:00"}
WEIGHTS = {"overlap": 40, "brand_fit": 10, "service": 20, "sincerity": 10, "distance": 20}
SWEEP: dict[tuple[str, str], Case] = {
    # --- logins ---
    ("GET", "/users"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.admin1", query={"q": "admin-alpha-2"}, expect=200),
                Call("a.staff1", query={"role": "merchant_admin"}, expect=200),
                Call("b.operator", query={"merchant_id": "@m1"}, expect=200),
                Call("a.key1", expect=200), Call("a.member1", expect=200)),
        owners(Call("a.admin2", query={"merchant_id": "@m2"}, expect=200),
               Call("a.operator", query={"q": "admin-alpha-2"}, expect=200)),
    ),
    ("POST", "/users"): Case(
        attacks(Call("a.admin1", body={"username": "mole-1", "password": "correct-horse-9", "role": "store_staff",
                                       "merchant_id": "@m2", "staff_id": "@sf2b"}),
                Call("a.admin1", body={"username": "mole-2", "password": "correct-horse-9",
                                       "role": "merchant_admin", "staff_id": "@sf2b"}),
                Call("a.admin1", body={"username": "mole-3", "password": "correct-horse-9",
                                       "role": "merchant_admin", "staff_id": "@sf2"}),
                Call("b.operator", body={"username": "mole-4", "password": "correct-horse-9",
                                         "role": "merchant_admin", "merchant_id": "@m1"}),
                Call("b.operator", body={"username": "mole-5", "password": "correct-horse-9",
                                         "role": "store_staff", "merchant_id": "@bm", "staff_id": "@sf1"}),
                Call("a.staff1", body={"username": "mole-6", "password": "correct-horse-9", "role": "store_staff",
                                       "staff_id": "@sf1"}, expect=403),
                Call("a.key1", body={"username": "mole-7", "password": "correct-horse-9", "role": "store_staff",
                                     "staff_id": "@sf1"}, expect=403),
                Call("a.member1", body={"username": "mole-8", "password": "correct-horse-9",
                                        "role": "merchant_admin"}, expect=403),
                Call("a.operator", body={"username": "mole-9", "password": "correct-horse-9",
                                         "role": "platform_admin"}, expect=403)),
        owners(Call("a.admin2", body={"username": "night-m2", "password": "correct-horse-9", "role": "store_staff",
                                      "staff_id": "@sf2b"}, expect=201)),
    ),
    ("GET", "/users/{user_id}"): Case(
        attacks(Call("a.admin1", "u_admin2"), Call("a.admin1", "u_staff2"), Call("a.staff1", "u_admin1"),
                Call("b.operator", "u_admin1"), Call("a.operator", "u_bop"), Call("a.operator", "u_platform"),
                Call("a.key1", "u_admin1"), Call("a.member1", "u_staff1")),
        owners(Call("a.admin2", "u_staff2", expect=200), Call("a.staff2", "u_staff2", expect=200),
               Call("a.operator", "u_admin2", expect=200)),
    ),
    ("PATCH", "/users/{user_id}"): Case(
        attacks(Call("a.admin1", "u_admin2", {"display_name": "hijacked", "active": False}),
                Call("a.admin1", "u_staff2", {"password": "taken-over-99"}),
                Call("a.staff1", "u_admin1", {"active": False}),
                Call("b.operator", "u_aop", {"active": False}),
                Call("a.operator", "u_bop", {"active": False}),
                Call("a.operator", "u_platform", {"active": False}),
                Call("a.key1", "u_admin1", {"active": False}),
                Call("a.member1", "u_staff1", {"active": False}),
                Call("a.staff1", "u_staff1", {"active": False}, expect=403)),
        owners(Call("a.admin2", "u_staff2", {"display_name": "夜班"}, expect=200),
               Call("a.staff2", "u_staff2", {"display_name": "我自己"}, expect=200)),
    ),
    # --- API keys ---
    ("GET", "/merchants/{merchant_id}/api-keys"): Case(
        attacks(Call("b.operator", "m1"), Call("b.admin1", "m1"),
                Call("a.admin1", "m2", expect=200), Call("a.staff2", "m2", expect=200),
                Call("a.key1", "m2", expect=200), Call("a.key2", "m2", expect=200),
                Call("a.member1", "m1", expect=200)),
        owners(Call("a.admin2", "m2", expect=200), Call("a.operator", "m2", expect=200)),
    ),
    ("POST", "/merchants/{merchant_id}/api-keys"): Case(
        attacks(Call("a.admin1", "m2", {"name": "steal"}, expect=403),
                Call("a.staff2", "m2", {"name": "steal"}, expect=403),
                Call("a.key1", "m1", {"name": "steal"}, expect=403),
                Call("a.member1", "m1", {"name": "steal"}, expect=403),
                Call("b.operator", "m1", {"name": "steal"}), Call("b.admin1", "m1", {"name": "steal"})),
        owners(Call("a.admin2", "m2", {"name": "CRM"}, expect=201)),
    ),
    ("POST", "/api-keys/{key_id}/revoke"): Case(
        attacks(Call("a.admin1", "key2"), Call("a.staff2", "key2"), Call("a.key1", "key2"), Call("a.key2", "key2"),
                Call("b.operator", "key2"), Call("a.member1", "key1")),
        owners(Call("a.admin2", "key2", expect=200)),
    ),
    # --- alliances ---
    ("GET", "/alliances"): Case(
        attacks(Call("a.admin1", query={"q": "beta"}, expect=200), Call("b.operator", query={"q": "alpha"}, expect=200),
                Call("a.member1", query={"q": "beta"}, expect=200), Call("a.key1", query={"q": "beta"}, expect=200)),
        owners(Call("b.admin1", query={"q": "beta"}, expect=200), Call("platform", query={"q": "beta"}, expect=200)),
    ),
    ("POST", "/alliances"): Case(
        attacks(*(Call(who, body={"code": "shadow", "name": "影子联盟"}, expect=403)
                  for who in ("a.operator", "a.admin1", "a.staff1", "a.key1", "a.member1"))),
        owners(Call("platform", body={"code": "gamma", "name": "联盟 gamma"}, expect=201)),
    ),
    ("GET", "/alliances/{alliance_id}"): Case(
        attacks(Call("a.admin1", "beta"), Call("b.operator", "alpha"), Call("a.member1", "beta"),
                Call("a.key1", "beta"), Call("a.staff1", "beta")),
        owners(Call("a.admin1", "alpha", expect=200), Call("a.member1", "alpha", expect=200)),
    ),
    ("PATCH", "/alliances/{alliance_id}"): Case(
        attacks(Call("b.operator", "alpha", HIJACK), Call("a.admin1", "beta", HIJACK),
                *(Call(who, "alpha", HIJACK, expect=403) for who in ("a.admin1", "a.staff1", "a.key1", "a.member1"))),
        owners(Call("a.operator", "alpha", {"city": "广州"}, expect=200)),
    ),
    # --- merchants (the directory is alliance-wide; changing a merchant is its own or the operator's) ---
    ("GET", "/merchants"): Case(
        attacks(Call("b.operator", query={"q": "alpha"}, expect=200), Call("a.admin1", query={"q": "beta"}, expect=200),
                Call("a.member1", query={"q": "beta"}, expect=200)),
        owners(Call("a.admin1", query={"q": "alpha"}, expect=200), Call("b.admin1", query={"q": "beta"}, expect=200)),
    ),
    ("POST", "/merchants"): Case(
        attacks(*(Call(who, body={"name": "影子商户", "industry": "dining"}, expect=403)
                  for who in ("a.admin1", "a.staff1", "a.key1", "a.member1"))),
        owners(Call("a.operator", body={"name": "alpha merchant 4", "industry": "travel"}, expect=201)),
    ),
    ("GET", "/merchants/{merchant_id}"): Case(
        attacks(Call("b.operator", "m1"), Call("b.admin1", "m1"), Call("a.admin1", "bm"), Call("a.member1", "bm"),
                Call("a.key1", "bm")),
        owners(Call("a.admin1", "m2", expect=200), Call("a.member1", "m2", expect=200)),
    ),
    ("PATCH", "/merchants/{merchant_id}"): Case(
        attacks(Call("b.operator", "m1", {"description": "hijacked"}),
                Call("b.admin1", "m1", {"description": "hijacked"}),
                *(Call(who, "m2", {"description": "hijacked"}, expect=403)
                  for who in ("a.admin1", "a.staff2", "a.key1", "a.member1")),
                Call("a.admin1", "m1", {"status": "suspended"}, expect=403),
                Call("a.admin1", "m1", {"rating": 5}, expect=403)),
        owners(Call("a.admin2", "m2", {"description": "欢迎"}, expect=200),
               Call("a.key2", "m2", {"contact_name": "张三"}, expect=200)),
    ),
    # --- stores ---
    ("GET", "/stores"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@bm"}, expect=200),
                Call("b.operator", query={"merchant_id": "@m1"}, expect=200),
                Call("a.member1", query={"merchant_id": "@bm"}, expect=200)),
        owners(Call("a.admin1", query={"merchant_id": "@m2"}, expect=200)),
    ),
    ("POST", "/merchants/{merchant_id}/stores"): Case(
        attacks(Call("b.operator", "m1", STORE), Call("b.admin1", "m1", STORE),
                *(Call(who, "m2", STORE, expect=403) for who in ("a.admin1", "a.staff2", "a.key1", "a.member1")),
                Call("a.staff1", "m1", STORE, expect=403)),
        owners(Call("a.admin2", "m2", STORE, expect=201), Call("a.key1", "m1", STORE, expect=201)),
    ),
    ("GET", "/stores/{store_id}"): Case(
        attacks(Call("b.operator", "st1"), Call("a.admin1", "bst"), Call("a.member1", "bst"), Call("a.key1", "bst")),
        owners(Call("a.admin1", "st2", expect=200), Call("b.admin1", "bst", expect=200)),
    ),
    ("PATCH", "/stores/{store_id}"): Case(
        attacks(Call("b.operator", "st1", HIJACK), Call("b.admin1", "st1", HIJACK),
                *(Call(who, "st2", HIJACK, expect=403) for who in ("a.admin1", "a.staff2", "a.key1", "a.member1"))),
        owners(Call("a.admin2", "st2", {"district": "福田区"}, expect=200)),
    ),
    # --- staff (own merchant only) ---
    ("GET", "/staff"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.admin1", query={"store_id": "@st2"}, expect=200),
                Call("a.staff1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.key1", query={"merchant_id": "@m2"}, expect=200),
                Call("b.operator", query={"merchant_id": "@m1"}, expect=200),
                Call("a.member1", expect=200)),
        owners(Call("a.admin2", query={"merchant_id": "@m2"}, expect=200),
               Call("a.staff2", query={"store_id": "@st2"}, expect=200)),
    ),
    ("POST", "/merchants/{merchant_id}/staff"): Case(
        attacks(Call("b.operator", "m1", {"name": "内鬼"}), Call("b.admin1", "m1", {"name": "内鬼"}),
                *(Call(who, "m2", {"name": "内鬼"}, expect=403) for who in ("a.admin1", "a.staff2", "a.key1")),
                Call("a.staff1", "m1", {"name": "内鬼"}, expect=403),
                Call("a.member1", "m1", {"name": "内鬼"}, expect=403),
                Call("a.admin1", "m1", {"name": "内鬼", "store_id": "@st2"}, expect=422)),
        owners(Call("a.admin2", "m2", {"name": "收银 m2", "role": "cashier", "store_id": "@st2"}, expect=201)),
    ),
    ("GET", "/staff/{staff_id}"): Case(
        attacks(Call("a.admin1", "sf2"), Call("a.staff1", "sf2"), Call("a.key1", "sf2"), Call("b.operator", "sf1"),
                Call("a.operator", "bsf"), Call("a.member1", "sf1")),
        owners(Call("a.admin2", "sf2", expect=200), Call("a.staff2", "sf2b", expect=200),
               Call("a.operator", "sf2", expect=200)),
    ),
    ("PATCH", "/staff/{staff_id}"): Case(
        attacks(Call("a.admin1", "sf2", HIJACK), Call("a.key1", "sf2", HIJACK), Call("b.operator", "sf1", HIJACK),
                Call("a.member1", "sf1", HIJACK), Call("a.staff2", "sf2", HIJACK, expect=403),
                Call("a.admin1", "sf1", {"store_id": "@st2"}, expect=422)),
        owners(Call("a.admin2", "sf2", {"role": "manager"}, expect=200)),
    ),
    # --- members (only those a merchant brought in or enrolled) ---
    ("POST", "/members/lookup"): Case(
        attacks(Call("a.admin1", body={"phone": "@mb2_phone"}, expect=200),
                Call("a.key1", body={"phone": "@mb2_phone"}, expect=200),
                Call("a.member1", body={"phone": "@mb2_phone"}, expect=200),
                Call("b.operator", body={"phone": "@mb1_phone"}, expect=200),
                Call("a.admin1", body={"phone": "not-a-phone"}, expect=422)),
        owners(Call("a.admin2", body={"phone": "@mb2_phone"}, expect=200),
               Call("a.operator", body={"phone": "@mb2_phone"}, expect=200)),
    ),
    ("GET", "/members"): Case(
        attacks(Call("a.admin1", query={"origin_merchant_id": "@m2"}, expect=200),
                Call("a.admin1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.admin1", query={"phone": "@mb2_phone"}, expect=200),
                Call("a.admin1", query={"card_no": "@mb2_card"}, expect=200),
                Call("a.admin1", query={"q": "会员2"}, expect=200),
                Call("a.staff1", query={"origin_staff_id": "@sf2"}, expect=200),
                Call("a.key1", query={"phone": "@mb2_phone"}, expect=200),
                Call("a.member1", query={"card_no": "@mb2_card"}, expect=200),
                Call("b.operator", query={"card_no": "@mb1_card"}, expect=200),
                Call("b.operator", query={"origin_merchant_id": "@m1"}, expect=200)),
        owners(Call("a.admin2", query={"phone": "@mb2_phone"}, expect=200),
               Call("a.operator", query={"card_no": "@mb2_card"}, expect=200)),
    ),
    ("POST", "/members"): Case(
        attacks(Call("a.staff1", body={"phone": "13800000101", "origin_staff_id": "@sf2"}),
                Call("a.admin1", body={"phone": "13800000102", "origin_store_id": "@st2"}, expect=422),
                Call("b.operator", body={"phone": "13800000103", "origin_merchant_id": "@m1"}),
                Call("b.operator", body={"phone": "13800000104", "origin_staff_id": "@sf1"}),
                Call("a.admin1", body={"phone": "@mb2_phone", "name": "抢会员"}, expect=409),
                Call("a.member1", body={"phone": "13800000105"}, expect=403)),
        owners(Call("a.staff2", body={"phone": "13800000106", "name": "新会员"}, expect=201),
               Call("b.operator", body={"phone": "@mb1_phone", "name": "另一个联盟"}, expect=201)),
    ),
    ("GET", "/members/{member_id}"): Case(
        attacks(Call("a.admin1", "mb2"), Call("a.staff1", "mb2"), Call("a.key1", "mb2"), Call("a.member1", "mb2"),
                Call("b.operator", "mb1"), Call("b.admin1", "mb1"), Call("a.operator", "bmb")),
        owners(Call("a.admin2", "mb2", expect=200), Call("a.staff2", "mb2", expect=200),
               Call("a.member1", "mb1", expect=200), Call("a.key1", "mb1", expect=200)),
    ),
    ("PATCH", "/members/{member_id}"): Case(
        attacks(Call("a.admin1", "mb2", HIJACK), Call("a.staff1", "mb2", {"consent_marketing": False}),
                Call("a.key1", "mb2", HIJACK), Call("a.member1", "mb2", HIJACK), Call("b.operator", "mb1", HIJACK),
                Call("a.member1", "mb1", HIJACK, expect=403),
                Call("a.admin2", "mb2", {"status": "blocked"}, expect=403)),
        owners(Call("a.staff2", "mb2", {"name": "王女士"}, expect=200)),
    ),
    ("GET", "/members/{member_id}/card"): Case(
        attacks(Call("a.admin1", "mb2"), Call("a.staff1", "mb2"), Call("a.key1", "mb2"), Call("a.member1", "mb2"),
                Call("b.operator", "mb1")),
        owners(Call("a.admin2", "mb2", expect=200), Call("a.member1", "mb1", expect=200)),
    ),
    ("GET", "/members/{member_id}/card.svg"): Case(
        attacks(Call("a.admin1", "mb2"), Call("a.member1", "mb2"), Call("b.operator", "mb1"),
                Call("a.admin2", "mb2", expect=403), Call("a.key1", "mb1", expect=403)),
        owners(Call("a.member1", "mb1", expect=200), Call("a.operator", "mb2", expect=200)),
    ),
    ("POST", "/members/{member_id}/card/reissue"): Case(
        attacks(Call("a.admin1", "mb2"), Call("a.member1", "mb2"), Call("b.operator", "mb1"),
                Call("a.admin2", "mb2", expect=403), Call("a.staff2", "mb2", expect=403),
                Call("a.key1", "mb1", expect=403)),
        owners(Call("a.operator", "mb2", expect=200)),
    ),
    # --- memberships ---
    ("GET", "/memberships"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.admin1", query={"member_id": "@mb2"}, expect=200),
                Call("a.key1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.member1", query={"member_id": "@mb2"}, expect=200),
                Call("b.operator", query={"merchant_id": "@m1"}, expect=200)),
        owners(Call("a.admin2", query={"member_id": "@mb2"}, expect=200),
               Call("a.member1", query={"member_id": "@mb1"}, expect=200)),
    ),
    ("POST", "/memberships"): Case(
        attacks(Call("b.operator", body={"merchant_id": "@m1", "card_no": "@bmb_card"}),
                Call("b.operator", body={"merchant_id": "@bm", "card_no": "@mb1_card"}, expect=422),
                Call("b.admin1", body={"card_no": "@mb1_card"}, expect=422),
                Call("a.member1", body={"merchant_id": "@m2", "card_no": "@mb1_card"}, expect=403)),
        owners(Call("a.staff2", body={"card_no": "@mb3_card", "tier": "silver"}, expect=201)),
    ),
    ("GET", "/memberships/{membership_id}"): Case(
        attacks(Call("a.admin1", "ms2"), Call("a.staff1", "ms2"), Call("a.key1", "ms2"), Call("a.member1", "ms2"),
                Call("b.operator", "ms1")),
        owners(Call("a.admin2", "ms2", expect=200), Call("a.member1", "ms1", expect=200)),
    ),
    ("PATCH", "/memberships/{membership_id}"): Case(
        attacks(Call("a.admin1", "ms2", {"tier": "gold"}), Call("a.key1", "ms2", {"tier": "gold"}),
                Call("b.operator", "ms1", {"tier": "gold"}), Call("a.staff2", "ms2", {"tier": "gold"}, expect=403),
                Call("a.member1", "ms1", {"tier": "gold"}, expect=403)),
        owners(Call("a.admin2", "ms2", {"tier": "gold"}, expect=200)),
    ),
    # --- agreements (parties, plus alliance-wide ones) ---
    ("GET", "/agreements"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@m3"}, expect=200),
                Call("a.staff1", query={"merchant_id": "@m3"}, expect=200),
                Call("a.key1", query={"q": "agr23"}, expect=200),
                Call("b.operator", query={"q": "agr"}, expect=200),
                Call("a.member1", expect=200)),
        owners(Call("a.admin2", query={"merchant_id": "@m3"}, expect=200),
               Call("a.staff3", query={"q": "agr23"}, expect=200)),
    ),
    ("POST", "/agreements"): Case(
        attacks(Call("a.admin1", body={**AGREEMENT, "title": "越界", "merchant_b_id": "@bm"}),
                Call("a.key1", body={**AGREEMENT, "title": "越界", "merchant_b_id": "@bm"}),
                Call("b.operator", body={**AGREEMENT, "title": "越界", "merchant_a_id": "@m1",
                                         "merchant_b_id": "@m2"}),
                Call("b.admin1", body={**AGREEMENT, "title": "越界", "merchant_b_id": "@m1"}),
                Call("a.staff1", body={**AGREEMENT, "title": "越界", "merchant_b_id": "@m2"}, expect=403),
                Call("a.admin1", body={**AGREEMENT, "title": "全盟"}, expect=403),
                Call("a.member1", body={**AGREEMENT, "title": "越界", "merchant_b_id": "@m2"}, expect=403)),
        owners(Call("a.admin2", body={**AGREEMENT, "title": "m2 × m3 第二期", "merchant_b_id": "@m3"}, expect=201)),
    ),
    ("GET", "/agreements/{agreement_id}"): Case(
        attacks(Call("a.admin1", "agr23"), Call("a.staff1", "agr23"), Call("a.key1", "agr23"),
                Call("b.operator", "agr23"), Call("b.admin1", "agr_wide"), Call("a.member1", "agr12"),
                Call("a.operator", "b_wide")),
        owners(Call("a.admin2", "agr23", expect=200), Call("a.staff3", "agr23", expect=200),
               Call("a.admin1", "agr_wide", expect=200)),
    ),
    ("PATCH", "/agreements/{agreement_id}"): Case(
        attacks(Call("a.admin1", "agr23", {"title": "hijacked"}), Call("a.key1", "agr23", {"title": "hijacked"}),
                Call("b.operator", "agr23", {"title": "hijacked"}), Call("b.admin1", "agr_wide", {"title": "hijacked"}),
                Call("a.member1", "agr12", {"title": "hijacked"}),
                Call("a.staff2", "agr23", {"title": "hijacked"}, expect=403),
                Call("a.admin1", "agr_wide", {"title": "hijacked"}, expect=403)),
        owners(Call("a.admin2", "agr23", {"notes": "见附件"}, expect=200),
               Call("a.admin3", "agr23", {"return_window_days": 14}, expect=200)),
    ),
    ("POST", "/agreements/{agreement_id}/transitions"): Case(
        attacks(Call("a.admin1", "agr23", {"action": "propose"}), Call("a.key1", "agr23", {"action": "terminate"}),
                Call("b.operator", "agr23", {"action": "terminate"}), Call("a.member1", "agr12", {"action": "propose"}),
                Call("a.staff2", "agr23", {"action": "propose"}, expect=403),
                Call("a.admin3", "agr23", {"action": "propose"}, expect=403),
                Call("a.admin1", "agr_wide", {"action": "terminate"}, expect=403)),
        owners(Call("a.admin2", "agr23", {"action": "propose"}, expect=200),
               Call("a.admin3", "agr23", {"action": "accept"}, expect=200)),
    ),
    ("POST", "/agreements/{agreement_id}/counter-offers"): Case(
        attacks(Call("a.admin1", "agr23", {"return_window_days": 14}), Call("a.key1", "agr23", {"notes": "x"}),
                Call("b.operator", "agr23", {"notes": "x"}), Call("a.member1", "agr12", {"notes": "x"}),
                Call("a.staff2", "agr23", {"notes": "x"}, expect=403),
                Call("a.admin1", "agr_wide", {"notes": "x"}, expect=403)),
        # agr23 is a draft: its party reaches the status flow, which has nothing to counter yet
        owners(Call("a.admin3", "agr23", {"return_window_days": 14}, expect=409)),
    ),
    ("GET", "/agreements/{agreement_id}/events"): Case(
        attacks(Call("a.admin1", "agr23"), Call("a.staff1", "agr23"), Call("a.key1", "agr23"),
                Call("b.operator", "agr23"), Call("a.member1", "agr12")),
        owners(Call("a.admin2", "agr23", expect=200), Call("a.staff3", "agr23", expect=200)),
    ),
    # --- orders, refunds, top-ups ---
    ("POST", "/orders"): Case(
        attacks(Call("a.admin1", body={"external_id": "X1", "member_id": "@mb2", "amount_fen": 100}),
                Call("a.staff1", body={"external_id": "X2", "member_id": "@mb2", "amount_fen": 100,
                                       "merchant_id": "@m2"}),
                Call("b.operator", body={"external_id": "X3", "member_id": "@mb1", "amount_fen": 100,
                                         "merchant_id": "@m1"}),
                Call("a.key1", body={"external_id": "X4", "member_id": "@bmb", "amount_fen": 100}),
                Call("a.member1", body={"external_id": "X5", "member_id": "@mb1", "amount_fen": 100,
                                        "merchant_id": "@m1"}, expect=403)),
        owners(Call("a.staff2", body={"external_id": "O-2", "member_id": "@mb2", "amount_fen": 100}, expect=201)),
    ),
    ("POST", "/orders/batch"): Case(
        attacks(Call("a.admin1", body={"orders": [{"external_id": "X1", "member_id": "@mb2", "amount_fen": 100}]},
                     expect=200),
                Call("a.staff1", body={"orders": [{"external_id": "X2", "member_id": "@mb2", "amount_fen": 100,
                                                   "merchant_id": "@m2"}]}, expect=200),
                Call("b.operator", body={"orders": [{"external_id": "X3", "member_id": "@mb1", "amount_fen": 100,
                                                     "merchant_id": "@m1"}]}, expect=200),
                Call("a.key1", body={"orders": [{"external_id": "X4", "member_id": "@bmb", "amount_fen": 100}]},
                     expect=200),
                Call("a.member1", body={"orders": [{"external_id": "X5", "member_id": "@mb1", "amount_fen": 100,
                                                    "merchant_id": "@m1"}]}, expect=403)),
        owners(Call("a.staff2", body={"orders": [{"external_id": "OB-2", "member_id": "@mb2", "amount_fen": 100}]},
                    expect=200)),
    ),
    # --- coupons, benefits, claim links, redemptions ---
    ("POST", "/coupon-templates"): Case(
        attacks(Call("a.staff2", body={"name": "x", "kind": "amount_off", "amount_fen": 100}, expect=403),
                Call("b.operator", body={"name": "x", "kind": "amount_off", "amount_fen": 100,
                                         "owner_merchant_id": "@m1"}),
                Call("a.admin1", body={"name": "x", "kind": "amount_off", "amount_fen": 100,
                                       "accepted_merchant_ids": ["@bm"], "acceptance": "selected"}),
                Call("a.member1", body={"name": "x", "kind": "amount_off", "amount_fen": 100}, expect=403)),
        owners(Call("a.admin2", body={"name": "新券", "kind": "amount_off", "amount_fen": 100}, expect=201)),
    ),
    ("GET", "/coupon-templates"): Case(
        attacks(Call("b.operator", query={"owner_merchant_id": "@m2"}, expect=200),
                Call("b.admin1", query={"owner_merchant_id": "@m1"}, expect=200)),
        owners(Call("a.staff1", query={"owner_merchant_id": "@m2"}, expect=200),
               Call("a.member1", expect=200)),
    ),
    ("GET", "/coupon-templates/{template_id}"): Case(
        attacks(Call("b.operator", "tpl2"), Call("b.admin1", "tpl2"), Call("b.staff1", "tpl1")),
        owners(Call("a.staff1", "tpl2", expect=200), Call("a.operator", "tpl1", expect=200)),
    ),
    ("PATCH", "/coupon-templates/{template_id}"): Case(
        attacks(Call("a.admin1", "tpl2", {"status": "paused"}, expect=403),
                Call("a.staff2", "tpl2", {"status": "paused"}, expect=403),
                Call("b.operator", "tpl2", {"status": "paused"}),
                Call("a.member1", "tpl1", {"status": "paused"}, expect=403)),
        owners(Call("a.admin2", "tpl2", {"description": "满100可用"}, expect=200),
               Call("a.operator", "tpl1", {"status": "paused"}, expect=200)),
    ),
    ("POST", "/coupons/issue"): Case(
        attacks(Call("a.staff3", body={"template_id": "@tpl2", "member_id": "@mb2"}),
                Call("b.staff1", body={"template_id": "@tpl2", "member_id": "@bmb"}),
                Call("a.staff1", body={"template_id": "@tpl2", "member_id": "@bmb"}),
                Call("a.member1", body={"template_id": "@tpl1", "member_id": "@mb1"}, expect=403)),
        owners(Call("a.staff2", body={"template_id": "@tpl2", "member_id": "@mb2"}, expect=201)),
    ),
    ("GET", "/coupons"): Case(
        attacks(Call("a.admin1", query={"member_id": "@mb2"}, expect=200),
                Call("a.admin3", expect=200), Call("b.operator", expect=200),
                Call("a.member1", query={"member_id": "@mb2"}, expect=200)),
        owners(Call("a.admin2", query={"member_id": "@mb2"}, expect=200), Call("a.member1", expect=200)),
    ),
    ("GET", "/coupons/{coupon_id}"): Case(
        attacks(*(Call(who, "cpn2") for who in ("a.admin1", "a.staff3", "a.key1", "b.operator", "a.member1"))),
        owners(Call("a.staff2", "cpn2", expect=200), Call("a.operator", "cpn2", expect=200)),
    ),
    ("POST", "/coupons/{coupon_id}/claim"): Case(
        attacks(Call("a.member1", "cpn2"), Call("b.operator", "cpn1"), Call("a.staff3", "cpn1"),
                Call("a.staff1", "cpn1", expect=403)),
        owners(Call("a.member1", "cpn1", expect=200)),
    ),
    ("POST", "/coupon-templates/{template_id}/take"): Case(
        attacks(Call("a.staff1", "tpl2", expect=403), Call("b.operator", "tpl2", expect=403),
                Call("a.key1", "tpl2", expect=403), Call("a.member1", "bnf2", expect=422)),
        owners(Call("a.member1", "tpl2", expect=201)),
    ),
    ("POST", "/coupons/validate"): Case(
        attacks(Call("b.staff1", body={"code": "@cpn2_code"}, expect=200),
                Call("a.staff3", body={"code": "@cpn2_code"}, expect=200),
                Call("a.member1", body={"code": "@cpn2_code"}, expect=403)),
        owners(Call("a.staff2", body={"code": "@cpn2_code"}, expect=200)),
    ),
    ("POST", "/coupons/redeem"): Case(
        attacks(Call("b.staff1", body={"code": "@cpn2_code"}, expect=422),
                Call("a.staff3", body={"code": "@cpn2_code"}, expect=422),
                Call("a.staff1", body={"code": "@cpn2_code"}, expect=422),
                Call("a.member1", body={"code": "@cpn2_code"}, expect=403)),
        owners(Call("a.staff2", body={"code": "@cpn2_code", "bill_fen": 5_000}, expect=201)),
    ),
    ("GET", "/redemptions"): Case(
        attacks(Call("a.admin1", query={"member_id": "@mb2"}, expect=200), Call("a.admin3", expect=200),
                Call("b.operator", expect=200), Call("a.member1", expect=200)),
        owners(Call("a.admin2", expect=200), Call("a.operator", query={"merchant_id": "@m2"}, expect=200)),
    ),
    ("GET", "/redemptions/{redemption_id}"): Case(
        attacks(*(Call(who, "red2") for who in ("a.admin1", "a.staff3", "a.key1", "b.operator", "a.member1"))),
        owners(Call("a.staff2", "red2", expect=200), Call("a.operator", "red2", expect=200)),
    ),
    ("POST", "/redemptions/{redemption_id}/order"): Case(
        attacks(*(Call(who, "red2", {"external_id": "RO-x", "amount_fen": 1_000})
                  for who in ("a.staff1", "a.staff3", "b.operator", "a.member1"))),
        owners(Call("a.staff2", "red2", {"external_id": "RO-1", "amount_fen": 1_000}, expect=201)),
    ),
    ("POST", "/claim-links"): Case(
        attacks(Call("b.staff1", body={"template_id": "@tpl2"}),
                Call("a.member1", body={"template_id": "@tpl2"}, expect=403),
                Call("a.operator", body={"template_id": "@tpl2"}, expect=403)),
        owners(Call("a.staff1", body={"template_id": "@tpl2"}, expect=201)),
    ),
    ("POST", "/counter/lookup"): Case(
        attacks(Call("b.staff1", body={"card_no": "@mb1_card"}, expect=400),
                Call("a.member1", body={"card_no": "@mb1_card"}, expect=403)),
        owners(Call("a.staff2", body={"card_no": "@mb1_card"}, expect=200)),
    ),
    ("POST", "/benefits/{template_id}/redeem"): Case(
        attacks(Call("a.staff3", "bnf2", {"card_no": "@mb1_card"}, expect=422),
                Call("b.staff1", "bnf2", {"card_no": "@bmb_card"}),
                Call("a.staff2", "bnf2", {"card_no": "@mb3_card"}, expect=422),
                Call("a.member1", "bnf2", {"card_no": "@mb1_card"}, expect=403)),
        owners(Call("a.staff2", "bnf2", {"card_no": "@mb1_card"}, expect=201)),
    ),
    # --- referral reports (members: 403) and feedback ---
    ("GET", "/referrals/funnel"): Case(
        # m1 is not named here: an order at m2 credited to m1 is m1's referral (its revenue, as its commission)
        attacks(Call("a.admin3", query={"receiving_merchant_id": "@m2"}, expect=200),
                Call("a.admin3", expect=200), Call("a.staff3", query={"referrer_merchant_id": "@m2"}, expect=200),
                Call("a.key1", query={"referrer_merchant_id": "@m2", "group": "week"}, expect=200),
                Call("b.operator", query={"receiving_merchant_id": "@m2"}, expect=200),
                Call("b.admin1", expect=200), Call("a.member1", expect=403), Call("a.member2", expect=403)),
        owners(Call("a.admin2", expect=200), Call("a.staff2", query={"group": "week"}, expect=200),
               Call("a.operator", query={"receiving_merchant_id": "@m2"}, expect=200)),
    ),
    # --- the audit trail: the operator's alliance, a merchant admin's own merchant's actions, nobody else's ---
    ("GET", "/audit-events"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha"}, expect=200),
                Call("b.admin1", query={"actor": "op-alpha"}, expect=200),
                Call("a.admin1", query={"actor": "op-alpha"}, expect=200),
                Call("a.admin1", query={"actor": "admin-alpha-2"}, expect=200),
                Call("a.staff1", expect=200), Call("a.key1", expect=200), Call("a.member1", expect=200)),
        owners(Call("a.operator", expect=200), Call("a.admin1", expect=200), Call("platform", expect=200)),
    ),
    ("GET", "/audit-events/export"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha", "format": "csv"}, expect=200),
                Call("a.admin1", query={"actor": "op-alpha", "format": "csv"}, expect=200),
                Call("a.staff1", query={"format": "csv"}, expect=200),
                Call("a.member1", query={"format": "csv"}, expect=200)),
        owners(Call("a.operator", query={"format": "xlsx"}, expect=200),
               Call("a.admin1", query={"format": "csv"}, expect=200)),
    ),
    ("GET", "/referrals/funnel/export"): Case(
        attacks(Call("a.admin3", query={"receiving_merchant_id": "@m2", "format": "csv"}, expect=200),
                Call("a.admin3", query={"format": "csv"}, expect=200),
                Call("b.operator", query={"format": "csv", "receiving_merchant_id": "@m2"}, expect=200),
                Call("a.member1", query={"format": "csv"}, expect=403)),
        owners(Call("a.admin2", query={"format": "xlsx"}, expect=200),
               Call("a.operator", query={"format": "csv"}, expect=200)),
    ),
    ("GET", "/referrals/flows"): Case(
        attacks(Call("a.admin3", expect=200), Call("b.operator", expect=200), Call("b.admin1", expect=200),
                Call("a.member1", expect=403)),
        owners(Call("a.operator", expect=200), Call("a.admin2", expect=200)),
    ),
    # --- customer overlap: a merchant's own (its admin, its integration key, the operator); the operator's matrix ---
    ("GET", "/overlap/merchants/{merchant_id}"): Case(
        attacks(Call("b.operator", "m1"), Call("b.admin1", "m1"), Call("a.admin1", "bm"), Call("a.key1", "bm"),
                *(Call(who, "m2", expect=403) for who in ("a.admin1", "a.staff2", "a.key1", "a.member2"))),
        owners(Call("a.admin2", "m2", expect=200), Call("a.key1", "m1", expect=200),
               Call("a.operator", "m2", expect=200), Call("b.admin1", "bm", expect=200)),
    ),
    ("GET", "/overlap/merchants/{merchant_id}/export"): Case(
        attacks(Call("b.operator", "m1", query={"format": "csv"}), Call("a.admin1", "bm", query={"format": "csv"}),
                *(Call(who, "m2", query={"format": "csv"}, expect=403) for who in ("a.admin1", "a.staff2",
                                                                                 "a.member2"))),
        owners(Call("a.admin2", "m2", query={"format": "xlsx"}, expect=200),
               Call("a.operator", "m2", query={"format": "csv"}, expect=200)),
    ),
    ("GET", "/overlap/matrix"): Case(
        attacks(*(Call(who, expect=403) for who in ("a.admin1", "a.staff1", "a.key1", "a.member1")),
                Call("platform", query={"alliance_id": MISSING})),
        owners(Call("a.operator", expect=200), Call("b.operator", expect=200)),
    ),
    ("POST", "/overlap/refresh"): Case(
        attacks(*(Call(who, expect=403) for who in ("a.admin1", "a.staff1", "a.key1", "a.member1")),
                Call("platform", query={"alliance_id": MISSING})),
        owners(Call("a.operator", expect=200)),
    ),
    # --- member value: a merchant reads its own members' values; the settings are the operator's ---
    ("GET", "/members/{member_id}/value"): Case(
        attacks(Call("a.admin1", "mb2"), Call("a.staff1", "mb2"), Call("a.key1", "mb2"), Call("a.member1", "mb2"),
                Call("a.member1", "mb1"), Call("b.operator", "mb1"), Call("b.admin1", "mb1"),
                Call("a.operator", "bmb")),
        owners(Call("a.admin2", "mb2", expect=200), Call("a.staff2", "mb2", expect=200),
               Call("a.key1", "mb1", expect=200), Call("a.operator", "mb1", expect=200)),
    ),
    ("GET", "/value-model/settings"): Case(
        attacks(*(Call(who, expect=403) for who in ("a.admin1", "a.staff1", "a.key1", "a.member1")),
                Call("platform", query={"alliance_id": MISSING})),
        owners(Call("a.operator", expect=200), Call("b.operator", expect=200)),
    ),
    ("PUT", "/value-model/settings"): Case(
        attacks(*(Call(who, body={"window_days": 90}, expect=403) for who in ("a.admin1", "a.staff1", "a.key1",
                                                                               "a.member1")),
                Call("platform", body={"window_days": 90}, query={"alliance_id": MISSING}),
                Call("a.operator", body={"window_days": 29}, expect=422)),
        owners(Call("a.operator", body={"window_days": 180}, expect=200)),
    ),
    ("GET", "/values/summary"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@m2"}, expect=403), Call("a.member1", expect=403),
                Call("b.operator", query={"merchant_id": "@m1"}), Call("platform", query={"alliance_id": MISSING})),
        owners(Call("a.admin1", expect=200), Call("a.key1", expect=200), Call("a.operator", expect=200),
               Call("a.operator", query={"merchant_id": "@m2"}, expect=200)),
    ),
    ("GET", "/referrals/leaderboard"): Case(
        attacks(Call("a.admin3", query={"by": "staff"}, expect=200),
                Call("a.key1", query={"by": "staff", "at": "2020-01-01"}, expect=200),
                Call("b.operator", query={"by": "merchant"}, expect=200),
                Call("b.admin1", query={"by": "staff", "metric": "earnings"}, expect=200),
                Call("a.member1", expect=403), Call("a.member2", query={"by": "staff"}, expect=403)),
        owners(Call("a.admin3", query={"by": "merchant"}, expect=200),
               Call("a.staff1", query={"by": "staff", "metric": "earnings"}, expect=200),
               Call("a.operator", query={"by": "staff", "period": "month"}, expect=200)),
    ),
    ("GET", "/distance-decay"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha"}), Call("b.admin1", query={"alliance_id": "@alpha"}),
                Call("a.staff1", expect=403), Call("a.member1", expect=403),
                Call("a.operator", query={"scope": "own"}, expect=422)),
        owners(Call("a.operator", expect=200), Call("a.admin2", query={"scope": "own"}, expect=200),
               Call("a.key1", expect=200)),
    ),
    ("POST", "/redemptions/{redemption_id}/feedback"): Case(
        attacks(*(Call(who, "red2b", {"rating": 5})
                  for who in ("a.admin1", "a.staff3", "a.key1", "b.operator", "b.admin1", "a.member1")),
                *(Call(who, "red2b", {"rating": 5}, expect=403)
                  for who in ("a.admin2", "a.staff2", "a.key2", "a.operator", "platform")),
                Call("a.member2", "red2", {"rating": 5}, expect=409)),
        owners(Call("a.member2", "red2b", {"rating": 4, "comment": "服务很好"}, expect=201)),
    ),
    ("GET", "/feedback"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.staff3", query={"complaints_only": True}, expect=200),
                Call("a.key1", query={"referrer_merchant_id": "@m2"}, expect=200),
                Call("b.operator", query={"merchant_id": "@m2"}, expect=200),
                Call("b.admin1", expect=200), Call("a.member1", expect=200)),
        owners(Call("a.admin2", query={"complaints_only": True}, expect=200), Call("a.staff2", expect=200),
               Call("a.member2", expect=200), Call("a.operator", query={"merchant_id": "@m2"}, expect=200)),
    ),
    # --- joint campaigns (联合营销活动): cmp = m1 + m2, run by a.operator; creg1 = mb1's registration ---
    ("POST", "/campaigns"): Case(
        attacks(Call("a.staff1", body=CAMPAIGN, expect=403), Call("a.member1", body=CAMPAIGN, expect=403),
                Call("b.staff1", body=CAMPAIGN, expect=403)),
        owners(Call("a.operator", body=CAMPAIGN, expect=201), Call("a.admin3", body=CAMPAIGN, expect=201)),
    ),
    ("GET", "/campaigns"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin3", "a.staff3", "b.admin1", "b.staff1", "a.member2"))),
        owners(Call("a.operator", expect=200), Call("a.admin2", expect=200), Call("a.member1", expect=200)),
    ),
    ("GET", "/campaigns/{campaign_id}"): Case(
        attacks(*(Call(who, "cmp") for who in ("a.admin3", "a.staff3", "b.operator", "b.admin1", "a.member2")),
                Call("a.operator", "bcmp")),
        owners(Call("a.admin2", "cmp", expect=200), Call("a.key1", "cmp", expect=200),
               Call("a.member1", "cmp", expect=200)),
    ),
    ("POST", "/campaigns/{campaign_id}/status"): Case(
        attacks(Call("a.admin3", "cmp", {"status": "closed"}), Call("b.operator", "cmp", {"status": "closed"}),
                Call("a.operator", "bcmp", {"status": "active"}),
                Call("a.admin1", "cmp", {"status": "closed"}, expect=403),
                Call("a.member1", "cmp", {"status": "closed"}, expect=403)),
        owners(Call("a.operator", "cmp", {"status": "closed"}, expect=200)),
    ),
    ("POST", "/campaigns/{campaign_id}/merchants"): Case(
        attacks(Call("a.admin3", "cmp", {"merchant_id": "@m3", "contribution_fen": 100}),
                Call("b.operator", "cmp", {"merchant_id": "@m3", "contribution_fen": 100}),
                Call("a.admin1", "cmp", {"merchant_id": "@m3", "contribution_fen": 100}, expect=403),
                Call("a.operator", "cmp", {"merchant_id": "@m1", "contribution_fen": 100}, expect=409)),
        owners(Call("a.operator", "cmp", {"merchant_id": "@m3", "contribution_fen": 100}, expect=201)),
    ),
    ("POST", "/campaigns/{campaign_id}/costs"): Case(
        attacks(Call("a.admin3", "cmp", COST), Call("b.operator", "cmp", COST),
                Call("a.admin2", "cmp", COST, expect=403), Call("a.member1", "cmp", COST, expect=403),
                Call("a.operator", "cmp", {**COST, "paid_by_merchant_id": "@bm"}, expect=422)),
        owners(Call("a.operator", "cmp", {**COST, "paid_by_merchant_id": "@m2"}, expect=201)),
    ),
    ("POST", "/campaigns/{campaign_id}/registrations"): Case(
        attacks(Call("a.staff3", "cmp", {"member_id": "@mb3"}), Call("b.staff1", "cmp", {"member_id": "@bmb"}),
                Call("a.member2", "bcmp", {}), Call("a.member1", "cmp", {}, expect=409),
                Call("a.member1", "cmp", {"member_id": "@mb2"}, expect=403)),
        owners(Call("a.staff2", "cmp", {"member_id": "@mb2"}, expect=201)),
    ),
    ("GET", "/campaigns/{campaign_id}/registrations"): Case(
        attacks(*(Call(who, "cmp", expect=200) for who in ("a.admin3", "a.staff3", "b.operator", "a.member2"))),
        owners(Call("a.admin2", "cmp", expect=200), Call("a.member1", "cmp", expect=200)),
    ),
    ("POST", "/campaign-registrations/{registration_id}/check-in"): Case(
        attacks(Call("a.staff3", "creg1"), Call("b.staff1", "creg1"), Call("b.operator", "creg1"),
                Call("a.operator", "creg1", expect=403), Call("a.member1", "creg1", expect=403)),
        owners(Call("a.staff2", "creg1", expect=200)),
    ),
    ("POST", "/campaigns/{campaign_id}/gift-packages"): Case(
        attacks(Call("a.admin3", "cmp", PACKAGE), Call("b.operator", "cmp", PACKAGE),
                Call("a.admin2", "cmp", PACKAGE, expect=403), Call("a.member1", "cmp", PACKAGE, expect=403)),
        owners(Call("a.operator", "cmp", PACKAGE, expect=201)),
    ),
    ("GET", "/campaigns/{campaign_id}/gift-packages"): Case(
        attacks(*(Call(who, "cmp", expect=200) for who in ("a.admin3", "b.operator", "b.admin1", "a.member2"))),
        owners(Call("a.staff1", "cmp", expect=200), Call("a.member1", "cmp", expect=200)),
    ),
    ("POST", "/gift-packages/{package_id}/claim"): Case(
        attacks(Call("a.staff3", "pkg", {"member_id": "@mb3"}), Call("b.staff1", "pkg", {"member_id": "@bmb"}),
                Call("a.operator", "pkg", {"member_id": "@mb1"}, expect=403),
                Call("a.member1", "pkg", {"member_id": "@mb1"}, expect=403),
                Call("a.staff2", "pkg", {"member_id": "@mb2"}, expect=422)),
        owners(Call("a.staff1", "pkg", {"member_id": "@mb1"}, expect=201)),
    ),
    ("GET", "/campaigns/{campaign_id}/report"): Case(
        attacks(*(Call(who, "cmp") for who in ("a.admin3", "a.staff3", "b.operator", "b.admin1", "a.member2")),
                Call("a.operator", "bcmp"), Call("a.member1", "cmp", expect=403)),
        owners(Call("a.admin2", "cmp", expect=200), Call("a.operator", "cmp", expect=200)),
    ),
    # --- joint cards (联合储值卡) ---
    ("POST", "/joint-card-products"): Case(
        attacks(Call("a.staff1", body=JOINT_PRODUCT, expect=403), Call("a.member1", body=JOINT_PRODUCT, expect=403),
                Call("a.admin2", body={**JOINT_PRODUCT, "lead_merchant_id": "@m1"}, expect=403),
                Call("b.operator", body=JOINT_PRODUCT, expect=422)),
        owners(Call("a.operator", body=JOINT_PRODUCT, expect=201), Call("a.admin1", body=JOINT_PRODUCT, expect=201)),
    ),
    ("GET", "/joint-card-products"): Case(
        attacks(Call("b.operator", expect=200), Call("b.admin1", query={"merchant_id": "@m1"}, expect=200)),
        owners(Call("a.admin3", expect=200), Call("a.member1", expect=200)),
    ),
    ("GET", "/joint-card-products/{product_id}"): Case(
        attacks(*(Call(who, "jp") for who in ("b.operator", "b.admin1", "b.staff1"))),
        owners(Call("a.admin3", "jp", expect=200), Call("a.member1", "jp", expect=200)),
    ),
    ("PATCH", "/joint-card-products/{product_id}"): Case(
        attacks(Call("b.operator", "jp", {"name": "改名"}), Call("a.admin1", "jp", {"name": "改名"}, expect=403),
                Call("a.staff1", "jp", {"name": "改名"}, expect=403),
                Call("a.member1", "jp", {"name": "改名"}, expect=403)),
        owners(Call("a.operator", "jp", {"name": "城市生活联名卡·新"}, expect=200)),
    ),
    ("DELETE", "/joint-card-products/{product_id}/tiers/{tier_id}"): Case(
        attacks(Call("b.operator", "jp/jtier"), Call("a.admin1", "jp/jtier", expect=403),
                Call("a.staff1", "jp/jtier", expect=403), Call("a.member1", "jp/jtier", expect=403)),
        owners(Call("a.operator", "jp/jtier", expect=409)),  # reached the rule: its one tier is sold (and the last)
    ),
    ("POST", "/joint-card-products/{product_id}/pause"): Case(
        attacks(Call("b.operator", "jp"), Call("a.admin1", "jp", expect=403), Call("a.staff2", "jp", expect=403),
                Call("a.member1", "jp", expect=403)),
        owners(Call("a.operator", "jp", expect=200)),
    ),
    ("POST", "/joint-card-products/{product_id}/resume"): Case(
        attacks(Call("b.operator", "jp"), Call("a.admin2", "jp", expect=403), Call("a.member1", "jp", expect=403)),
        owners(Call("a.operator", "jp", expect=200)),
    ),
    ("POST", "/joint-cards/sales"): Case(
        attacks(Call("a.staff3", body={"external_id": "X", "tier_id": "@jtier", "member_id": "@mb3"}, expect=403),
                Call("b.staff1", body={"external_id": "X", "tier_id": "@jtier", "member_id": "@bmb"}, expect=422),
                Call("a.staff2", body={"external_id": "X", "tier_id": "@jtier", "member_id": "@mb1"}),
                Call("a.member1", body={"external_id": "X", "tier_id": "@jtier", "member_id": "@mb1"}, expect=403)),
        owners(Call("a.staff1", body={"external_id": "JC-2", "tier_id": "@jtier", "member_id": "@mb1"}, expect=201)),
    ),
    ("GET", "/joint-cards"): Case(
        attacks(Call("a.admin3", expect=200), Call("a.staff3", query={"member_id": "@mb1"}, expect=200),
                Call("b.operator", expect=200), Call("a.member2", query={"member_id": "@mb1"}, expect=200)),
        owners(Call("a.staff1", expect=200), Call("a.staff2", expect=200), Call("a.member1", expect=200)),
    ),
    ("GET", "/joint-cards/{card_id}"): Case(
        attacks(*(Call(who, "jcard") for who in ("a.admin3", "a.staff3", "b.operator", "a.member2"))),
        owners(Call("a.member1", "jcard", expect=200), Call("a.staff2", "jcard", expect=200),
               Call("a.operator", "jcard", expect=200)),
    ),
    ("GET", "/joint-cards/{card_id}/uses"): Case(
        attacks(*(Call(who, "jcard") for who in ("a.staff3", "b.operator", "a.member2"))),
        owners(Call("a.member1", "jcard", expect=200), Call("a.staff2", "jcard", expect=200)),
    ),
    ("POST", "/joint-cards/{card_id}/consume"): Case(
        attacks(Call("a.staff3", "jcard", {"component_id": "@jc_m1"}),
                Call("b.staff1", "jcard", {"component_id": "@jc_m1"}),
                Call("a.staff1", "jcard", {"component_id": "@jc_m2"}, expect=403),
                Call("a.member1", "jcard", {"component_id": "@jc_m1"}, expect=403),
                Call("a.staff2", "jcard", {"component_id": "@jc_m2", "units": 5}, expect=409)),
        owners(Call("a.staff2", "jcard", {"component_id": "@jc_m2"}, expect=201)),
    ),
    ("POST", "/joint-cards/{card_id}/refund"): Case(
        attacks(Call("a.staff3", "jcard", {}), Call("b.operator", "jcard", {}),
                Call("a.staff2", "jcard", {}, expect=403), Call("a.member1", "jcard", {}, expect=403)),
        owners(Call("a.staff1", "jcard", {"reason": "退卡"}, expect=200)),
    ),
    # --- group buys (拼团) ---
    ("POST", "/group-buys"): Case(
        attacks(Call("a.staff1", body=GROUP_BUY, expect=403), Call("a.member1", body=GROUP_BUY, expect=403),
                Call("a.admin2", body={**GROUP_BUY, "seller_merchant_id": "@m1"}, expect=403),
                Call("b.operator", body={**GROUP_BUY, "seller_merchant_id": "@bm"}, expect=422)),
        owners(Call("a.operator", body={**GROUP_BUY, "seller_merchant_id": "@m1"}, expect=201),
               Call("a.admin1", body=GROUP_BUY, expect=201)),
    ),
    ("GET", "/group-buys"): Case(
        attacks(Call("b.operator", expect=200), Call("a.admin3", expect=200), Call("b.member1", expect=200)),
        owners(Call("a.admin1", expect=200), Call("a.member1", expect=200), Call("a.operator", expect=200)),
    ),
    ("GET", "/group-buys/{offer_id}"): Case(
        attacks(*(Call(who, "gb") for who in ("b.operator", "b.admin1", "a.admin3", "a.staff2", "b.member1"))),
        owners(Call("a.admin1", "gb", expect=200), Call("a.member2", "gb", expect=200)),
    ),
    ("PATCH", "/group-buys/{offer_id}"): Case(
        attacks(Call("b.operator", "gb", HIJACK), Call("a.admin2", "gb", HIJACK),
                Call("a.staff1", "gb", HIJACK, expect=403), Call("a.member1", "gb", HIJACK, expect=403)),
        owners(Call("a.admin1", "gb", {"name": "精洗两次 三人团·新"}, expect=200)),
    ),
    ("POST", "/group-buys/{offer_id}/pause"): Case(
        attacks(Call("b.operator", "gb"), Call("a.admin3", "gb"), Call("a.staff1", "gb", expect=403),
                Call("a.member1", "gb", expect=403)),
        owners(Call("a.operator", "gb", expect=200), Call("a.admin1", "gb", expect=200)),
    ),
    ("POST", "/group-buys/{offer_id}/resume"): Case(
        attacks(Call("b.operator", "gb"), Call("a.staff1", "gb", expect=403), Call("a.member1", "gb", expect=403)),
        owners(Call("a.admin1", "gb", expect=200)),
    ),
    ("PUT", "/group-buys/{offer_id}/distribution"): Case(
        attacks(Call("b.operator", "gb", {"points": 99}), Call("a.admin2", "gb", {"points": 99}),
                Call("a.staff1", "gb", {"points": 99}, expect=403),
                Call("a.member1", "gb", {"points": 99}, expect=403)),
        owners(Call("a.admin1", "gb", {"points": 20}, expect=200),
               Call("a.operator", "gb", {"points": 30}, expect=200)),
    ),
    ("POST", "/group-buys/{offer_id}/share-link"): Case(
        attacks(Call("b.member1", "gb"), Call("b.operator", "gb", expect=403), Call("a.staff1", "gb", expect=403)),
        owners(Call("a.member1", "gb", expect=200), Call("a.member2", "gb", expect=200)),
    ),
    ("GET", "/group-buys/{offer_id}/groups"): Case(
        attacks(Call("b.operator", "gb"), Call("a.admin3", "gb"), Call("a.member1", "gb", expect=403)),
        owners(Call("a.admin1", "gb", expect=200), Call("a.operator", "gb", expect=200)),
    ),
    ("POST", "/group-buys/groups"): Case(
        attacks(Call("b.operator", body={"offer_id": "@gb", "member_id": "@mb1"}),
                Call("b.member1", body={"offer_id": "@gb"}),
                Call("a.staff2", body={"offer_id": "@gb", "member_id": "@mb2"}),
                Call("a.member1", body={"offer_id": "@gb", "member_id": "@mb2"}, expect=403),
                Call("a.staff1", body={"offer_id": "@gb", "member_id": "@bmb"}),
                Call("a.member1", body={"offer_id": "@gb"}, expect=409)),  # one seat at a time (its limit)
        owners(Call("a.member2", body={"offer_id": "@gb"}, expect=201)),
    ),
    ("POST", "/group-buys/groups/by-token/{token}/join"): Case(
        attacks(Call("b.member1", "gb_token", {}), Call("b.operator", "gb_token", {"member_id": "@mb2"}),
                Call("a.staff2", "gb_token", {"member_id": "@mb2"}, expect=403),
                Call("a.member2", "gb_token", {"member_id": "@mb1"}, expect=403),
                Call("a.member1", "gb_token", {}, expect=409)),  # already in it
        owners(Call("a.member2", "gb_token", {}, expect=201)),
    ),
    ("GET", "/group-buys/groups/{group_id}"): Case(
        attacks(*(Call(who, "gbg") for who in ("b.operator", "a.admin2", "a.staff3", "a.member2", "b.member1"))),
        owners(Call("a.member1", "gbg", expect=200), Call("a.admin1", "gbg", expect=200),
               Call("a.operator", "gbg", expect=200)),
    ),
    ("POST", "/group-buys/seats/{seat_id}/refund"): Case(
        attacks(*(Call(who, "gbs1", {}) for who in ("b.operator", "a.member2", "a.staff2", "a.admin3", "b.member1"))),
        owners(Call("a.member1", "gbs1", {"reason": "不拼了"}, expect=200)),
    ),
    ("GET", "/orders"): Case(
        attacks(Call("a.admin1", query={"merchant_id": "@m2"}, expect=200),
                Call("a.key1", query={"member_id": "@mb2"}, expect=200),
                Call("b.operator", query={"merchant_id": "@m2"}, expect=200),
                Call("a.member1", query={"member_id": "@mb2"}, expect=200)),
        owners(Call("a.admin2", query={"merchant_id": "@m2"}, expect=200),
               Call("a.operator", query={"member_id": "@mb2"}, expect=200)),
    ),
    ("GET", "/orders/{order_id}"): Case(
        attacks(*(Call(who, "ord2") for who in ("a.admin1", "a.staff1", "a.key1", "b.operator", "a.member1"))),
        owners(Call("a.admin2", "ord2", expect=200), Call("a.operator", "ord2", expect=200)),
    ),
    ("GET", "/orders/{order_id}/refunds"): Case(
        attacks(*(Call(who, "ord2") for who in ("a.admin1", "a.staff3", "a.key1", "b.operator", "a.member1"))),
        owners(Call("a.staff2", "ord2", expect=200), Call("a.key2", "ord2", expect=200)),
    ),
    ("POST", "/orders/{order_id}/refunds"): Case(
        attacks(*(Call(who, "ord2", {"external_id": "R-x", "amount_fen": 100})
                  for who in ("a.admin1", "a.staff3", "a.key1", "b.operator", "a.member1"))),
        owners(Call("a.staff2", "ord2", {"external_id": "R-1", "amount_fen": 100}, expect=201)),
    ),
    ("POST", "/top-ups"): Case(
        attacks(Call("a.admin1", body={"external_id": "T1", "member_id": "@mb2", "amount_fen": 100}),
                Call("b.operator", body={"external_id": "T2", "member_id": "@mb1", "amount_fen": 100,
                                         "merchant_id": "@m1"}),
                Call("a.staff3", body={"external_id": "T3", "member_id": "@bmb", "amount_fen": 100}),
                Call("a.member1", body={"external_id": "T4", "member_id": "@mb1", "amount_fen": 100,
                                        "merchant_id": "@m1"}, expect=403)),
        owners(Call("a.admin2", body={"external_id": "T-2", "member_id": "@mb2", "amount_fen": 100}, expect=201)),
    ),
    # --- balances, rebates, withdrawals, points ---
    ("GET", "/balances"): Case(
        attacks(Call("a.admin1", query={"owner_type": "member", "owner_id": "@mb2"}),
                Call("b.operator", query={"owner_type": "member", "owner_id": "@mb2"}),
                Call("a.member1", query={"owner_type": "member", "owner_id": "@mb2"}),
                Call("a.staff1", query={"owner_type": "staff", "owner_id": "@sf2"}),
                Call("a.staff2", query={"owner_type": "staff", "owner_id": "@sf2b"}, expect=403),
                Call("a.key1", query={"owner_type": "merchant", "owner_id": "@m2"}, expect=403),
                Call("a.admin1", query={"owner_type": "operator", "owner_id": 0}, expect=403)),
        owners(Call("a.staff1", query={"owner_type": "staff", "owner_id": "@sf1"}, expect=200),
               Call("a.admin2", query={"owner_type": "member", "owner_id": "@mb2"}, expect=200),
               Call("a.operator", query={"owner_type": "merchant", "owner_id": "@m2"}, expect=200)),
    ),
    ("GET", "/balances/{account_id}/entries"): Case(
        attacks(*(Call(who, "acct_mb2") for who in ("a.admin1", "a.staff3", "b.operator", "a.member1", "a.key1"))),
        owners(Call("a.admin2", "acct_mb2", expect=200), Call("a.operator", "acct_mb2", expect=200)),
    ),
    ("GET", "/rebates"): Case(
        attacks(Call("b.operator", expect=200), Call("a.admin3", expect=200), Call("a.member1", expect=200),
                Call("a.staff3", expect=200)),
        owners(Call("a.staff1", expect=200), Call("a.admin2", expect=200), Call("a.admin1", expect=200)),
    ),
    ("GET", "/withdrawals"): Case(
        attacks(Call("b.operator", expect=200), Call("a.admin2", expect=200), Call("a.member1", expect=200),
                Call("a.staff2", expect=200), Call("a.key2", expect=200)),
        owners(Call("a.staff1", expect=200), Call("a.admin1", expect=200), Call("a.operator", expect=200)),
    ),
    ("POST", "/withdrawals"): Case(
        attacks(Call("a.staff2", body={"payee_type": "staff", "payee_id": "@sf1", "amount_fen": 1_000}),
                Call("b.operator", body={"payee_type": "staff", "payee_id": "@sf1", "amount_fen": 1_000}),
                Call("a.member1", body={"payee_type": "staff", "payee_id": "@sf1", "amount_fen": 1_000}),
                Call("a.admin1", body={"payee_type": "merchant", "payee_id": "@m2", "amount_fen": 1_000},
                     expect=403)),
        owners(Call("a.staff1", body={"payee_type": "staff", "payee_id": "@sf1", "amount_fen": 1_000},
                    expect=201)),
    ),
    ("POST", "/payout-accounts"): Case(
        attacks(*(Call(who, body={"method": "alipay", "account": "13800000009", "holder_name": "x"}, expect=403)
                  for who in ("a.operator", "a.member1", "a.key1"))),
        owners(Call("a.staff2", body={"method": "alipay", "account": "13800000002", "holder_name": "导购二"},
                    expect=201),
               Call("a.admin2", body={"method": "wechat_pay", "account": "wx_shop_two", "holder_name": "商户二"},
                    expect=201)),
    ),
    ("GET", "/payout-accounts"): Case(
        attacks(*(Call(who, expect=200) for who in ("b.operator", "a.admin2", "a.staff2", "a.member1", "a.key1"))),
        owners(Call("a.staff1", expect=200), Call("a.admin1", expect=200), Call("a.operator", expect=200)),
    ),
    ("DELETE", "/payout-accounts/{account_id}"): Case(
        attacks(*(Call(who, "pa1") for who in ("a.admin2", "a.staff2", "b.operator", "a.member1")),
                Call("a.admin1", "pa1", expect=403), Call("a.operator", "pa1", expect=403)),
        owners(Call("a.staff1", "pa1", expect=200)),
    ),
    ("GET", "/withdrawals/{withdrawal_id}"): Case(
        attacks(*(Call(who, "wd1") for who in ("a.admin2", "a.staff2", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.admin1", "wd1", expect=200), Call("a.staff1", "wd1", expect=200)),
    ),
    ("POST", "/withdrawals/{withdrawal_id}/decisions"): Case(
        attacks(Call("a.admin2", "wd1", {"decision": "approve"}), Call("b.operator", "wd1", {"decision": "approve"}),
                Call("a.member1", "wd1", {"decision": "approve"}),
                Call("a.staff1", "wd1", {"decision": "approve"}, expect=403),
                Call("a.key1", "wd1", {"decision": "approve"}, expect=403)),
        owners(Call("a.admin1", "wd1", {"decision": "approve"}, expect=200)),
    ),
    ("GET", "/members/{member_id}/points-grants"): Case(
        attacks(*(Call(who, "mb2") for who in ("a.admin1", "a.staff3", "b.operator", "a.member1", "a.key1"))),
        owners(Call("a.admin2", "mb2", expect=200), Call("a.operator", "mb2", expect=200)),
    ),
    ("GET", "/merchants/{merchant_id}/points-rule"): Case(
        attacks(Call("b.operator", "m1"), Call("b.admin1", "m2")),
        owners(Call("a.admin1", "m1", expect=200), Call("a.member1", "m1", expect=200)),
    ),
    ("PUT", "/merchants/{merchant_id}/points-rule"): Case(
        attacks(Call("a.admin1", "m2", {"points_per_yuan": 9}, expect=403),
                Call("a.staff2", "m2", {"points_per_yuan": 9}, expect=403),
                Call("a.member1", "m1", {"points_per_yuan": 9}, expect=403),
                Call("a.key1", "m2", {"points_per_yuan": 9}, expect=403),
                Call("b.operator", "m1", {"points_per_yuan": 9})),
        owners(Call("a.admin2", "m2", {"points_per_yuan": 2, "tier_multipliers_pct": {"gold": 150}}, expect=200)),
    ),
    # --- settlement (结算): srun = A's October run; stmt1..3 = m1..m3's statements (issued; stmt2 disputed,
    # stmt3 confirmed by both); bstmt = B's draft ---
    ("POST", "/settlement/runs"): Case(
        attacks(Call("a.admin1", body={"period": "2026-09"}, expect=403),
                Call("a.member1", body={"period": "2026-09"}, expect=403),
                Call("b.operator", body={"period": "2026-09"}, query={"alliance_id": "@alpha"}),
                Call("a.operator", body={"period": "2026-10"}, expect=409),
                Call("a.operator", body={"period": "2026-13"}, expect=422)),
        owners(Call("a.operator", body={"period": "2026-W44"}, expect=201)),
    ),
    ("GET", "/settlement/runs"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin1", "a.staff1", "a.member1", "b.admin1"))),
        owners(Call("a.operator", expect=200)),
    ),
    ("GET", "/settlement/runs/{run_id}"): Case(
        attacks(*(Call(who, "srun") for who in ("b.operator", "a.admin1", "a.member1")), Call("a.operator", "bsrun")),
        owners(Call("a.operator", "srun", expect=200)),
    ),
    ("POST", "/settlement/runs/{run_id}/issue"): Case(
        attacks(Call("a.operator", "bsrun"), Call("a.admin1", "srun"), Call("b.admin1", "bsrun")),
        owners(Call("b.operator", "bsrun", expect=200)),
    ),
    ("GET", "/settlement/runs/{run_id}/verify"): Case(
        attacks(*(Call(who, "srun") for who in ("b.operator", "a.admin1", "a.staff1"))),
        owners(Call("a.operator", "srun", expect=200)),
    ),
    ("GET", "/statements"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.staff1", "a.member1")),
                *(Call(who, query={"merchant_id": "@m1"}, expect=200) for who in ("b.operator", "b.admin1")),
                Call("a.admin1", query={"merchant_id": "@m2"}, expect=200)),
        owners(Call("a.admin1", expect=200), Call("a.operator", query={"merchant_id": "@m2"}, expect=200)),
    ),
    ("GET", "/statements/{statement_id}"): Case(
        attacks(*(Call(who, "stmt1") for who in ("a.admin2", "a.staff1", "a.member1", "b.operator", "b.admin1"))),
        owners(Call("a.admin1", "stmt1", expect=200), Call("a.operator", "stmt1", expect=200)),
    ),
    ("POST", "/statements/{statement_id}/issue"): Case(
        attacks(Call("a.operator", "bstmt"), Call("b.admin1", "bstmt", expect=403),
                Call("a.admin1", "stmt1", expect=403), Call("a.operator", "stmt1", expect=409)),
        owners(Call("b.operator", "bstmt", expect=200)),
    ),
    ("POST", "/statements/{statement_id}/confirm"): Case(
        attacks(*(Call(who, "stmt1") for who in ("a.admin2", "a.staff1", "a.member1", "b.operator")),
                Call("a.admin2", "stmt2", expect=409)),
        owners(Call("a.admin1", "stmt1", expect=200), Call("a.operator", "stmt1", expect=200)),
    ),
    ("POST", "/statements/{statement_id}/dispute"): Case(
        attacks(*(Call(who, "stmt1", {"reason": "不对"}) for who in ("a.admin2", "a.staff1", "b.operator")),
                Call("a.admin1", "stmt1", {"reason": "  "}, expect=422),
                Call("a.admin1", "stmt1", {"line_ids": ["@stmt1_line"]}, expect=422),
                Call("a.admin1", "stmt1", {"reason": "少了一笔", "line_ids": ["@stmt2_line"]}, expect=422),
                Call("a.admin3", "stmt3", {"reason": "已确认"}, expect=409)),
        owners(Call("a.admin1", "stmt1", {"reason": "海报分摊不对", "line_ids": ["@stmt1_line"]}, expect=200)),
    ),
    ("POST", "/statements/{statement_id}/adjustments"): Case(
        attacks(Call("b.operator", "stmt2", ADJUST), Call("a.admin2", "stmt2", ADJUST, expect=403),
                Call("a.operator", "stmt1", {"adjustments": [{**ADJUST["adjustments"][0], "line_id": "@stmt1_line"}]},
                     expect=409),
                Call("a.operator", "stmt2", {"adjustments": [{**ADJUST["adjustments"][0], "amount_fen": 0}]},
                     expect=422),
                Call("a.operator", "stmt2", {"adjustments": [{**ADJUST["adjustments"][0], "line_id": "@stmt1_line"}]},
                     expect=422)),
        owners(Call("a.operator", "stmt2", ADJUST, expect=200)),
    ),
    ("POST", "/statements/{statement_id}/pay"): Case(
        attacks(Call("b.operator", "stmt3", PAYOUT), Call("a.admin3", "stmt3", PAYOUT, expect=403),
                Call("a.operator", "stmt1", PAYOUT, expect=409), Call("a.operator", "stmt3", {"payout_ref": " "},
                                                                      expect=422)),
        owners(Call("a.operator", "stmt3", PAYOUT, expect=200)),
    ),
    ("GET", "/statement-lines/{line_id}"): Case(
        attacks(*(Call(who, "stmt1_line") for who in ("a.admin2", "a.staff1", "a.member1", "b.operator", "b.admin1")),
                Call("a.admin1", "stmt2_line")),
        owners(Call("a.admin1", "stmt1_line", expect=200), Call("a.operator", "stmt1_line", expect=200)),
    ),
    ("GET", "/statements/{statement_id}/export"): Case(
        attacks(*(Call(who, "stmt1", query={"format": "csv"}) for who in ("a.admin2", "a.staff1", "b.operator"))),
        owners(Call("a.admin1", "stmt1", query={"format": "csv"}, expect=200),
               Call("a.operator", "stmt1", query={"format": "xlsx"}, expect=200)),
    ),
    # --- partner discovery: private lists (a merchant's own, the operator's), weights per alliance ---
    ("GET", "/partners/candidates"): Case(
        attacks(Call("a.admin2", expect=200), Call("a.staff2", expect=200), Call("a.member1", expect=200),
                Call("b.operator", query={"q": "alpha"}, expect=200),
                Call("a.operator", query={"q": "威尔仕"}, expect=200),
                Call("a.admin1", query={"q": "亲子酒店"}, expect=200)),
        owners(Call("a.admin1", expect=200), Call("a.staff1", expect=200), Call("a.operator", expect=200)),
    ),
    ("POST", "/partners/candidates"): Case(
        attacks(Call("a.staff1", body={**CANDIDATE, "name": "店员"}, expect=403),
                Call("a.member1", body={**CANDIDATE, "name": "会员"}, expect=403),
                Call("platform", body={**CANDIDATE, "name": "平台"}, expect=403),
                Call("a.admin1", body={**CANDIDATE, "name": "外盟", "merchant_id": "@bm"}, expect=422),
                Call("b.operator", body={**CANDIDATE, "name": "外盟", "merchant_id": "@m1"}, expect=422)),
        owners(Call("a.admin2", body={**CANDIDATE, "name": "m2 的候选", "merchant_id": "@m3"}, expect=201)),
    ),
    ("GET", "/partners/candidates/{candidate_id}"): Case(
        attacks(Call("a.admin2", "cand1"), Call("a.operator", "cand1"), Call("b.operator", "cand1"),
                Call("a.admin1", "cand_op"), Call("a.staff1", "cand_op"), Call("a.member1", "cand1"),
                Call("b.admin1", "bcand")),
        owners(Call("a.admin1", "cand1", expect=200), Call("a.staff1", "cand1", expect=200),
               Call("a.operator", "cand_op", expect=200)),
    ),
    ("PATCH", "/partners/candidates/{candidate_id}"): Case(
        attacks(Call("a.admin2", "cand1", HIJACK), Call("a.operator", "cand1", HIJACK),
                Call("b.operator", "cand_op", HIJACK), Call("a.member1", "cand1", HIJACK),
                Call("a.staff1", "cand1", HIJACK, expect=403),
                Call("a.admin1", "cand1", {"industry": "spaceflight"}, expect=422),
                Call("a.admin1", "cand1", {"merchant_id": "@bm"}, expect=422)),
        owners(Call("a.admin1", "cand1", {"rating": 4.8}, expect=200),
               Call("a.operator", "cand_op", {"merchant_id": "@m2"}, expect=200)),
    ),
    ("POST", "/partners/candidates/{candidate_id}/visits"): Case(
        attacks(*(Call(who, "cand1", VISIT) for who in ("a.admin2", "a.operator", "b.operator", "a.member1")),
                Call("a.staff1", "cand1", VISIT, expect=403),
                Call("a.admin1", "cand1", {**VISIT, "score": 6}, expect=422)),
        owners(Call("a.admin1", "cand1", VISIT, expect=201), Call("a.operator", "cand_op", VISIT, expect=201)),
    ),
    ("POST", "/partners/candidates/{candidate_id}/sincerity"): Case(
        attacks(*(Call(who, "cand1", ANSWER) for who in ("a.admin2", "a.operator", "b.operator", "a.member1")),
                Call("a.staff1", "cand1", ANSWER, expect=403),
                Call("a.admin1", "cand1", {**ANSWER, "answer": "normal"}, expect=422)),
        owners(Call("a.admin1", "cand1", ANSWER, expect=201)),
    ),
    ("GET", "/partners/candidates/{candidate_id}/scorecard"): Case(
        attacks(Call("a.admin2", "cand1"), Call("a.operator", "cand1"), Call("b.operator", "cand_op"),
                Call("a.admin1", "cand_op"), Call("a.member1", "cand1")),
        owners(Call("a.admin1", "cand1", expect=200), Call("a.staff1", "cand1", expect=200),
               Call("a.operator", "cand_op", expect=200)),
    ),
    ("GET", "/partners/weights"): Case(
        attacks(Call("a.member1", expect=403), Call("platform", expect=403)),
        owners(Call("a.admin1", expect=200), Call("b.operator", expect=200)),
    ),
    ("PUT", "/partners/weights"): Case(
        attacks(*(Call(who, body=WEIGHTS, expect=403) for who in ("a.admin1", "a.staff1", "a.key1", "a.member1",
                                                                  "platform")),
                Call("a.operator", body={**WEIGHTS, "distance": 21}, expect=422)),
        owners(Call("a.operator", body=WEIGHTS, expect=200)),
    ),
    ("GET", "/partners/recommendations"): Case(
        attacks(Call("a.member1", expect=403), Call("platform", expect=403)),
        owners(Call("a.admin1", expect=200), Call("a.operator", expect=200), Call("b.operator", expect=200)),
    ),
    # --- recruiting ---
    ("POST", "/join-links"): Case(
        attacks(Call("a.admin1", body={"merchant_id": "@m2"}, expect=403),
                Call("b.operator", body={"merchant_id": "@m1"}),
                Call("a.key1", body={}, expect=403), Call("a.member1", body={}, expect=403)),
        owners(Call("a.staff1", body={"title": "再招募"}, expect=201),
               Call("a.operator", body={"merchant_id": "@m2"}, expect=201)),
    ),
    ("GET", "/join-links"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin2", "a.staff2", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.staff1", expect=200), Call("a.admin1", expect=200), Call("a.operator", expect=200)),
    ),
    ("GET", "/join-links/{link_id}"): Case(
        attacks(*(Call(who, "jl1") for who in ("a.admin2", "a.staff2", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.staff1", "jl1", expect=200), Call("a.admin1", "jl1", expect=200)),
    ),
    ("PATCH", "/join-links/{link_id}"): Case(
        attacks(*(Call(who, "jl1", {"active": False})
                  for who in ("a.admin2", "a.staff2", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.admin1", "jl1", {"active": False}, expect=200)),
    ),
    ("GET", "/recruits"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin2", "a.staff2", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.staff1", expect=200), Call("a.admin1", expect=200), Call("a.operator", expect=200)),
    ),
    ("GET", "/recruits/leaderboard"): Case(
        attacks(Call("a.admin2", expect=200), Call("a.staff2", expect=200), Call("b.operator", expect=200),
                Call("a.key2", expect=200), Call("a.member1", expect=403)),
        owners(Call("a.admin1", expect=200), Call("a.operator", query={"by": "merchant"}, expect=200)),
    ),
    ("GET", "/recruits/{application_id}"): Case(
        attacks(*(Call(who, "rec1") for who in ("a.admin2", "a.staff2", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.admin1", "rec1", expect=200), Call("a.staff1", "rec1", expect=200)),
    ),
    ("POST", "/recruits/{application_id}/decisions"): Case(
        attacks(*(Call(who, "rec1", {"decision": "approve"}) for who in ("a.admin2", "b.operator", "a.member1")),
                Call("a.staff1", "rec1", {"decision": "approve"}, expect=403),
                Call("a.key1", "rec1", {"decision": "approve"}, expect=403),
                Call("a.admin1", "rec1", {"decision": "reject", "reason": " "}, expect=422)),
        owners(Call("a.admin1", "rec1", {"decision": "approve"}, expect=200)),
    ),
    ("GET", "/recruiting/settings"): Case(
        attacks(Call("a.member1", expect=403)),
        owners(Call("a.operator", expect=200), Call("a.staff1", expect=200)),
    ),
    ("PUT", "/recruiting/settings"): Case(
        attacks(*(Call(who, body={"bounty_fen": 500}, expect=403)
                  for who in ("a.admin1", "a.staff1", "a.member1", "a.key1")),
                Call("a.operator", body={"bounty_fen": -1}, expect=422)),
        owners(Call("a.operator", body={"bounty_fen": 500}, expect=200)),
    ),
}

# audiences (人群): a merchant's own; its admins and integrations build, its staff read, the operator sees counts.
# segment shares: the sender and the partner read; the sender's admin withdraws; the operator audits.
AUDIENCE_OUTSIDERS = ("a.admin2", "a.staff2", "b.operator", "b.admin1", "a.member1")
SWEEP.update({
    ("GET", "/audiences"): Case(
        attacks(Call("a.admin3", expect=200), Call("b.operator", expect=200), Call("a.member1", expect=403)),
        owners(Call("a.admin1", expect=200), Call("a.staff1", expect=200), Call("a.operator", expect=200)),
    ),
    ("POST", "/audiences"): Case(
        attacks(*(Call(who, body={"name": "x"}, expect=403) for who in ("a.staff1", "a.operator", "a.member1")),
                Call("a.admin1", body={"name": "x", "rules": {"store_ids": ["@st2"]}}, expect=422)),
        owners(Call("a.admin1", body={"name": "高价值"}, expect=201)),
    ),
    ("POST", "/audiences/count"): Case(
        attacks(*(Call(who, body={}, expect=403) for who in ("a.staff1", "a.operator", "a.member1")),
                Call("a.key1", body={"store_ids": ["@bst"]}, expect=422)),
        owners(Call("a.admin1", body={}, expect=200), Call("a.key1", body={"store_ids": ["@st1"]}, expect=200)),
    ),
    ("GET", "/audiences/{audience_id}"): Case(
        attacks(*(Call(who, "aud1") for who in AUDIENCE_OUTSIDERS)),
        owners(Call("a.admin1", "aud1", expect=200), Call("a.staff1", "aud1", expect=200),
               Call("a.operator", "aud1", expect=200)),
    ),
    ("GET", "/audiences/{audience_id}/count"): Case(
        attacks(*(Call(who, "aud1") for who in AUDIENCE_OUTSIDERS)),
        owners(Call("a.staff1", "aud1", expect=200), Call("a.operator", "aud1", expect=200)),
    ),
    ("PATCH", "/audiences/{audience_id}"): Case(
        attacks(*(Call(who, "aud1", {"name": "x"}) for who in AUDIENCE_OUTSIDERS),
                Call("a.staff1", "aud1", {"name": "x"}, expect=403),
                Call("a.operator", "aud1", {"name": "x"}, expect=403)),
        owners(Call("a.admin1", "aud1", {"name": "改名"}, expect=200)),
    ),
    ("POST", "/audiences/{audience_id}/archive"): Case(
        attacks(*(Call(who, "aud1") for who in AUDIENCE_OUTSIDERS), Call("a.staff1", "aud1", expect=403),
                Call("a.operator", "aud1", expect=403)),
        owners(Call("a.admin1", "aud1", expect=200)),
    ),
    ("GET", "/segments/shares"): Case(
        attacks(Call("a.admin3", expect=200), Call("b.operator", expect=200), Call("b.admin1", expect=200),
                Call("a.member1", expect=403)),
        owners(Call("a.admin1", expect=200), Call("a.staff2", query={"direction": "received"}, expect=200),
               Call("a.operator", expect=200)),
    ),
    ("POST", "/segments/shares"): Case(
        attacks(Call("a.admin1", body={"to_merchant_id": "@m3", "title": "x", "audience_id": "@aud1"}, expect=422),
                Call("a.admin2", body={"to_merchant_id": "@m1", "title": "x", "audience_id": "@aud1"}, expect=422),
                Call("a.admin1", body={"to_merchant_id": "@bm", "title": "x", "rules": {}}, expect=422),
                *(Call(who, body={"to_merchant_id": "@m2", "title": "x", "rules": {}}, expect=403)
                  for who in ("a.staff1", "a.operator", "a.member1"))),
        owners(Call("a.admin1", body={"to_merchant_id": "@m2", "title": "x", "audience_id": "@aud1"}, expect=201)),
    ),
    ("GET", "/segments/shares/{share_id}"): Case(
        attacks(*(Call(who, "shr12") for who in ("a.admin3", "a.staff3", "b.operator", "b.admin1")),
                Call("a.member1", "shr12", expect=403)),
        owners(Call("a.admin1", "shr12", expect=200), Call("a.admin2", "shr12", expect=200),
               Call("a.staff2", "shr12", expect=200), Call("a.operator", "shr12", expect=200)),
    ),
    ("POST", "/segments/shares/{share_id}/withdraw"): Case(
        attacks(*(Call(who, "shr12") for who in ("a.admin3", "b.operator", "b.admin1")),
                Call("a.member1", "shr12", expect=403),
                *(Call(who, "shr12", expect=403) for who in ("a.admin2", "a.staff1", "a.operator"))),
        owners(Call("a.admin1", "shr12", expect=200)),
    ),
})

# results of targeted offers (定向推荐效果): the sender's admins and key, the operator, and the partner (aggregates);
# no one else, store staff of either included
RESULT_OUTSIDERS = ("a.admin3", "b.operator", "b.admin1", "a.staff1", "a.staff2", "a.member1")
SWEEP.update({
    ("GET", "/targeting/offers/{offer_id}/results"): Case(
        attacks(*(Call(who, "offer12") for who in RESULT_OUTSIDERS),
                *(Call(who, "offer12", query={"refresh": "true"}) for who in RESULT_OUTSIDERS),
                Call("a.admin2", "offer12", query={"refresh": "true"}, expect=403)),
        owners(Call("a.admin1", "offer12", expect=200), Call("a.key1", "offer12", expect=200),
               Call("a.operator", "offer12", expect=200), Call("a.admin2", "offer12", expect=200)),
    ),
    ("GET", "/targeting/offers/{offer_id}/results.xlsx"): Case(
        attacks(*(Call(who, "offer12") for who in RESULT_OUTSIDERS)),
        owners(Call("a.admin1", "offer12", expect=200), Call("a.operator", "offer12", expect=200),
               Call("a.admin2", "offer12", expect=200)),
    ),
    ("GET", "/targeting/results"): Case(
        attacks(*(Call(who, query={"offer_id": "@offer12"}) for who in RESULT_OUTSIDERS)),
        owners(Call("a.admin1", query={"offer_id": "@offer12"}, expect=200),
               Call("a.operator", query={"offer_id": "@offer12"}, expect=200),
               Call("a.admin2", query={"offer_id": "@offer12"}, expect=200)),
    ),
    ("GET", "/targeting/results.xlsx"): Case(
        attacks(*(Call(who, query={"offer_id": "@offer12"}) for who in RESULT_OUTSIDERS)),
        owners(Call("a.admin1", query={"offer_id": "@offer12"}, expect=200),
               Call("a.admin2", query={"offer_id": "@offer12"}, expect=200)),
    ),
})

# targeted offers (定向推荐): the sending merchant's (and the operator's to read and cancel); never the partner's
OFFER_OUTSIDERS = ("a.admin2", "a.staff2", "b.operator", "a.member1", "a.key2")
SWEEP.update({
    ("POST", "/targeting/offers"): Case(
        attacks(Call("a.admin2", body=OFFER), Call("a.admin1", body={**OFFER, "audience_id": "@oaud2"}),
                Call("a.admin1", body={**OFFER, "template_id": "@tpl1"}, expect=422),
                Call("a.admin1", body={**OFFER, "template_id": "@tpl2"}, expect=422),
                Call("a.staff1", body=OFFER, expect=403), Call("a.operator", body=OFFER, expect=403),
                Call("b.operator", body=OFFER, expect=403), Call("a.member1", body=OFFER, expect=403)),
        owners(Call("a.admin1", body=OFFER, expect=201), Call("a.key1", body=OFFER, expect=201)),
    ),
    ("GET", "/targeting/offers"): Case(
        attacks(*(Call(who, expect=200) for who in OFFER_OUTSIDERS)),
        owners(Call("a.admin1", expect=200), Call("a.staff1", expect=200), Call("a.operator", expect=200)),
    ),
    ("GET", "/targeting/offers/{offer_id}"): Case(
        attacks(*(Call(who, "offer1") for who in OFFER_OUTSIDERS)),
        owners(Call("a.admin1", "offer1", expect=200), Call("a.operator", "offer1", expect=200)),
    ),
    ("POST", "/targeting/offers/{offer_id}/cancel"): Case(
        attacks(*(Call(who, "offer1") for who in OFFER_OUTSIDERS), Call("a.staff1", "offer1", expect=403)),
        owners(Call("a.admin1", "offer1", expect=200)),
    ),
    ("GET", "/targeting/partner-offers"): Case(
        attacks(Call("a.staff1", expect=403), Call("a.operator", expect=403), Call("b.operator", expect=403),
                Call("a.member1", expect=403)),
        owners(Call("a.admin1", expect=200), Call("a.key1", expect=200)),
    ),
})

# prospects' overlap (潜在伙伴客户重合度): invitations are the operator's and the inviting merchant's; results of a
# prospect are read by whoever may invite it; the audit trail is the operator's
PROSPECT_OUTSIDERS = ("a.admin2", "b.operator", "a.staff1", "a.member1", "a.key2")
SWEEP.update({
    ("POST", "/prospects/invitations"): Case(
        attacks(Call("a.admin2", body={"candidate_id": "@pc1"}), Call("b.operator", body={"candidate_id": "@pc1"}),
                Call("a.admin1", body={"candidate_id": "@pc_op"}), Call("a.operator", body={"candidate_id": "@pcb"}),
                Call("a.staff1", body={"candidate_id": "@pc1"}, expect=403),
                Call("a.member1", body={"candidate_id": "@pc1"}, expect=403)),
        owners(Call("a.admin1", body={"candidate_id": "@pc1"}, expect=201),
               Call("a.operator", body={"candidate_id": "@pc_op"}, expect=201)),
    ),
    ("GET", "/prospects/invitations"): Case(
        attacks(*(Call(who, expect=200) for who in PROSPECT_OUTSIDERS)),
        owners(Call("a.admin1", expect=200), Call("a.operator", expect=200), Call("a.key1", expect=200)),
    ),
    ("GET", "/prospects/invitations/{invitation_id}"): Case(
        attacks(*(Call(who, "inv1") for who in PROSPECT_OUTSIDERS)),
        owners(Call("a.admin1", "inv1", expect=200), Call("a.operator", "inv1", expect=200)),
    ),
    ("GET", "/prospects/candidates/{candidate_id}/overlap"): Case(
        attacks(*(Call(who, "pc1") for who in PROSPECT_OUTSIDERS)),
        owners(Call("a.admin1", "pc1", expect=200), Call("a.operator", "pc1", expect=200)),
    ),
    ("GET", "/prospects/candidates/{candidate_id}/overlap.csv"): Case(
        attacks(*(Call(who, "pc1") for who in PROSPECT_OUTSIDERS)),
        owners(Call("a.admin1", "pc1", expect=200), Call("a.operator", "pc1", expect=200)),
    ),
    ("GET", "/prospects/audit"): Case(
        attacks(Call("b.operator", expect=200), Call("a.admin1", expect=403), Call("a.staff1", expect=403),
                Call("a.member1", expect=403), Call("a.key1", expect=403)),
        owners(Call("a.operator", expect=200)),
    ),
})

# --- tags (会员标签) ---
TAG = {"code": "pet_owner", "group": "interest", "name_zh": "养宠人士", "name_en": "Pet owner"}
TAG_WRITERS_REFUSED = ("a.admin1", "a.staff1", "a.key1", "a.member1")
SWEEP.update({
    ("GET", "/tags"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha"}),
                Call("a.admin1", query={"alliance_id": "@beta"})),
        owners(Call("a.operator", expect=200), Call("a.staff1", expect=200), Call("a.member1", expect=200),
               Call("platform", query={"alliance_id": "@alpha"}, expect=200)),
    ),
    ("POST", "/tags"): Case(
        attacks(*(Call(who, body=TAG, expect=403) for who in TAG_WRITERS_REFUSED),
                Call("b.operator", body=TAG, query={"alliance_id": "@alpha"})),
        owners(Call("a.operator", body=TAG, expect=201)),
    ),
    ("PATCH", "/tags/{code}"): Case(
        attacks(*(Call(who, "tag_fitness", {"name_zh": "运动"}, expect=403) for who in TAG_WRITERS_REFUSED),
                Call("b.operator", "tag_fitness", {"name_zh": "运动"}, {"alliance_id": "@alpha"})),
        owners(Call("a.operator", "tag_fitness", {"name_zh": "运动健身"}, expect=200)),
    ),
    ("POST", "/tags/rules/run"): Case(
        attacks(*(Call(who, expect=403) for who in TAG_WRITERS_REFUSED),
                Call("b.operator", query={"alliance_id": "@alpha"})),
        owners(Call("a.operator", expect=200)),
    ),
    ("GET", "/members/{member_id}/tags"): Case(
        attacks(Call("a.staff2", "mb1"), Call("a.admin2", "mb1"), Call("a.key2", "mb1"), Call("b.operator", "mb1"),
                Call("a.member2", "mb1")),
        owners(Call("a.staff1", "mb1", expect=200), Call("a.key1", "mb1", expect=200),
               Call("a.operator", "mb1", expect=200), Call("a.member1", "mb1", expect=200)),
    ),
    ("POST", "/members/{member_id}/tags"): Case(
        attacks(Call("a.staff2", "mb1", {"tag": "fitness"}), Call("a.key2", "mb1", {"tag": "fitness"}),
                Call("b.staff1", "mb1", {"tag": "fitness"}), Call("a.staff1", "mb2", {"tag": "fitness"}),
                Call("a.operator", "mb1", {"tag": "fitness"}, expect=403),
                Call("a.member1", "mb1", {"tag": "fitness"}, expect=403)),
        owners(Call("a.staff1", "mb1", {"tag": "nev_owner", "note": "问了家充桩"}, expect=201)),
    ),
    ("DELETE", "/member-tags/{member_tag_id}"): Case(
        attacks(Call("a.staff2", "mtag1"), Call("a.key2", "mtag1"), Call("b.admin1", "mtag1"),
                Call("a.operator", "mtag1", expect=403), Call("a.member1", "mtag1", expect=403),
                Call("a.admin1", "mdecl1", expect=403)),
        owners(Call("a.admin1", "mtag1", expect=204)),
    ),
})

# --- notifications: a login's own; anyone else's id answers like a missing one ------------------------------------
SWEEP.update({
    ("POST", "/notifications/{notification_id}/read"): Case(
        attacks(*(Call(who, "ntf2") for who in ("a.admin1", "a.admin3", "a.staff2", "a.operator", "b.admin1",
                                                "b.operator", "platform")),
                Call("a.key2", "ntf2", expect=403), Call("a.member2", "ntf2", expect=403)),
        owners(Call("a.admin2", "ntf2", expect=200)),
    ),
})

# --- vehicles: seen by whoever may see the member; recorded by staff serving it; removed by who recorded them ----
CAR = {"plate": "粤BD54321"}
SWEEP.update({
    ("GET", "/members/{member_id}/vehicles"): Case(
        attacks(Call("a.staff2", "mb1"), Call("a.admin2", "mb1"), Call("a.key2", "mb1"), Call("b.operator", "mb1"),
                Call("a.member2", "mb1")),
        owners(Call("a.staff1", "mb1", expect=200), Call("a.key1", "mb1", expect=200),
               Call("a.operator", "mb1", expect=200), Call("a.member1", "mb1", expect=200)),
    ),
    ("POST", "/members/{member_id}/vehicles"): Case(
        attacks(Call("a.staff2", "mb1", CAR), Call("a.key2", "mb1", CAR), Call("b.staff1", "mb1", CAR),
                Call("b.operator", "mb1", CAR), Call("a.staff1", "mb2", CAR),
                Call("a.member1", "mb1", CAR, expect=403)),
        owners(Call("a.staff1", "mb1", CAR, expect=201)),
    ),
    ("DELETE", "/members/{member_id}/vehicles/{vehicle_id}"): Case(
        attacks(Call("a.staff2", "mb1/veh1"), Call("a.key2", "mb1/veh1"), Call("b.admin1", "mb1/veh1"),
                Call("b.operator", "mb1/veh1"), Call("a.staff1", "mb2/veh1"),
                Call("a.member1", "mb1/veh1", expect=403)),
        owners(Call("a.admin1", "mb1/veh1", expect=204)),
    ),
})

# --- verification (验真): the operator decides; a merchant reads its own, a keeper its prospects -----------------
VERIFY_REFUSED = ("a.admin1", "a.staff1", "a.key1", "a.member1")
SWEEP.update({
    ("GET", "/verification/queue"): Case(
        attacks(*(Call(who, expect=403) for who in VERIFY_REFUSED)),
        owners(Call("a.operator", expect=200)),
    ),
    ("GET", "/verification/merchants/{subject_id}"): Case(
        attacks(Call("b.operator", "m1"), Call("a.admin2", "m1"), Call("a.key2", "m1"), Call("a.member1", "m1"),
                Call("a.admin1", "bm")),
        owners(Call("a.admin1", "m1", expect=200), Call("a.staff1", "m1", expect=200),
               Call("a.operator", "m1", expect=200)),
    ),
    ("POST", "/verification/merchants/{subject_id}/verify"): Case(
        attacks(Call("b.operator", "m1", {}), Call("a.member1", "m1", {}), Call("a.admin2", "m1", {}),
                Call("a.admin1", "m1", {}, expect=403), Call("a.staff1", "m1", {}, expect=403)),
        owners(Call("a.operator", "m1", {"note": "已核对原件"}, expect=200)),
    ),
    ("POST", "/verification/merchants/{subject_id}/reject"): Case(
        attacks(Call("b.operator", "m1", {"reason": "外盟"}), Call("a.admin2", "m1", {"reason": "同行"}),
                Call("a.admin1", "m1", {"reason": "自己"}, expect=403),
                Call("a.operator", "m1", {"reason": ""}, expect=422)),
        owners(Call("a.operator", "m1", {"reason": "执照已吊销"}, expect=200)),
    ),
    ("GET", "/verification/prospects/{subject_id}"): Case(
        attacks(Call("a.admin2", "cand1"), Call("b.operator", "cand1"), Call("a.member1", "cand1"),
                Call("a.admin1", "cand_op"), Call("b.admin1", "cand1")),
        owners(Call("a.admin1", "cand1", expect=200), Call("a.staff1", "cand1", expect=200),
               Call("a.operator", "cand1", expect=200)),
    ),
    ("POST", "/verification/prospects/{subject_id}/verify"): Case(
        attacks(Call("b.operator", "cand1", {}), Call("a.admin2", "cand1", {}),
                Call("a.admin1", "cand1", {}, expect=403)),
        owners(Call("a.operator", "cand1", {}, expect=200)),
    ),
    ("POST", "/verification/prospects/{subject_id}/reject"): Case(
        attacks(Call("b.operator", "cand1", {"reason": "外盟"}), Call("a.admin2", "cand1", {"reason": "同行"}),
                Call("a.admin1", "cand1", {"reason": "自己"}, expect=403),
                Call("a.operator", "cand1", {}, expect=422)),
        owners(Call("a.operator", "cand1", {"reason": "查无此企业"}, expect=200)),
    ),
})

# --- profiles (资料完整度) ---
SWEEP.update({
    ("GET", "/profiles/completeness"): Case(
        attacks(Call("a.staff1", query={"store_id": "@st2"}, expect=200),
                Call("a.key2", query={"store_id": "@st1"}, expect=200),
                Call("a.operator", expect=403), Call("a.member1", expect=403)),
        owners(Call("a.staff1", expect=200), Call("a.key1", expect=200)),
    ),
    ("PATCH", "/profiles/members/{member_id}"): Case(
        attacks(Call("a.staff2", "mb1", {"name": "冒名"}), Call("a.key2", "mb1", {"name": "冒名"}),
                Call("b.staff1", "mb1", {"name": "冒名"}),
                Call("a.staff1", "mb1", {"origin_store_id": "@st2"}, expect=422),
                Call("a.operator", "mb1", {"name": "冒名"}, expect=403),
                Call("a.member1", "mb1", {"name": "冒名"}, expect=403)),
        owners(Call("a.staff1", "mb1", {"name": "会员一号", "birth_year": 1990}, expect=200)),
    ),
    ("GET", "/profiles/leaderboard"): Case(
        attacks(Call("a.member1", expect=403)),
        owners(Call("a.admin1", expect=200), Call("a.staff1", expect=200), Call("a.operator", expect=200)),
    ),
})

NOT_DUP = {"verdict": "not_duplicate", "reason": "两个人"}
THRESHOLDS = {"review": 0.6, "auto": 0.999}
SWEEP.update({
    ("GET", "/dedup/candidates"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha"}), Call("a.admin2", expect=200),
                Call("a.key2", expect=200), Call("a.staff1", expect=200), Call("a.member1", expect=403)),
        owners(Call("a.operator", expect=200), Call("a.admin1", expect=200), Call("a.key1", expect=200),
               Call("platform", query={"alliance_id": "@alpha"}, expect=200)),
    ),
    ("GET", "/dedup/candidates/{candidate_id}"): Case(
        attacks(Call("a.admin2", "dd_m1"), Call("a.key2", "dd_m1"), Call("a.staff1", "dd_m1"),
                Call("b.operator", "dd_m1"), Call("a.member1", "dd_m1"), Call("a.admin1", "dd_store")),
        owners(Call("a.operator", "dd_m1", expect=200), Call("a.admin1", "dd_m1", expect=200),
               Call("a.key1", "dd_m1", expect=200), Call("platform", "dd_store", expect=200)),
    ),
    ("POST", "/dedup/candidates/{candidate_id}/decision"): Case(
        attacks(Call("a.admin2", "dd_m1", NOT_DUP), Call("a.staff1", "dd_m1", NOT_DUP),
                Call("b.operator", "dd_m1", NOT_DUP), Call("a.member1", "dd_m1", NOT_DUP),
                Call("a.admin1", "dd_store", NOT_DUP)),
        owners(Call("a.admin1", "dd_m1", NOT_DUP, expect=200)),
    ),
    ("GET", "/dedup/thresholds"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha"}), Call("a.admin1", expect=403),
                Call("a.member1", expect=403)),
        owners(Call("a.operator", expect=200), Call("platform", query={"alliance_id": "@alpha"}, expect=200)),
    ),
    ("PUT", "/dedup/thresholds"): Case(
        attacks(Call("b.operator", body=THRESHOLDS, query={"alliance_id": "@alpha"}),
                Call("a.admin1", body=THRESHOLDS, expect=403), Call("a.staff1", body=THRESHOLDS, expect=403),
                Call("a.member1", body=THRESHOLDS, expect=403)),
        owners(Call("a.operator", body=THRESHOLDS, expect=200)),
    ),
    ("POST", "/dedup/run"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha"}), Call("a.admin1", expect=403),
                Call("a.member1", expect=403)),
        owners(Call("a.operator", expect=200)),
    ),
})

# member merges (merging): the operator, or a merchant admin for two members both its own; store staff and members
# never; a merchant admin reads the merges whose survivor is its member and undoes the ones it made.
MERGE = {"survivor_id": "@mb1", "absorbed_id": "@mb1x", "reason": "同一人两次办卡"}
SWEEP.update({
    ("GET", "/members/merges"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin2", "a.staff1", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.admin1", expect=200), Call("a.operator", expect=200), Call("platform", expect=200)),
    ),
    ("POST", "/members/merges"): Case(
        attacks(Call("a.admin2", body=MERGE), Call("b.operator", body=MERGE), Call("a.key2", body=MERGE),
                Call("a.admin1", body={**MERGE, "absorbed_id": "@mb2"}),
                Call("a.operator", body={**MERGE, "absorbed_id": "@bmb"}),
                Call("a.staff1", body=MERGE, expect=403), Call("a.member1", body=MERGE, expect=403),
                Call("a.admin1", body={**MERGE, "absorbed_id": "@mb1y"}, expect=422),
                Call("a.admin1", body={**MERGE, "absorbed_id": "@mb1"}, expect=422)),
        owners(Call("a.admin1", body=MERGE, expect=201)),
    ),
    ("GET", "/members/merges/{merge_id}"): Case(
        attacks(*(Call(who, "merge1") for who in ("a.admin2", "a.staff1", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.admin1", "merge1", expect=200), Call("a.operator", "merge1", expect=200)),
    ),
    ("POST", "/members/merges/{merge_id}/undo"): Case(
        attacks(*(Call(who, "merge1", {"reason": "x"}) for who in ("a.admin2", "b.operator", "a.key2")),
                Call("a.staff1", "merge1", {"reason": "x"}, expect=403),
                Call("a.member1", "merge1", {"reason": "x"}, expect=403)),
        owners(Call("a.admin1", "merge1", {"reason": "两个人"}, expect=200)),
    ),
})

# place merges (merging): stores by the operator or the admin of the merchant owning both, prospects by their
# list's keeper, merchants by the operator only (409 naming what blocks one with business on record); a merchant
# admin reads and undoes the merges of its own stores and prospects.
PSTORE = {"survivor_id": "@st1", "absorbed_id": "@st1x", "reason": "同一门店录入两次"}
PPROSPECT = {"survivor_id": "@cand1", "absorbed_id": "@cand1x", "reason": "同一家候选录入两次"}
PMERCHANT = {"survivor_id": "@m1", "absorbed_id": "@m3", "reason": "同一商户录入两次"}
SWEEP.update({
    ("GET", "/merges"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin2", "a.staff1", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.admin1", expect=200), Call("a.operator", expect=200), Call("platform", expect=200)),
    ),
    ("POST", "/merges/stores"): Case(
        attacks(Call("b.operator", body=PSTORE), Call("a.operator", body={**PSTORE, "absorbed_id": "@bst"}),
                Call("a.admin2", body=PSTORE, expect=403), Call("a.staff1", body=PSTORE, expect=403),
                Call("a.member1", body=PSTORE, expect=403),
                Call("a.admin1", body={**PSTORE, "absorbed_id": "@st2"}, expect=403),
                Call("a.operator", body={**PSTORE, "absorbed_id": "@st2"}, expect=422),
                Call("a.admin1", body={**PSTORE, "absorbed_id": "@st1y"}, expect=422)),
        owners(Call("a.admin1", body=PSTORE, expect=201)),
    ),
    ("POST", "/merges/prospects"): Case(
        attacks(Call("a.admin2", body=PPROSPECT), Call("a.operator", body=PPROSPECT),
                Call("b.operator", body=PPROSPECT), Call("a.staff1", body=PPROSPECT, expect=403),
                Call("a.member1", body=PPROSPECT, expect=403),
                Call("a.admin1", body={**PPROSPECT, "absorbed_id": "@cand1"}, expect=422)),
        owners(Call("a.admin1", body=PPROSPECT, expect=201)),
    ),
    ("POST", "/merges/merchants"): Case(
        attacks(Call("b.operator", body=PMERCHANT), Call("a.operator", body={**PMERCHANT, "absorbed_id": "@bm"}),
                *(Call(who, body=PMERCHANT, expect=403) for who in ("a.admin1", "a.key1", "a.staff1", "a.member1")),
                Call("a.operator", body={**PMERCHANT, "absorbed_id": "@m2"}, expect=409),
                Call("a.operator", body={**PMERCHANT, "absorbed_id": "@m1"}, expect=422)),
        owners(Call("a.operator", body=PMERCHANT, expect=201)),
    ),
    ("GET", "/merges/{merge_id}"): Case(
        attacks(*(Call(who, "pmerge1") for who in ("a.admin2", "a.staff1", "b.operator", "a.member1", "a.key2"))),
        owners(Call("a.admin1", "pmerge1", expect=200), Call("a.operator", "pmerge1", expect=200)),
    ),
    ("POST", "/merges/{merge_id}/undo"): Case(
        attacks(*(Call(who, "pmerge1", {"reason": "x"}) for who in ("a.admin2", "b.operator", "a.key2",
                                                                     "a.staff1", "a.member1"))),
        owners(Call("a.admin1", "pmerge1", {"reason": "不是同一家"}, expect=200)),
    ),
})

# Endpoints with no tenant data to attack. Each says why.
# ownership (归属) and the pool (客户池): a merchant's own; its admins assign and hand over, its staff claim and see
# their own members; the operator and members have no pool
OWN_REFUSED = ("a.operator", "a.member1")
SWEEP.update({
    ("GET", "/ownership/settings"): Case(
        attacks(*(Call(who, expect=403) for who in OWN_REFUSED)),
        owners(Call("a.admin1", expect=200), Call("a.staff1", expect=200)),
    ),
    ("PUT", "/ownership/settings"): Case(
        attacks(*(Call(who, body={"daily_claim_limit": 5}, expect=403) for who in (*OWN_REFUSED, "a.staff1")),
                Call("a.admin1", body={"daily_claim_limit": 0}, expect=422)),
        owners(Call("a.admin1", body={"daily_claim_limit": 5}, expect=200)),
    ),
    ("GET", "/ownership/overview"): Case(
        attacks(*(Call(who, expect=403) for who in (*OWN_REFUSED, "a.staff1"))),
        owners(Call("a.admin1", expect=200)),
    ),
    ("POST", "/ownership/assignments"): Case(
        attacks(Call("a.admin2", body={"basis": "all_members", "staff_ids": ["@sf1"]}),
                Call("b.admin1", body={"basis": "all_members", "staff_ids": ["@sf1"]}),
                *(Call(who, body={"basis": "all_members", "staff_ids": ["@sf1"]}, expect=403)
                  for who in (*OWN_REFUSED, "a.staff1"))),
        owners(Call("a.admin1", body={"basis": "all_members", "staff_ids": ["@sf1"]}, expect=200)),
    ),
    ("GET", "/ownership/pool"): Case(
        attacks(*(Call(who, expect=403) for who in (*OWN_REFUSED, "b.operator"))),
        owners(Call("a.staff1", expect=200), Call("a.admin1", expect=200)),
    ),
    ("GET", "/ownership/claims/today"): Case(
        attacks(*(Call(who, expect=403) for who in (*OWN_REFUSED, "a.admin1", "a.key1"))),
        owners(Call("a.staff1", expect=200)),
    ),
    ("POST", "/ownership/claims"): Case(
        attacks(Call("a.staff2", body={"member_id": "@mb1b"}), Call("b.staff1", body={"member_id": "@mb1b"}),
                *(Call(who, body={"member_id": "@mb1b"}, expect=403) for who in (*OWN_REFUSED, "a.admin1"))),
        owners(Call("a.staff1", body={"member_id": "@mb1b"}, expect=201)),
    ),
    ("POST", "/ownership/releases"): Case(
        attacks(Call("a.staff2", body={"member_id": "@mb1"}), Call("b.staff1", body={"member_id": "@mb1"}),
                *(Call(who, body={"member_id": "@mb1"}, expect=403) for who in OWN_REFUSED)),
        owners(Call("a.staff1", body={"member_id": "@mb1"}, expect=200)),
    ),
    ("POST", "/ownership/hand-overs"): Case(
        attacks(Call("a.admin2", body={"staff_id": "@sf1"}), Call("b.admin1", body={"staff_id": "@sf1"}),
                *(Call(who, body={"staff_id": "@sf1"}, expect=403) for who in (*OWN_REFUSED, "a.staff1"))),
        owners(Call("a.admin1", body={"staff_id": "@sf1"}, expect=200)),
    ),
    ("GET", "/ownership/owners"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin2", "a.staff2", "b.operator", "a.key2", "a.member1"))),
        owners(Call("a.staff1", expect=200), Call("a.admin1", expect=200), Call("a.operator", expect=200)),
    ),
    ("GET", "/ownership/history"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.admin2", "a.staff2", "b.operator", "a.key2", "a.member1"))),
        owners(Call("a.staff1", expect=200), Call("a.admin1", expect=200), Call("a.operator", expect=200)),
    ),
})
SWEEP.update({
    ("GET", "/job-runs"): Case(
        attacks(Call("b.operator", query={"alliance_id": "@alpha"}), Call("a.admin1", expect=403),
                Call("a.staff1", expect=403), Call("a.key1", expect=403), Call("a.member1", expect=403)),
        owners(Call("a.operator", expect=200), Call("platform", query={"alliance_id": "@alpha"}, expect=200)),
    ),
})

# --- webhooks: a merchant's endpoints are its admins' and integrations' (and the operator's); others 404 ----------
WEBHOOK_STRANGERS = ("a.admin1", "a.admin3", "a.key1", "a.staff2", "a.member2", "b.admin1", "b.operator")
SWEEP.update({
    ("GET", "/webhook-endpoints"): Case(
        attacks(Call("a.admin1", expect=200), Call("a.key1", expect=200), Call("b.operator", expect=200),
                Call("a.staff2", expect=403), Call("a.member2", expect=403)),
        owners(Call("a.admin2", expect=200), Call("a.key2", expect=200), Call("a.operator", expect=200)),
    ),
    ("POST", "/webhook-endpoints"): Case(
        attacks(*(Call(who, body={"url": "https://crm.example.com/x", "event_types": ["order.recorded"]},
                       expect=403) for who in ("a.staff2", "a.member2", "b.staff1")),
                Call("platform", body={"url": "https://crm.example.com/x", "event_types": ["order.recorded"],
                                       "alliance_id": "@missing"})),
        owners(Call("a.admin2", body={"url": "https://crm.example.com/y", "event_types": ["order.recorded"]},
                    expect=201)),
    ),
    ("GET", "/webhook-endpoints/{endpoint_id}"): Case(
        attacks(*(Call(who, "wh2") for who in WEBHOOK_STRANGERS)),
        owners(Call("a.admin2", "wh2", expect=200), Call("a.operator", "wh2", expect=200)),
    ),
    ("PATCH", "/webhook-endpoints/{endpoint_id}"): Case(
        attacks(*(Call(who, "wh2", {"enabled": False}) for who in WEBHOOK_STRANGERS)),
        owners(Call("a.admin2", "wh2", {"description": "CRM"}, expect=200)),
    ),
    ("POST", "/webhook-endpoints/{endpoint_id}/rotate-secret"): Case(
        attacks(*(Call(who, "wh2") for who in WEBHOOK_STRANGERS)),
        owners(Call("a.key2", "wh2", expect=200)),
    ),
    ("GET", "/webhook-endpoints/{endpoint_id}/deliveries"): Case(
        attacks(*(Call(who, "wh2") for who in WEBHOOK_STRANGERS)),
        owners(Call("a.admin2", "wh2", expect=200), Call("a.operator", "wh2", expect=200)),
    ),
    ("POST", "/webhook-deliveries/{delivery_id}/replay"): Case(
        attacks(*(Call(who, "whd2") for who in ("a.admin1", "a.admin3", "a.key1", "b.admin1", "b.operator")),
                Call("a.staff2", "whd2", expect=403), Call("a.member2", "whd2", expect=403)),
        owners(Call("a.admin2", "whd2", expect=200)),
    ),
})

# --- featured placement (推广位): slots are the alliance's price list; a booking is its merchant's and the operator's
PLACEMENT_STRANGERS = ("a.admin2", "a.staff2", "a.key2", "a.member1", "b.operator", "b.admin1")
PLACEMENT_BOOKING = {"slot_id": "@plslot", "first_day": "@pl_day", "days": 1}
SWEEP.update({
    ("POST", "/placements/slots"): Case(
        attacks(*(Call(who, body={"surface": "claim_pages", "price_per_day_fen": 100, "capacity": 1, "max_days": 3},
                       expect=403) for who in ("a.admin1", "a.staff1", "a.key1", "a.member1", "platform"))),
        owners(Call("a.operator", body={"surface": "claim_pages", "price_per_day_fen": 100, "capacity": 1,
                                        "max_days": 3}, expect=201)),
    ),
    ("GET", "/placements/slots"): Case(
        attacks(*(Call(who, expect=200) for who in ("a.member1", "b.operator", "b.admin1"))),
        owners(Call("a.admin2", expect=200), Call("a.staff1", expect=200), Call("a.operator", expect=200)),
    ),
    ("PATCH", "/placements/slots/{slot_id}"): Case(
        attacks(*(Call(who, "plslot", {"capacity": 1}) for who in ("b.operator", "b.admin1", "a.member1")),
                *(Call(who, "plslot", {"capacity": 1}, expect=403) for who in ("a.admin1", "a.key1", "a.staff1"))),
        owners(Call("a.operator", "plslot", {"title": "会员页置顶"}, expect=200)),
    ),
    ("GET", "/placements/slots/{slot_id}/calendar"): Case(
        attacks(*(Call(who, "plslot") for who in ("b.operator", "b.admin1", "a.member1"))),
        owners(Call("a.admin2", "plslot", expect=200), Call("a.operator", "plslot", expect=200)),
    ),
    ("POST", "/placements/bookings"): Case(
        attacks(Call("a.admin2", body={**PLACEMENT_BOOKING, "merchant_id": "@m1"}, expect=403),
                Call("a.staff1", body=PLACEMENT_BOOKING, expect=403), Call("a.member1", body=PLACEMENT_BOOKING,
                                                                            expect=403),
                Call("b.operator", body={**PLACEMENT_BOOKING, "merchant_id": "@bm"}),
                Call("b.admin1", body=PLACEMENT_BOOKING),
                Call("a.operator", body={**PLACEMENT_BOOKING, "merchant_id": "@bm"})),
        owners(Call("a.admin2", body=PLACEMENT_BOOKING, expect=201),
               Call("a.operator", body={**PLACEMENT_BOOKING, "merchant_id": "@m3"}, expect=201)),
    ),
    ("GET", "/placements/bookings"): Case(
        attacks(*(Call(who, expect=200) for who in PLACEMENT_STRANGERS)),
        owners(Call("a.admin1", expect=200), Call("a.key1", expect=200), Call("a.operator", expect=200)),
    ),
    ("GET", "/placements/bookings/{booking_id}"): Case(
        attacks(*(Call(who, "plbook1") for who in PLACEMENT_STRANGERS)),
        owners(Call("a.admin1", "plbook1", expect=200), Call("a.operator", "plbook1", expect=200)),
    ),
    ("POST", "/placements/bookings/{booking_id}/cancel"): Case(
        attacks(*(Call(who, "plbook1") for who in PLACEMENT_STRANGERS),
                Call("a.staff1", "plbook1", expect=403)),
        owners(Call("a.admin1", "plbook1", expect=200)),
    ),
    ("GET", "/placements/revenue"): Case(
        attacks(*(Call(who, expect=403) for who in ("a.admin1", "a.staff1", "a.key1", "a.member1"))),
        owners(Call("a.operator", expect=200)),
    ),
})

# --- distribution (分销): terms are the alliance's catalogue, set by the offer's owner or the operator; results are
# the owner's and the operator's (another merchant: k-suppressed totals, tests/integration/distribution); a member
# shares only an offer of its own alliance ---
SWEEP.update({
    ("GET", "/coupon-templates/{template_id}/distribution"): Case(
        attacks(*(Call(who, "tpl1") for who in ("b.operator", "b.admin1", "b.staff1")),
                Call("a.operator", "btpl"), Call("a.member1", "btpl"), Call("a.admin1", "btpl")),
        owners(Call("a.admin1", "tpl1", expect=200), Call("a.operator", "tpl1", expect=200),
               Call("a.admin2", "tpl1", expect=200), Call("a.member2", "tpl1", expect=200)),
    ),
    ("PUT", "/coupon-templates/{template_id}/distribution"): Case(
        attacks(*(Call(who, "tpl1", {**SHARING, "amount": 9_000}, expect=403)
                  for who in ("a.admin2", "a.staff1", "a.key2", "a.member1", "a.member2")),
                *(Call(who, "tpl1", {**SHARING, "amount": 9_000}) for who in ("b.operator", "b.admin1")),
                Call("a.operator", "btpl", {**SHARING, "amount": 9_000}),
                Call("a.admin1", "btpl", {**SHARING, "amount": 9_000})),
        owners(Call("a.admin1", "tpl1", {**SHARING, "amount": 3_000}, expect=200),
               Call("a.key1", "tpl1", {**SHARING, "cap_per_month": 10_000}, expect=200),
               Call("a.operator", "tpl1", {**SHARING, "enabled": False}, expect=200)),
    ),
    ("GET", "/coupon-templates/{template_id}/distribution/results"): Case(
        attacks(*(Call(who, "tpl1") for who in ("b.operator", "b.admin1")),
                Call("a.operator", "btpl"), Call("a.admin1", "btpl"),
                *(Call(who, "tpl1", expect=403) for who in ("a.member1", "a.member2"))),
        owners(Call("a.admin1", "tpl1", expect=200), Call("a.staff1", "tpl1", expect=200),
               Call("a.operator", "tpl1", expect=200)),
    ),
    ("POST", "/me/shares"): Case(
        attacks(Call("a.member1", body={"template_id": "@btpl"}),
                Call("a.member1", body={"template_id": "@missing"}),
                Call("a.member1", body={"template_id": "@tpl2"}, expect=422),
                *(Call(who, body={"template_id": "@tpl1"}, expect=403)
                  for who in ("a.admin1", "a.staff1", "a.key1", "a.operator", "b.operator", "platform"))),
        owners(Call("a.member1", body={"template_id": "@tpl1"}, expect=201),
               Call("a.member2", body={"template_id": "@tpl1"}, expect=201)),
    ),
})

# --- operator fees (平台收费): settings, waivers and runs are the operator's, of its own alliance; a charge or a waiver
# is also its merchant's admins' and integrations'; the fee settings are read by everyone working in the alliance ---
FEE_WAIVER = {"merchant_id": "@m1", "kind": "joining", "starts_on": "2030-01-01", "reason": "创始商户"}
NOT_THE_OPERATOR = ("a.admin1", "a.staff1", "a.key1", "a.member1", "platform")
SWEEP.update({
    ("GET", "/fee-settings"): Case(
        attacks(Call("b.operator"), Call("b.admin1"), Call("a.member1", expect=403), Call("platform", expect=403)),
        owners(Call("a.operator", expect=200), Call("a.admin1", expect=200), Call("a.staff2", expect=200),
               Call("a.key1", expect=200)),
    ),
    ("PUT", "/fee-settings"): Case(
        attacks(*(Call(who, body={"annual_fee_fen": 1}, expect=403) for who in NOT_THE_OPERATOR),
                Call("b.operator", body={"annual_fee_fen": 1, "alliance_id": "@alpha"}, expect=422)),
        owners(Call("a.operator", body={"annual_fee_fen": 200_000, "commission_bp": 100}, expect=200)),
    ),
    ("GET", "/revenue"): Case(
        attacks(*(Call(who, expect=403) for who in NOT_THE_OPERATOR), Call("b.admin1", expect=403)),
        owners(Call("a.operator", expect=200), Call("a.operator", query={"lang": "en"}, expect=200)),
    ),
    ("GET", "/revenue/charges"): Case(
        attacks(Call("a.admin2", query={"merchant_id": "@m1"}, expect=200),
                Call("a.key2", query={"merchant_id": "@m1"}, expect=200),
                Call("a.staff1", expect=200), Call("a.member1", expect=200),
                Call("b.operator", expect=200), Call("b.operator", query={"merchant_id": "@m1"}, expect=200),
                Call("b.admin1", query={"merchant_id": "@m1"}, expect=200)),
        owners(Call("a.admin1", expect=200), Call("a.key1", query={"merchant_id": "@m1"}, expect=200),
               Call("a.operator", query={"merchant_id": "@m2"}, expect=200), Call("platform", expect=200)),
    ),
    ("GET", "/revenue/waivers"): Case(
        attacks(Call("a.admin2", query={"merchant_id": "@m1"}, expect=200),
                Call("a.key2", query={"merchant_id": "@m1"}, expect=200),
                Call("a.staff1", expect=200), Call("a.member1", expect=200),
                Call("b.operator", expect=200), Call("b.operator", query={"merchant_id": "@m1"}, expect=200),
                Call("b.admin1", query={"merchant_id": "@m1"}, expect=200)),
        owners(Call("a.admin1", expect=200), Call("a.key1", expect=200),
               Call("a.operator", query={"merchant_id": "@m2"}, expect=200), Call("platform", expect=200)),
    ),
    ("POST", "/revenue/waivers"): Case(
        attacks(*(Call(who, body=FEE_WAIVER, expect=403) for who in NOT_THE_OPERATOR),
                Call("b.operator", body=FEE_WAIVER, expect=422),
                Call("a.operator", body={**FEE_WAIVER, "merchant_id": "@bm"}, expect=422)),
        owners(Call("a.operator", body=FEE_WAIVER, expect=201)),
    ),
    ("POST", "/revenue/runs"): Case(
        attacks(*(Call(who, body={"month": "@fee_month"}, expect=403) for who in NOT_THE_OPERATOR),
                Call("b.operator", body={"month": "@fee_month", "alliance_id": "@alpha"}, expect=422)),
        owners(Call("a.operator", body={"month": "@fee_month"}, expect=200)),
    ),
})

PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/health"): "version and database reachability only",
    ("POST", "/auth/token"): "password login: answers only about the credentials given",
    ("POST", "/auth/login"): "password login: answers only about the credentials given",
    ("POST", "/auth/member/code"): "always 202, whether or not the phone holds a card (tested below)",
    ("POST", "/auth/member/code/verify"): "needs the code sent to the phone (tested below across alliances)",
    ("POST", "/auth/member/card"): "needs a signed QR payload (tested below: forged and superseded ones fail)",
}
PUBLIC.update({
    ("POST", "/prospects/uploads"): "the prospect's upload, authenticated by its invitation's token (not a login); "
                                    "answers only that invitation's alliance-wide count (tests/integration/prospects)",
})
PUBLIC.update({
    ("GET", "/claim/{token}"): "a shared claim link's offer: the coupon's terms and the sharing store, no person",
    ("GET", "/claim/{token}/qr.svg"): "the claim link as a QR code",
    ("POST", "/claim/{token}/code"): "sends a code to the phone given; the same answer whoever holds it",
    ("POST", "/claim/{token}"): "the claimer proves the phone (its code) or is the member logged in; staff are "
                                "refused; answers only about that coupon and that member",
    ("GET", "/join/{token}"): "a shared join link: who invites (alliance, merchant) and to what, no person",
    ("GET", "/join/{token}/qr.svg"): "the join link as a QR code",
    ("POST", "/join/{token}/code"): "sends a code to the phone given; the same answer whoever holds it",
    ("POST", "/join/{token}/applications"): "the applicant proves the phone (its code); answers only about its own "
                                            "application (masked phone)",
    ("GET", "/group-buys/groups/by-token/{token}"): "a shared group-buy link: the offer, price, seats filled and "
                                                    "deadline, the leader masked (张**), no person",
})
SELF: dict[tuple[str, str], str] = {
    ("GET", "/auth/whoami"): "describes the caller itself; takes no id",
    ("POST", "/auth/logout"): "ends the caller's own token; takes no id (tests/integration/auth/test_sessions.py)",
    ("GET", "/me"): "the member's own profile; takes no id (tested below)",
    ("GET", "/group-buys/groups/mine"): "the member's own groups; takes no id; staff and keys 403 "
                                        "(tests/integration/groupbuys)",
    ("PATCH", "/me"): "the member's own profile; takes no id (tested below)",
    ("GET", "/me/interests"): "the member's own interests; takes no id; staff and keys 403 (tests/integration/tags)",
    ("PUT", "/me/interests"): "the member's own interests; takes no id; staff and keys 403 (tests/integration/tags)",
    ("PUT", "/me/personalised-offers"): "the member's own refusal; takes no id; staff and keys 403 "
                                        "(tests/integration/tags)",
    ("GET", "/notifications"): "the login's own notifications; takes no id (tests/integration/notifications)",
    ("POST", "/notifications/read-all"): "marks the login's own notifications read; takes no id "
                                         "(tests/integration/notifications)",
    ("GET", "/notification-preferences"): "the login's own settings; takes no id (tests/integration/notifications)",
    ("PUT", "/notification-preferences"): "the login's own settings; takes no id (tests/integration/notifications)",
    ("GET", "/me/message-preferences"): "the member's own settings; takes no id; staff and keys 403 "
                                        "(tests/integration/notifications)",
    ("PUT", "/me/message-preferences"): "the member's own settings; takes no id; staff and keys 403 "
                                        "(tests/integration/notifications)",
    ("GET", "/me/shares"): "the member's own share links, friends (masked) and rewards; takes no id; staff and keys "
                           "403 (tested below and in tests/integration/distribution)",
}


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"


def path_for(template: str, scene: Scene, at: str | None) -> str:
    """`at` names one scene id per path parameter, in order ("mb1/veh1"); "missing" stands for all of them."""
    params = PARAM.findall(template)
    names = at.split("/") if at else []
    if at == "missing":
        names = names * len(params)
    assert len(params) == len(names), f"{template}: `at` must name exactly its path parameters"
    values = iter(str(scene.ids[name]) for name in names)
    return PARAM.sub(lambda _: next(values), template)


def send(scene: Scene, method: str, template: str, call: Call, at: str | None = None) -> Response:
    return scene.call(call.who, method, path_for(template, scene, at or call.at), call.body, call.query)


def error_of(r: Response) -> Any:
    return r.json().get("error")


@pytest.mark.parametrize("route", sorted(SWEEP), ids=route_id)
def test_cross_tenant_attack_is_refused_and_writes_nothing(scene: Scene, route: tuple[str, str]) -> None:
    method, template = route
    case = SWEEP[route]
    for call in case.attacks:
        what = f"{method} {template} by {call.label()}"
        before = dump(scene.db_url)
        r = send(scene, method, template, call)
        assert r.status_code == call.expect, f"{what}: {r.status_code} {r.text}"
        if call.expect == 200 and r.headers["content-type"].startswith("text/csv"):  # an export: no data rows
            lines = r.content.decode("utf-8-sig").splitlines()
            assert len(lines) == 4, f"{what} exported foreign rows: {lines}"  # title, period, headers, totals
        elif call.expect == 200 and "ok" in r.json():  # a dry run: the foreign coupon is not accepted
            assert r.json()["ok"] is False, f"{what} accepted a foreign coupon: {r.text}"
        elif call.expect == 200 and "results" in r.json():  # a batch: every foreign order refused on its own
            assert {(x["outcome"], x["error"]["status"]) for x in r.json()["results"]} <= {
                ("refused", 404), ("refused", 403)}, f"{what} recorded a foreign order: {r.text}"
        elif call.expect == 200:
            assert r.json()["items"] == [], f"{what} listed foreign rows: {r.text}"
        else:
            assert error_of(r) is not None, f"{what}: not an error body: {r.text}"
        after = dump(scene.db_url)
        assert not changed_tables(before, after), f"{what} wrote to {changed_tables(before, after)}"
        if call.expect == 404 and call.at:
            missing = send(scene, method, template, call, at="missing")
            assert (missing.status_code, error_of(missing)) == (r.status_code, error_of(r)), (
                f"{what}: a foreign id is answered differently from a missing one"
            )
    for call in case.owners:
        what = f"{method} {template} by owner {call.label()}"
        r = send(scene, method, template, call)
        assert r.status_code == call.expect, f"{what}: {r.status_code} {r.text}"
        if method == "GET" and r.headers["content-type"].startswith("application/json"):
            body = r.json()
            # an order's own "items" is not a page, nor is a count with a "total"
            is_page = isinstance(body, dict) and "total" in body and "items" in body
            listed = body if isinstance(body, list) else (body["items"] if is_page else [body])
            assert listed, f"{what} listed nothing: the control must see rows"


def test_every_endpoint_has_a_tenancy_case(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = {
        (method.upper(), path.removeprefix(API))
        for path, operations in spec["paths"].items() if path.startswith(API + "/")
        for method in operations
    }
    covered = set(SWEEP) | set(PUBLIC) | set(SELF)
    assert not (set(SWEEP) & (set(PUBLIC) | set(SELF))), "an endpoint is both swept and exempt"
    assert sorted(routes - covered) == [], "endpoints without a tenancy case in SWEEP (or a reason in PUBLIC/SELF)"
    assert sorted(covered - routes) == [], "cases for endpoints that no longer exist"
    for route, case in SWEEP.items():
        assert case.attacks and case.owners, f"{route_id(route)} needs attacks and owners"
        refusals = [c for c in case.attacks if c.expect != 200]
        assert refusals or route[0] == "GET", f"{route_id(route)}: a write must have refused attacks"


# --- lists: exactly what the policy allows ----------------------------------------------------------------------

ACTORS = ("platform", "a.operator", "a.admin1", "a.staff1", "a.key1", "a.member1", "b.operator", "b.admin1")


def scope(platform: str, a_operator: str | None, a_merchant_side: str | None, a_member: str | None,
          b_side: str | None,
          *, a_staff: str | None = None, a_key: str | None = None, b_admin: str | None = None) -> dict[str, str | None]:
    """Per actor: the scene names it must list (space separated); None = the list itself is refused (404)."""
    return {
        "platform": platform, "a.operator": a_operator, "a.admin1": a_merchant_side,
        "a.staff1": a_merchant_side if a_staff is None else a_staff,
        "a.key1": a_merchant_side if a_key is None else a_key, "a.member1": a_member,
        "b.operator": b_side, "b.admin1": b_side if b_admin is None else b_admin,
    }


ALL_USERS = "u_platform u_aop u_admin1 u_admin2 u_admin3 u_staff1 u_staff2 u_staff3 u_bop u_badmin1 u_bstaff1"
LISTS: dict[str, dict[str, str | None]] = {
    "/alliances": scope("alpha beta", "alpha", "alpha", "alpha", "beta"),
    "/merchants": scope("m1 m2 m3 bm", "m1 m2 m3", "m1 m2 m3", "m1 m2 m3", "bm"),
    "/stores": scope("st1 st1x st1y st2 st3 bst", "st1 st1x st1y st2 st3", "st1 st1x st1y st2 st3",
                     "st1 st1x st1y st2 st3", "bst"),  # st1y: merged into st1 (closed, still listed)
    "/staff": scope("sf1 sf2 sf2b sf3 bsf", "sf1 sf2 sf2b sf3", "sf1", "", "bsf"),
    "/members": scope("mb1 mb1b mdd1 mdd2 mb1x mb2 mb3 bmb", "mb1 mb1b mdd1 mdd2 mb1x mb2 mb3",
                      "mb1 mb1b mdd1 mdd2 mb1x", "mb1", "bmb"),  # mb1y: merged into mb1
    "/memberships": scope("ms1 ms1b msdd1 msdd2 ms1x ms1y ms2 ms3 bms", "ms1 ms1b msdd1 msdd2 ms1x ms1y ms2 ms3",
                          "ms1 ms1b msdd1 msdd2 ms1x ms1y", "ms1", "bms"),
    "/agreements": scope("agr23 agr12 agr_wide agr_comm agr_offer b_wide", "agr23 agr12 agr_wide agr_comm agr_offer",
                         "agr12 agr_wide agr_comm agr_offer", "", "b_wide"),
    "/users": scope(ALL_USERS, "u_aop u_admin1 u_admin2 u_admin3 u_staff1 u_staff2 u_staff3", "u_admin1 u_staff1",
                    "", "u_bop u_badmin1 u_bstaff1", a_staff="u_staff1", a_key="", b_admin="u_badmin1 u_bstaff1"),
    "/merchants/@m1/api-keys": scope("key1", "key1", "key1", "", None, a_staff="", a_key=""),
    "/merchants/@m2/api-keys": scope("key2", "key2", "", "", None),
    "/merchants/@bm/api-keys": scope("", None, None, None, ""),
    "/feedback": scope("fb2", "fb2", "", "", ""),
    "/partners/candidates": scope("cand1 cand1x cand_op bcand pc1 pc_op pcb", "cand_op pc_op", "cand1 cand1x pc1", "",
                                  "bcand pcb",
                                  b_admin=""),
}
MERCHANTS = ("m1", "m2", "m3", "bm")
MEMBERS = ("mb1", "mb2", "mb3", "bmb")
STAFF = ("sf1", "sf2", "sf2b", "sf3", "bsf")


def by(param: str, names: tuple[str, ...]) -> list[dict[str, str]]:
    return [{param: f"@{n}"} for n in names]


# Filters that name other tenants' rows: with any of them, a caller still lists only a subset of its own scope.
WIDENERS: dict[str, list[dict[str, str]]] = {
    "/alliances": [{"q": "alpha"}, {"q": "beta"}, {"city": "深圳"}],
    "/merchants": [{"q": "merchant"}, {"industry": "auto_service"}, {"status": "active"}, {"tag": "高端"}],
    "/stores": [*by("merchant_id", MERCHANTS), {"q": "store"}, {"active": "true"}],
    "/staff": [*by("merchant_id", MERCHANTS), *by("store_id", ("st1", "st2", "st3", "bst")), {"q": "导购"}],
    "/members": [*by("merchant_id", MERCHANTS), *by("origin_merchant_id", MERCHANTS),
                 *by("origin_staff_id", STAFF), *(by("phone", tuple(f"{m}_phone" for m in MEMBERS))),
                 *by("card_no", tuple(f"{m}_card" for m in MEMBERS)), {"q": "会员"}, {"status": "active"}],
    "/memberships": [*by("member_id", MEMBERS), *by("merchant_id", MERCHANTS), {"tier": "standard"}],
    "/agreements": [*by("merchant_id", MERCHANTS), {"q": "协议"}, {"status": "draft"}, {"mode": "rights_exchange"}],
    "/users": [*by("merchant_id", MERCHANTS), {"role": "merchant_admin"}, {"role": "store_staff"},
               {"role": "operator_admin"}, {"q": "alpha"}],
    "/feedback": [*by("merchant_id", MERCHANTS), *by("referrer_merchant_id", MERCHANTS),
                  {"complaints_only": "true"}],
    "/partners/candidates": [{"q": "alpha"}, {"q": "beta"}, {"industry": "fitness"}, {"kind": "prospect"},
                             {"status": "watching"}],
}


def list_ids(scene: Scene, who: str, path: str, query: dict[str, str] | None = None) -> set[int] | None:
    """The ids `who` lists (all pages in one: page_size 200), or None when the list is refused with 404."""
    r = scene.call(who, "GET", path_of(scene, path), query={**(query or {}), "page_size": 200})
    if r.status_code == 404:
        return None
    assert r.status_code == 200, f"{who} GET {path} {query}: {r.status_code} {r.text}"
    page = r.json()
    assert page["total"] == len(page["items"]), f"{who} GET {path}: total disagrees with the items"
    return {item["id"] for item in page["items"]}


def path_of(scene: Scene, path: str) -> str:
    return re.sub(r"@(\w+)", lambda m: str(scene.ids[m.group(1)]), path)


def expected_ids(scene: Scene, names: str | None) -> set[int] | None:
    return None if names is None else {scene.ids[n] for n in names.split()}


@pytest.mark.parametrize("path", sorted(LISTS))
def test_each_caller_lists_exactly_its_scope(scene: Scene, path: str) -> None:
    for who in ACTORS:
        expected = expected_ids(scene, LISTS[path][who])
        assert list_ids(scene, who, path) == expected, f"{who} GET {path}"
        for query in WIDENERS.get(path, []):
            if who == "platform" and "phone" in query:
                continue  # phones are matched by a per-alliance hash: the platform admin must pick an alliance
            got = list_ids(scene, who, path, query)
            assert got is not None and expected is not None and got <= expected, (
                f"{who} GET {path} {scene.resolve(query)} listed {got}, outside its scope {expected}"
            )


def test_owners_filters_do_find_rows(scene: Scene) -> None:
    """Control for the widening checks: the same filters do select rows for a caller whose scope holds them."""
    assert list_ids(scene, "a.admin2", "/members", {"phone": scene.ids["mb2_phone"]}) == {scene.ids["mb2"]}
    assert list_ids(scene, "a.admin2", "/members", {"card_no": scene.ids["mb2_card"]}) == {scene.ids["mb2"]}
    assert list_ids(scene, "a.admin2", "/members", {"origin_merchant_id": scene.ids["m2"]}) == {scene.ids["mb2"]}
    assert list_ids(scene, "a.operator", "/members", {"merchant_id": scene.ids["m3"]}) == {scene.ids["mb3"]}
    assert list_ids(scene, "a.admin2", "/staff", {"store_id": scene.ids["st2"]}) == {scene.ids["sf2"]}
    assert list_ids(scene, "a.admin3", "/agreements", {"merchant_id": scene.ids["m2"]}) == {scene.ids["agr23"]}
    assert list_ids(scene, "a.admin2", "/users", {"merchant_id": scene.ids["m2"]}) == {
        scene.ids["u_admin2"], scene.ids["u_staff2"]}
    assert list_ids(scene, "platform", "/memberships", {"merchant_id": scene.ids["bm"]}) == {scene.ids["bms"]}


# --- an enrolment at a second merchant widens exactly that merchant's view ------------------------------------


def test_enrolment_at_another_merchant_shares_that_member_only(scene: Scene) -> None:
    mb2, mb3 = scene.ids["mb2"], scene.ids["mb3"]
    assert scene.call("a.admin1", "GET", f"/members/{mb2}").status_code == 404
    scene.ok("a.staff1", "POST", "/memberships", {"card_no": "@mb2_card"}, 201)
    assert scene.ok("a.admin1", "GET", f"/members/{mb2}")["id"] == mb2
    m1_members = {scene.ids[k] for k in ("mb1", "mb1b", "mdd1", "mdd2", "mb1x")}
    assert list_ids(scene, "a.admin1", "/members") == m1_members | {mb2}
    assert scene.call("a.admin1", "GET", f"/members/{mb3}").status_code == 404
    # m1 sees its own membership of mb2, never m2's
    assert {m["merchant_id"] for m in scene.ok("a.admin1", "GET", f"/memberships?member_id={mb2}")["items"]} == {
        scene.ids["m1"]}
    assert scene.call("a.admin1", "GET", f"/memberships/{scene.ids['ms2']}").status_code == 404
    # and m1 still cannot change what only the card holder or the operator may
    assert scene.call("a.admin1", "POST", f"/members/{mb2}/card/reissue").status_code == 403
    assert scene.ok("a.admin1", "GET", f"/members/{mb2}/card")["qr_payload"] is None


# --- ids in a body cannot redirect a write into another tenant ------------------------------------------------


def test_body_ids_naming_another_tenant_are_overridden_by_the_callers_own(scene: Scene) -> None:
    ids = scene.ids
    merchant = scene.ok("b.operator", "POST", "/merchants",
                        {"name": "迁入", "industry": "dining", "alliance_id": ids["alpha"]}, 201)
    assert merchant["alliance_id"] == ids["beta"]
    assert list_ids(scene, "a.operator", "/merchants") == {ids["m1"], ids["m2"], ids["m3"]}

    member = scene.ok("a.staff1", "POST", "/members", {"phone": "13800000201", "origin_merchant_id": ids["m2"]}, 201)
    assert (member["origin_merchant_id"], member["origin_staff_id"]) == (ids["m1"], ids["sf1"])
    assert list_ids(scene, "a.admin2", "/members") == {ids["mb2"]}

    agreement = scene.ok("a.admin1", "POST", "/agreements",
                         {**AGREEMENT, "title": "冒名", "merchant_a_id": ids["m2"], "merchant_b_id": ids["m3"]}, 201)
    assert (agreement["merchant_a_id"], agreement["merchant_b_id"]) == (ids["m1"], ids["m3"])

    user = scene.ok("b.operator", "POST", "/users", {"username": "op-beta-2", "password": "correct-horse-9",
                                                     "role": "operator_admin", "alliance_id": ids["alpha"]}, 201)
    assert user["alliance_id"] == ids["beta"]
    user = scene.ok("a.admin1", "POST", "/users", {"username": "admin-m1-b", "password": "correct-horse-9",
                                                   "role": "merchant_admin", "merchant_id": ids["m2"]}, 201)
    assert user["merchant_id"] == ids["m1"]


def test_idempotency_keys_do_not_replay_across_callers(scene: Scene) -> None:
    body = {"phone": "13800000301", "name": "幂等"}
    key = {"Idempotency-Key": "same-key-everywhere"}
    first = scene.call("a.staff1", "POST", "/members", body, headers=key)
    assert first.status_code == 201
    # same key, same request: m2 is refused (the phone holds a card), beta enrols its own member; no replay
    for who, status in (("a.staff2", 409), ("a.admin2", 409), ("b.operator", 201)):
        r = scene.call(who, "POST", "/members", body, headers=key)
        assert "Idempotent-Replayed" not in r.headers, f"{who} got a.staff1's stored response"
        assert r.status_code == status and r.json() != first.json(), f"{who}: {r.status_code} {r.text}"
    again = scene.call("a.staff1", "POST", "/members", body, headers=key)
    assert (again.status_code, again.headers.get("Idempotent-Replayed")) == (201, "true")


# --- API keys ---------------------------------------------------------------------------------------------------


def test_api_key_reads_its_merchant_only_and_dies_when_revoked(scene: Scene) -> None:
    ids = scene.ids
    created = scene.ok("a.admin1", "POST", f"/merchants/{ids['m1']}/api-keys", {"name": "小程序"}, 201)
    assert created["key"].startswith("lmk_") and created["merchant_id"] == ids["m1"]
    listed = scene.ok("a.admin1", "GET", f"/merchants/{ids['m1']}/api-keys")["items"]
    assert created["id"] in {k["id"] for k in listed} and all("key" not in k for k in listed)

    for headers in ({"X-API-Key": created["key"]}, {"Authorization": f"Bearer {created['key']}"}):
        scene.headers["probe"] = headers
        assert scene.ok("probe", "GET", "/auth/whoami")["role"] == "integration"
        assert list_ids(scene, "probe", "/members") == {ids[k] for k in ("mb1", "mb1b", "mdd1", "mdd2", "mb1x")}
        assert scene.ok("probe", "GET", f"/members/{ids['mb1']}")["id"] == ids["mb1"]
        assert scene.call("probe", "GET", f"/members/{ids['mb2']}").status_code == 404
        assert scene.call("probe", "GET", f"/members/{ids['bmb']}").status_code == 404
        assert scene.call("probe", "GET", f"/staff/{ids['sf2']}").status_code == 404
        assert scene.call("probe", "POST", f"/merchants/{ids['m2']}/staff", {"name": "x"}).status_code == 403

    # another merchant's admin cannot revoke it; its own admin can
    assert scene.call("a.admin2", "POST", f"/api-keys/{created['id']}/revoke").status_code == 404
    assert scene.ok("a.admin1", "POST", f"/api-keys/{created['id']}/revoke")["revoked_at"] is not None
    for headers in ({"X-API-Key": created["key"]}, {"Authorization": f"Bearer {created['key']}"}):
        scene.headers["probe"] = headers
        assert scene.call("probe", "GET", f"/members/{ids['mb1']}").status_code == 401
        assert scene.call("probe", "GET", "/members").status_code == 401
    # the other key of m1 is untouched
    assert scene.ok("a.key1", "GET", f"/members/{ids['mb1']}")["id"] == ids["mb1"]


# --- member logins ----------------------------------------------------------------------------------------------


def test_member_token_sees_only_its_own_member(scene: Scene) -> None:
    ids = scene.ids
    member = scene.ok("a.staff3", "POST", "/members", {"phone": "13800000401", "name": "新朋友"}, 201)
    card = scene.ok("a.operator", "GET", f"/members/{member['id']}/card")
    assert card["qr_payload"]
    login = scene.ok("a.staff1", "POST", "/auth/member/card", {"qr_payload": card["qr_payload"]})
    assert (login["role"], login["member_id"]) == ("member", member["id"])
    scene.headers["me"] = {"Authorization": f"Bearer {login['access_token']}"}

    assert scene.ok("me", "GET", "/me")["id"] == member["id"]
    assert scene.ok("me", "GET", f"/members/{member['id']}")["id"] == member["id"]
    assert scene.ok("me", "GET", f"/members/{member['id']}/card")["qr_payload"] == card["qr_payload"]
    assert list_ids(scene, "me", "/members") == {member["id"]}
    for other in ("mb1", "mb3", "bmb"):
        assert scene.call("me", "GET", f"/members/{ids[other]}").status_code == 404
        assert scene.call("me", "GET", f"/members/{ids[other]}/card").status_code == 404
    for path in ("/staff", "/users", "/agreements"):
        assert list_ids(scene, "me", path) == set(), path
    before = dump(scene.db_url)
    refused = [
        scene.call("me", "POST", f"/merchants/{ids['m3']}/staff", {"name": "x"}),
        scene.call("me", "POST", "/members", {"phone": "13800000402"}),
        scene.call("me", "PATCH", f"/members/{ids['mb3']}", HIJACK),
        scene.call("me", "PATCH", f"/members/{member['id']}", {"status": "blocked"}),
        scene.call("me", "POST", "/agreements", {**AGREEMENT, "title": "x", "merchant_b_id": ids["m2"]}),
        scene.call("me", "POST", f"/members/{ids['mb3']}/card/reissue"),
        scene.call("me", "GET", f"/staff/{ids['sf3']}"),
        scene.call("me", "GET", f"/users/{ids['u_staff3']}"),
        scene.call("me", "GET", f"/agreements/{ids['agr23']}"),
    ]
    assert [r.status_code for r in refused] == [403, 403, 404, 403, 403, 404, 404, 404, 404]
    assert not changed_tables(before, dump(scene.db_url))

    # what the member may change, it changes on itself only
    assert scene.ok("me", "PATCH", "/me", {"name": "改名"})["name"] == "改名"
    assert scene.ok("a.operator", "GET", f"/members/{ids['mb3']}")["name"] == "会员3"
    # reissuing the card ends the old QR and the token issued from it
    scene.ok("me", "POST", f"/members/{member['id']}/card/reissue")
    assert scene.call("me", "GET", "/me").status_code == 401
    assert scene.call("a.staff1", "POST", "/auth/member/card", {"qr_payload": card["qr_payload"]}).status_code == 422


def test_card_login_refuses_forged_payloads(scene: Scene) -> None:
    qr = scene.ok("a.operator", "GET", f"/members/{scene.ids['mb2']}/card")["qr_payload"]
    other_card = scene.ids["mb3_card"]
    forged = qr.replace(scene.ids["mb2_card"], other_card)
    for payload in (forged, qr + "0", "LM1.x.1.y"):
        r = scene.call("a.staff1", "POST", "/auth/member/card", {"qr_payload": payload})
        assert r.status_code == 422, payload


# --- the exempt endpoints behave as their reasons say ---------------------------------------------------------


@pytest.mark.parametrize("who", [*ACTORS, "a.staff2"])
def test_self_endpoints_describe_only_the_caller(scene: Scene, who: str) -> None:
    me = scene.ok(who, "GET", "/auth/whoami")
    if who == "a.member1":
        assert (me["role"], me["member_id"]) == ("member", scene.ids["mb1"])
        assert scene.ok(who, "GET", "/me")["id"] == scene.ids["mb1"]
        return
    assert me["member_id"] is None
    expected_merchant = {"a.admin1": "m1", "a.staff1": "m1", "a.key1": "m1", "a.staff2": "m2", "b.admin1": "bm"}
    assert me["merchant_id"] == (scene.ids[expected_merchant[who]] if who in expected_merchant else None)
    before = dump(scene.db_url)
    assert scene.call(who, "GET", "/me").status_code == 403
    assert scene.call(who, "PATCH", "/me", {"name": "x"}).status_code == 403
    assert not changed_tables(before, dump(scene.db_url))



def test_my_shares_list_the_alliances_open_offers_with_the_members_own_link(scene: Scene) -> None:
    ids = scene.ids
    sharer = scene.ok("a.member2", "GET", "/me/shares")
    assert [(o["template_id"], (o["link"] or {}).get("token")) for o in sharer["offers"]] == [
        (ids["tpl1"], ids["share_mb2"])]  # beta's open offer btpl is not listed
    other = scene.ok("a.member1", "GET", "/me/shares")
    assert [(o["template_id"], o["link"]) for o in other["offers"]] == [(ids["tpl1"], None)]  # not m2's member's link
    assert other["conversions"] == []
    before = dump(scene.db_url)
    for who in ("a.admin1", "a.staff1", "a.key1", "a.operator", "b.operator", "platform"):
        assert scene.call(who, "GET", "/me/shares").status_code == 403, who
    assert not changed_tables(before, dump(scene.db_url))
    results = f"/coupon-templates/{ids['tpl1']}/distribution/results"
    foreign = scene.ok("a.admin2", "GET", results)  # another merchant: no leaderboard, totals suppressed under k
    assert foreign["leaderboard"] == [] and foreign["sharers"] is None and foreign["claims"] is None

def test_member_code_requests_do_not_reveal_other_alliances_members(scene: Scene) -> None:
    ids = scene.ids
    before = dump(scene.db_url)
    code = API + "/auth/member/code"
    asked_wrong = scene.client.post(code, json={"alliance_id": ids["beta"], "phone": ids["mb1_phone"]})
    asked_nobody = scene.client.post(code, json={"alliance_id": ids["beta"], "phone": "13800000501"})
    assert (asked_wrong.status_code, asked_wrong.json()) == (asked_nobody.status_code, asked_nobody.json()) == (
        202, {"accepted": True})
    assert not changed_tables(before, dump(scene.db_url)), "a code was issued for another alliance's member"
    # and a code sent in alpha does not log in at beta
    assert scene.client.post(code, json={"alliance_id": ids["alpha"], "phone": ids["mb1_phone"]}).status_code == 202
    assert changed_tables(before, dump(scene.db_url))  # control: this one did issue a code
    r = scene.client.post(API + "/auth/member/code/verify",
                          json={"alliance_id": ids["beta"], "phone": ids["mb1_phone"], "code": "000000"})
    assert r.status_code == 401
