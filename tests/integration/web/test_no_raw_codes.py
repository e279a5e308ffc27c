"""Every page of the demo alliance, in Chinese and in English, shows words, never a stored code: no `per_head`,
no tier `gold`, no `(issue)` in a statement's history, no status, kind, role, industry or cycle as stored.

The codes are taken from the enums themselves (every StrEnum of every capability's domain, less the few that never
reach a page), so a new enum value shown raw fails here. The pages are found by following the links of each
login's home page (operator, merchant admin, store staff, member), so a new page is swept too.

What counts as raw: a code that has an underscore, stands alone in an element, or sits in brackets like `(issue)`;
on a Chinese page also a code next to Chinese text (`本店会员等级: silver`). Ordinary English words such as
"active" or "paid" may be part of an English sentence (or of a merchant's bilingual name), so they are not
flagged there.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from enum import StrEnum
from html.parser import HTMLParser

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import lianmeng
from lianmeng.demo import data
from lianmeng.demo.loader import DemoPlan, demo_usernames, load_demo
from lianmeng.jobs.service import run_all
from lianmeng.kit import clock
from lianmeng.kit.errors import ErrorCode
from lianmeng.members import service as members_service
from lianmeng.members.models import Member, Membership
from tests.integration.web.console import csrf_of

# enums that are never shown to a person (query switches, internal sides, units)
INTERNAL = {"Grouping", "LeaderboardBy", "LeaderboardPeriod", "Metric", "Side", "Unit", "OwnerType",
            "AttributionRule", "Kind", "GroupEvent"}
SKIP = re.compile(r"/export|\.png$|\.svg$|^/lang/|/logout|^/static/|^/docs|^/api/")


def shown_enums() -> list[type[StrEnum]]:
    found: dict[str, type[StrEnum]] = {}
    for module in pkgutil.walk_packages(lianmeng.__path__, "lianmeng."):
        if not module.name.endswith((".domain", ".schemas")):
            continue
        for value in vars(importlib.import_module(module.name)).values():
            if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum \
                    and not issubclass(value, ErrorCode) and len(value.__members__) > 0 \
                    and value.__name__ not in INTERNAL:
                found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def codes() -> set[str]:
    """Every shown enum's values and the demo's tiers, less the demo's login names (a page names who acted)."""
    words = {member.value for enum in shown_enums() for member in enum}
    return (words | {tier for tier, _ in data.TIERS}) - set(demo_usernames())


class Visible(HTMLParser):
    """The text a person sees, one string per element's own text."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self.hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title") and self.hidden:
            self.hidden -= 1

    def handle_data(self, text: str) -> None:
        if not self.hidden and text.strip():
            self.texts.append(text.strip())


def raw_codes(html: str, lang: str, known: set[str]) -> set[str]:
    parser = Visible()
    parser.feed(html)
    found = set()
    for text in parser.texts:
        words = set(re.findall(r"(?<![A-Za-z0-9_.@/-])[a-z][a-z0-9_]*(?![A-Za-z0-9_@/-])", text))
        for code in words & known:
            alone = text == code or "_" in code or re.search(rf"[(（]{code}[)）]", text)
            beside_chinese = re.search(rf"[\u4e00-\u9fff][:：\s]*{code}|{code}\s*[\u4e00-\u9fff]", text)
            if alone or (lang == "zh-CN" and beside_chinese):
                found.add(f"{code}: {text[:60]}")
    return found


def links(html: str) -> Iterator[str]:
    for href in re.findall(r'href="(/[^"#]*)', html):
        href = href.replace("&amp;", "&")
        if not SKIP.search(href):
            yield href


def shape(path: str) -> str:
    """A page's kind: /console/members/123?p=2 → /console/members/#?p=#."""
    return re.sub(r"\d+", "#", path)


