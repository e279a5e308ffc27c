"""Pure rules of recruiting (seed 002 §2.1 招募, §1.3 资源联盟).

A merchant admin, a store staff member or the operator shares a join link (招募链接 / 二维码). Two kinds of people
apply through it on their phone, the phone proved by a one-time code:
  * a prospect merchant (意向商户), who becomes a partner candidate and, once approved, a merchant of the alliance;
  * an independent promoter (推广员): another brand's shopping guide (§2.1), a designer or a tour guide (§1.3).
    Once approved it is a staff member of the inviting merchant with the role `promoter`, so it earns rebates
    exactly as staff do: single level only, frozen for the return window, withdrawable after.

Review
  * only a pending application can be decided; approve or reject, and a rejection needs a reason (blank → 422);
  * the operator may review every application of its alliance, a merchant admin those its merchant invited;
    store staff (promoters among them) review nothing;
  * nobody decides their own application (the reviewer's own phone), nor one they recruited for a bounty (four eyes:
    the bounty goes to the recruiter). The operator's own recruits earn no bounty, so it decides them itself.

Recruiter credit
  * the recruiter is whoever shared the link: its staff member when it has one, else its merchant, else the
    operator;
  * where the alliance sets a bounty, each approved recruit pays it once to a staff or merchant recruiter, from the
    operator's fees account into the recruiter's withdrawable rebate balance (`bounty_for`). The operator recruiting
    for itself earns nothing: it would pay itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.recruiting.errors import Problem

MAX_BOUNTY_FEN = 1_000_000  # ¥10,000 per recruit: far above any seed figure, a guard against a typo
MAX_REASON = 500


class ApplicantKind(LabelledEnum):
    MERCHANT = "merchant", "意向商户", "Prospect merchant"
    PROMOTER = "promoter", "推广员", "Promoter"


KIND_LABELS: dict[ApplicantKind, tuple[str, str]] = pairs(ApplicantKind)


class LinkAccepts(LabelledEnum):
    """Whom a join link invites."""

    ANY = "any", "商户与推广员", "Merchants and promoters"
    MERCHANT = "merchant", "仅商户", "Merchants only"
    PROMOTER = "promoter", "仅推广员", "Promoters only"


ACCEPTS_LABELS: dict[LinkAccepts, tuple[str, str]] = pairs(LinkAccepts)


class Occupation(LabelledEnum):
    """What an independent promoter does for a living (seed 002 §2.1 and §1.3)."""

    SHOPPING_GUIDE = "shopping_guide", "其他品牌导购", "Another brand's shopping guide"
    DESIGNER = "designer", "设计师", "Designer"
    TOUR_GUIDE = "tour_guide", "导游", "Tour guide"
    OTHER = "other", "其他", "Other"


OCCUPATION_LABELS: dict[Occupation, tuple[str, str]] = pairs(Occupation)


class ApplicationStatus(LabelledEnum):
    PENDING = "pending", "待审核", "Pending"
    APPROVED = "approved", "已通过", "Approved"
    REJECTED = "rejected", "已拒绝", "Rejected"


STATUS_LABELS: dict[ApplicationStatus, tuple[str, str]] = pairs(ApplicationStatus)


class ReviewDecision(LabelledEnum):
    APPROVE = "approve", "通过", "Approve"
    REJECT = "reject", "拒绝", "Reject"


DECISION_LABELS: dict[ReviewDecision, tuple[str, str]] = pairs(ReviewDecision)


class RecruiterType(LabelledEnum):
    STAFF = "staff", "员工", "Staff member"
    MERCHANT = "merchant", "商户", "Merchant"
    OPERATOR = "operator", "盟主", "Alliance operator"


RECRUITER_LABELS: dict[RecruiterType, tuple[str, str]] = pairs(RecruiterType)


class Refusal(Exception):
    """A rule said no: `code` is the error code the door shows (kit/i18n.py), `status` its HTTP status."""

    def __init__(self, code: str, status: int = 422) -> None:
        super().__init__(code)
        self.code = code
        self.status = status


# --- links and applications --------------------------------------------------------------------------------


def accepts(link_accepts: LinkAccepts, has_host: bool, kind: ApplicantKind) -> None:
    """May this kind of applicant apply through the link? A promoter joins a merchant's staff, so a link with no
    inviting merchant (an operator's own link without a host) takes merchants only."""
    if link_accepts is not LinkAccepts.ANY and link_accepts.value != kind.value:
        raise Refusal(Problem.RECRUIT_KIND_NOT_INVITED)
    if kind is ApplicantKind.PROMOTER and not has_host:
        raise Refusal(Problem.RECRUIT_NEEDS_HOST)


@dataclass(frozen=True)
class Recruiter:
    type: RecruiterType
    id: int  # 0 for the operator


def recruiter_of(staff_id: int | None, merchant_id: int | None) -> Recruiter:
    """Who shared the link: its staff member, else its merchant, else the operator."""
    if staff_id is not None:
        return Recruiter(RecruiterType.STAFF, staff_id)
    if merchant_id is not None:
        return Recruiter(RecruiterType.MERCHANT, merchant_id)
    return Recruiter(RecruiterType.OPERATOR, 0)


# --- review -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reviewer:
    """The facts of a reviewer the rules need (no session): whether it is the operator, the merchant it manages
    (merchant admins), the keyed hash of its own phone (when its login is tied to a staff record that has one), its
    user id."""

    is_operator: bool
    manages_merchant_id: int | None
    phone_hash: str | None
    user_id: int | None


@dataclass(frozen=True)
class Facts:
    """An application as the review rules see it."""

    status: ApplicationStatus
    inviting_merchant_id: int | None
    phone_hash: str
    recruited_by_user_id: int | None
    recruiter_type: RecruiterType = RecruiterType.STAFF


def check_reviewer(reviewer: Reviewer, facts: Facts) -> None:
    """Who may decide this application. Scope (404) is the repository's; these are the 403s."""
    if not reviewer.is_operator and (reviewer.manages_merchant_id is None
                                     or reviewer.manages_merchant_id != facts.inviting_merchant_id):
        raise Refusal("forbidden", 403)
    if reviewer.phone_hash is not None and reviewer.phone_hash == facts.phone_hash:
        raise Refusal(Problem.RECRUIT_SELF_APPROVAL, 403)
    if (reviewer.user_id is not None and reviewer.user_id == facts.recruited_by_user_id
            and facts.recruiter_type is not RecruiterType.OPERATOR):
        raise Refusal(Problem.RECRUIT_OWN_RECRUIT, 403)


def clean_reason(reason: str | None) -> str:
    return (reason or "").strip()[:MAX_REASON]


def decide(status: ApplicationStatus, decision: ReviewDecision, reason: str | None) -> ApplicationStatus:
    """The status after a decision. Only a pending application is decided (409 otherwise: approving twice changes
    nothing and pays nothing twice); rejecting needs a reason (422)."""
    if status is not ApplicationStatus.PENDING:
        raise Refusal(Problem.RECRUIT_ALREADY_DECIDED, 409)
    if decision is ReviewDecision.REJECT:
        if not clean_reason(reason):
            raise Refusal(Problem.RECRUIT_REASON_REQUIRED)
        return ApplicationStatus.REJECTED
    return ApplicationStatus.APPROVED


# --- recruiter credit ---------------------------------------------------------------------------------------


def check_bounty(bounty_fen: int) -> None:
    if isinstance(bounty_fen, bool) or not isinstance(bounty_fen, int) or not 0 <= bounty_fen <= MAX_BOUNTY_FEN:
        raise Refusal(Problem.RECRUIT_BOUNTY_RANGE)


def bounty_for(bounty_fen: int, recruiter: Recruiter) -> int:
    """What an approval pays its recruiter: the alliance's bounty, unless the recruiter is the operator (who pays
    it) or there is none."""
    if recruiter.type is RecruiterType.OPERATOR:
        return 0
    return max(bounty_fen, 0)


@dataclass(frozen=True)
class Tally:
    """One recruiter's (or merchant's) recruits: applications brought, approved, bounties earned."""

    key: tuple[str, int]
    name: str
    applications: int
    approved: int
    bounty_fen: int


def rank(tallies: list[Tally]) -> list[tuple[int, Tally]]:
    """Most approved recruits first, then most applications, then name; equal figures share a rank (1, 1, 3)."""
    ordered = sorted(tallies, key=lambda t: (-t.approved, -t.applications, t.name, t.key))
    out: list[tuple[int, Tally]] = []
    for index, tally in enumerate(ordered):
        previous = out[-1] if out else None
        same = previous is not None and (previous[1].approved, previous[1].applications) == (
            tally.approved, tally.applications)
        out.append((previous[0] if same and previous else index + 1, tally))
    return out