def sweep(browser: TestClient, starts: list[str], known: set[str], per_shape: int = 2) -> dict[str, set[str]]:
    """Follow links from the starting pages (both languages) → {page (lang): raw codes seen}."""
    seen_shapes: dict[str, int] = {}
    queue, done, problems = list(starts), set(), {}
    while queue:
        path = queue.pop(0)
        if path in done or seen_shapes.get(shape(path), 0) >= per_shape or len(done) > 120:
            continue
        done.add(path)
        seen_shapes[shape(path)] = seen_shapes.get(shape(path), 0) + 1
        for lang in ("zh-CN", "en"):
            browser.cookies.set("lm_lang", lang)
            response = browser.get(path)
            assert response.status_code < 500, (path, response.text[:300])
            if not response.headers.get("content-type", "").startswith("text/html"):
                break
            raw = raw_codes(response.text, lang, known)
            if raw:
                problems[f"{path} ({lang})"] = raw
            if lang == "zh-CN":
                queue += [link for link in links(response.text) if link not in done]
    return problems


def login(client: TestClient, username: str) -> TestClient:
    browser = TestClient(client.app)
    token = csrf_of(browser.get("/login").text)
    done = browser.post("/login", data={"csrf": token, "username": username, "password": data.PASSWORD},
                        follow_redirects=False)
    assert done.status_code == 303, done.text
    return browser


def test_no_page_of_the_demo_alliance_shows_a_raw_code(client: TestClient, session: Session, db_url: str) -> None:
    load_demo(session, DemoPlan(seed=7, scale=0.02))
    session.commit()
    run_all(db_url, at=clock.now())  # release matured rebates, so there is something to withdraw
    known = codes()
    assert {"per_head", "gold", "issue", "dispute", "adjust", "quarterly", "store_staff", "auto_service"} <= known

    operator, tesla = login(client, "operator"), login(client, "tesla-admin")
    listed = tesla.get("/console/money").text  # the jobs settled last month
    statement = re.search(r'href="/console/money/statements/(\d+)"', listed)
    assert statement, "no statement for the last month"
    sid = statement.group(1)
    token = csrf_of(operator.get(f"/console/money/statements/{sid}").text)
    operator.post(f"/console/money/statements/{sid}/issue", data={"csrf": token})
    token = csrf_of(tesla.get(f"/console/money/statements/{sid}").text)
    tesla.post(f"/console/money/statements/{sid}/dispute", data={"csrf": token, "reason": "第 1 行金额不对"})
    campaign = operator.post("/console/campaigns", data={
        "csrf": csrf_of(operator.get("/console/campaigns").text), "name": "车主健康生活节",
        "starts_on": "2030-05-01", "ends_on": "2030-05-08"}, follow_redirects=False)
    assert campaign.status_code == 303, campaign.text
    agreement = re.search(r'href="/console/partners/agreements/(\d+)"', tesla.get("/console/partners").text)
    assert agreement
    problems: dict[str, set[str]] = {}
    problems |= sweep(operator, ["/console/operator", "/console/money", f"/console/money/statements/{sid}",
                                 "/console/campaigns", "/console/withdrawals", "/alliances/tesla-life-sz"], known)
    problems |= sweep(tesla, ["/console/dashboard", "/console/partners", "/console/members", "/console/coupons",
                              "/console/withdrawals", f"/console/partners/agreements/{agreement.group(1)}",
                              f"{campaign.headers['location']}"], known)

    guide = login(client, "tesla-sa")
    tesla_id = tesla.get("/console/dashboard").text
    member = session.query(Member).join(Membership, Membership.member_id == Member.id).filter(
        Membership.tier != "standard").first()
    assert member is not None
    for lang in ("zh-CN", "en"):
        guide.cookies.set("lm_lang", lang)
        desk = guide.post("/console/counter", data={"csrf": csrf_of(guide.get("/console/counter").text),
                                                    "action": "lookup", "card": member.card_no})
        if raw := raw_codes(desk.text, lang, known):
            problems[f"counter ({lang})"] = raw
        detail = tesla.get(f"/console/members/{member.id}")
        if detail.status_code == 200 and (raw := raw_codes(detail.text, lang, known)):
            problems[f"member {member.id} ({lang})"] = raw
    assert tesla_id

    visitor = TestClient(client.app)
    card = visitor.post("/m/login", data={"csrf": csrf_of(visitor.get("/m/login").text), "action": "card",
                                          "qr": members_service.qr_payload(member)}, follow_redirects=False)
    assert card.status_code == 303, card.text
    problems |= sweep(visitor, ["/m", "/m/partners"], known)
    assert not problems, "\n".join(f"{where}: {sorted(raw)}" for where, raw in sorted(problems.items()))


# where each shown enum's words are (AccountKind's live in several context tables: members' balances, statements)
TABLE_OF = {"AgreementStatus": "agreement_status", "AgreementAction": "agreement_action",
            "CooperationMode": "cooperation_mode", "SettlementCycle": "settlement_cycle", "Cycle": "settlement_cycle",
            "CommissionKind": "commission_kind", "PayeeKind": "commission_payee", "Role": "role",
            "CampaignStatus": "campaign_status", "CouponKind": "coupon_kind", "Acceptance": "acceptance",
            "JointProductStatus": "joint_product_status", "GroupBuyStatus": "group_buy_status",
            "GroupStatus": "group_buy_group_status", "SeatStatus": "group_buy_seat_status",
            "MemberStatus": "member_status", "Industry": "industry", "MerchantStatus": "merchant_status",
            "StaffRole": "staff_role", "PointsEntryKind": "points_entry", "Status": "statement_status",
            "Action": "statement_action", "WithdrawalStatus": "withdrawal_status", "Decision": "withdrawal_decision",
            "RebateStatus": "rebate_status", "PayoutMethod": "payout_method",
            "DecaySource": "decay_source", "DecayScope": "decay_scope", "Standard": "partner_standard",
            "TrendKind": "store_trend", "RatingSource": "rating_source", "CandidateStatus": "candidate_status",
            "SincerityQuestion": "sincerity_question", "SincerityReply": "sincerity_reply", "Basis": "score_basis",
            "Verdict": "partner_verdict", "Gate": "partner_gate",
            "ApplicantKind": "applicant_kind", "LinkAccepts": "link_accepts", "Occupation": "occupation",
            "ApplicationStatus": "recruit_status", "ReviewDecision": "recruit_decision",
            "RecruiterType": "recruiter_type",
            "InvitationStatus": "prospect_invitation_status", "AuditEvent": "prospect_audit_event",
            "UploadProblem": "upload_problem",
            "SegmentDimension": "segment_dimension", "ShareStatus": "segment_share_status",
            "Arm": "offer_arm", "OfferStatus": "offer_status", "RecipientStatus": "offer_recipient_status",
            "SkipReason": "offer_skip_reason", "Channel": "offer_channel", "RfmClass": "rfm_class",

"TagGroup": "tag_group", "TagSource": "tag_source", "RuleKind": "tag_rule_kind",
            "VerificationStatus": "verification_status", "VerificationRule": "verification_rule",
            "SubjectKind": "verification_subject", "VerificationAction": "verification_action",
            "CodeProblem": "code_problem",
            "ProfileField": "profile_field", "Gender": "gender",
            "OwnershipChange": "ownership_change", "AssignBasis": "assign_basis",
            "DedupKind": "dedup_kind", "CandidateState": "dedup_state", "FieldAgreement": "dedup_agreement",
            "ThresholdDecision": "dedup_decision", "DedupVerdict": "dedup_verdict",
            "MergeStatus": "merge_status", "MergeEventKind": "merge_event", "PlaceKind": "place_kind",
            "AgreementEventKind": "agreement_event", "PostingCause": "ledger_cause", "Tier": "tier",
            "AccountKind": "account_kind",
            "StaffKind": "notification_kind", "MemberKind": "message_kind",
            "AuditAction": "audit_action", "ObjectType": "audit_object",
            "JobKind": "job_kind", "RunOutcome": "job_outcome",
            "EventType": "webhook_event", "DeliveryState": "webhook_state"}


def test_every_value_of_every_shown_enum_has_words_in_both_languages() -> None:
    from lianmeng.web import labels

    for enum in shown_enums():
        assert enum.__name__ in TABLE_OF, f"{enum.__module__}.{enum.__name__} has no label table"
        for member in enum:
            zh, en = labels.pair(TABLE_OF[enum.__name__], member)
            assert zh != member.value and en != member.value and re.search(r"[\u4e00-\u9fff]", zh), member
            assert labels.label(TABLE_OF[enum.__name__], member, "en") == en
    for tier, _ in data.TIERS:
        assert labels.pair("tier", tier) != (tier, tier)
