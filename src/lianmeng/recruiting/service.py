"""Use cases of recruiting: share a join link, apply with a proved phone, review, credit the recruiter.

Services never commit: the API, the pages and the CLI commit once per request or command. Approving posts the
bounty under `recruit:<application id>:bounty`, so a retry (or a concurrent approval that got past the status check)
cannot pay twice; the application row is locked while it is decided.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

import jwt
from sqlalchemy.orm import Session

from lianmeng.alliances.models import Alliance
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth import principal_cache
from lianmeng.auth import repository as auth_repo
from lianmeng.auth import service as auth_service
from lianmeng.auth.domain import Role
from lianmeng.auth.models import User
from lianmeng.kit import clock, crypto
from lianmeng.kit.errors import AppError, Forbidden, Invalid, NotFound, Unauthorized
from lianmeng.ledger import service as ledger
from lianmeng.ledger.domain import OPERATOR, AccountKind, AccountRef, Leg, OwnerType, Party, PostingCause
from lianmeng.members import repository as members_repo
from lianmeng.members import service as members_service
from lianmeng.members.domain import normalize_phone
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import MerchantStatus, StaffRole
from lianmeng.merchants.models import Merchant, Staff
from lianmeng.partners.domain import CandidateStatus
from lianmeng.partners.models import Candidate
from lianmeng.recruiting import domain, repository
from lianmeng.recruiting.domain import ApplicantKind, ApplicationStatus, LinkAccepts, Recruiter, ReviewDecision
from lianmeng.recruiting.errors import Problem
from lianmeng.recruiting.models import Application, JoinLink, RecruitingSettings
from lianmeng.recruiting.schemas import ApplicationCreate, DecisionIn, JoinLinkCreate
from lianmeng.tenancy import Principal, policy

WELCOME_PURPOSE = "recruit-welcome"
WELCOME_HOURS = 72
BOUNTY_CAUSE = PostingCause.RECRUIT_BOUNTY
FEES = AccountRef(OwnerType.OPERATOR, 0, AccountKind.FEES)


def _refused(refusal: domain.Refusal) -> AppError:
    if refusal.status == 403:
        return Forbidden(refusal.code)
    return AppError(refusal.code, status_code=refusal.status)


# --- join links -----------------------------------------------------------------------------------------------


def _new_token(session: Session) -> str:
    while True:
        token = secrets.token_urlsafe(18)
        if not repository.token_taken(session, token):
            return token


def create_link(session: Session, actor: Principal, data: JoinLinkCreate) -> JoinLink:
    """A link for the caller to share: a person (a login), never an API key or a member. Merchant-side callers
    invite to their own merchant (the staff member behind the login is the recruiter); the operator may name a host
    merchant for the promoters it recruits."""
    if actor.kind != "user" or actor.role is Role.MEMBER or actor.alliance_id is None:
        raise Forbidden()
    merchant_id: int | None
    if actor.is_operator:
        merchant_id, staff_id = data.merchant_id, None
    else:
        if data.merchant_id is not None and data.merchant_id != actor.merchant_id:
            raise Forbidden()
        merchant_id, staff_id = actor.merchant_id, actor.staff_id
    if merchant_id is not None:
        merchant = merchants_repo.get_merchant(session, actor, merchant_id)
        if merchant.status != MerchantStatus.ACTIVE.value:
            raise Invalid("merchant_suspended")
    link = JoinLink(alliance_id=actor.alliance_id, token=_new_token(session), merchant_id=merchant_id,
                    staff_id=staff_id, created_by_user_id=actor.id, accepts=data.accepts.value,
                    title=data.title.strip(), active=True, created_at=clock.now())
    session.add(link)
    session.flush()
    return link


def set_link_active(session: Session, actor: Principal, link_id: int, active: bool) -> JoinLink:
    """Pause or resume a link: whoever may see it (its sharer, its merchant's admins, the operator)."""
    link = repository.get_link(session, actor, link_id)
    link.active = active
    session.flush()
    return link


@dataclass(frozen=True)
class OpenLink:
    """A join link as the public sees it."""

    link: JoinLink
    alliance: Alliance
    host: Merchant | None

    @property
    def active(self) -> bool:
        return self.link.active and (self.host is None or self.host.status == MerchantStatus.ACTIVE.value)


def open_link(session: Session, token: str) -> OpenLink:
    link = repository.link_by_token(session, token)
    if link is None:
        raise NotFound("join_link")
    alliance = session.get(Alliance, link.alliance_id)
    assert alliance is not None
    host = session.get(Merchant, link.merchant_id) if link.merchant_id is not None else None
    return OpenLink(link, alliance, host)


def _usable(session: Session, token: str) -> OpenLink:
    opened = open_link(session, token)
    if not opened.active:
        raise Invalid(Problem.JOIN_LINK_INACTIVE)
    return opened


def _phone(raw: str | None) -> str:
    phone = normalize_phone(raw) if raw else None
    if phone is None:
        raise Invalid("invalid_phone")
    return phone


# --- applying -------------------------------------------------------------------------------------------------


def request_code(session: Session, token: str, raw_phone: str) -> None:
    """Step one: a one-time code to the phone, by the member login's code service and its throttles. A phone new to
    the alliance gets the pending row codes are sent to (`members.domain.PENDING`, forgotten after 24 h unless its
    holder joins); the answer is the same whether or not the phone holds a card."""
    opened = _usable(session, token)
    phone = _phone(raw_phone)
    members_service.phone_to_prove(session, opened.link.alliance_id, phone)
    auth_service.request_code(session, opened.link.alliance_id, phone)


def prove_phone(session: Session, token: str, data: ApplicationCreate) -> str:
    """Step two, before anything is recorded: the code sent to the phone. A wrong code counts against the phone, so
    the door commits after this fails (nothing else has been written). Returns the normalised phone."""
    opened = _usable(session, token)
    phone = _phone(data.phone)
    if not data.code:
        raise Unauthorized("otp_required")
    auth_service.verify_code(session, opened.link.alliance_id, phone, data.code)
    return phone


def apply(session: Session, token: str, data: ApplicationCreate, phone: str) -> Application:
    """Record a proved application. A merchant applicant also becomes a partner candidate of the inviting merchant
    (the operator's when the link has no host), to be reviewed with the scorecard."""
    opened = _usable(session, token)
    link = opened.link
    try:
        domain.accepts(LinkAccepts(link.accepts), link.merchant_id is not None, data.kind)
    except domain.Refusal as refusal:
        raise _refused(refusal) from None
    phone_hash = members_repo.phone_hash(link.alliance_id, phone)
    if repository.open_application_of(session, link.alliance_id, members_repo.phone_hashes(link.alliance_id, phone),
                                      data.kind) is not None:
        raise AppError(Problem.RECRUIT_ALREADY_APPLIED, status_code=409)
    recruiter = domain.recruiter_of(link.staff_id, link.merchant_id)
    application = Application(
        alliance_id=link.alliance_id, join_link_id=link.id, kind=data.kind.value,
        status=ApplicationStatus.PENDING.value, inviting_merchant_id=link.merchant_id,
        recruiter_type=recruiter.type.value, recruiter_id=recruiter.id, recruited_by_user_id=link.created_by_user_id,
        applicant_name=data.applicant_name.strip(), phone_enc=crypto.encrypt(phone), phone_hash=phone_hash,
        phone_masked=crypto.mask_phone(phone), business_name=data.business_name.strip(),
        industry=data.industry.value if data.industry else "", district=data.district.strip(),
        occupation=data.occupation.value if data.occupation else "", employer=data.employer.strip(),
        note=data.note.strip(), bounty_fen=0, created_at=clock.now(),
    )
    if data.kind is ApplicantKind.MERCHANT:
        candidate = Candidate(alliance_id=link.alliance_id, owner_merchant_id=link.merchant_id,
                              name=application.business_name, industry=application.industry, brand_tags=[],
                              status=CandidateStatus.WATCHING.value,
                              notes=f"招募申请 Recruit application · {application.applicant_name}"
                                    + (f" · {application.district}" if application.district else ""))
        session.add(candidate)
        session.flush()
        application.candidate_id = candidate.id
    session.add(application)
    session.flush()
    return application


# --- review ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decided:
    application: Application
    login: User | None = None
    welcome_token: str | None = None


def _reviewer(session: Session, actor: Principal) -> domain.Reviewer:
    staff = merchants_repo.staff_by_id(session, actor.staff_id) if actor.staff_id is not None else None
    return domain.Reviewer(
        is_operator=actor.is_operator,
        manages_merchant_id=actor.merchant_id if actor.role is Role.MERCHANT_ADMIN else None,
        phone_hash=staff.phone_hash if staff is not None else None,
        user_id=actor.id if actor.kind == "user" else None,
    )


def decide(session: Session, actor: Principal, application_id: int, data: DecisionIn) -> Decided:
    """Approve or reject (with a reason). Approving a merchant adds it to the alliance with an admin login; approving
    a promoter makes it a staff member (role promoter) of the inviting merchant with a login; either login comes with
    a one-time set-password link. The recruiter's bounty, if the alliance sets one, is posted once."""
    application = repository.get_application(session, actor, application_id, lock=True)
    facts = domain.Facts(ApplicationStatus(application.status), application.inviting_merchant_id,
                         application.phone_hash, application.recruited_by_user_id,
                         domain.RecruiterType(application.recruiter_type))
    try:
        domain.check_reviewer(_reviewer(session, actor), facts)
        status = domain.decide(facts.status, data.decision, data.reason)
    except domain.Refusal as refusal:
        raise _refused(refusal) from None
    application.status = status.value
    application.reason = domain.clean_reason(data.reason)
    application.decided_by_user_id = actor.id if actor.kind == "user" else None
    application.decided_at = clock.now()
    if data.decision is ReviewDecision.REJECT:
        session.flush()
        return Decided(application)
    if application.kind == ApplicantKind.MERCHANT.value:
        login = _admit_merchant(session, application)
    else:
        login = _admit_promoter(session, application)
    application.user_id = login.id
    _pay_bounty(session, application)
    session.flush()
    return Decided(application, login, welcome_token(login))


def _login(session: Session, application: Application, role: Role, merchant_id: int, staff_id: int | None,
           stem: str) -> User:
    username = stem
    while auth_repo.user_by_username(session, username) is not None:
        username = f"{stem}-{secrets.token_hex(2)}"
    user = User(username=username, display_name=application.applicant_name,
                password_hash=auth_service.hash_password(secrets.token_urlsafe(24)), role=role.value,
                alliance_id=application.alliance_id, merchant_id=merchant_id, staff_id=staff_id)
    session.add(user)
    session.flush()
    return user


def _admit_merchant(session: Session, application: Application) -> User:
    merchant = Merchant(alliance_id=application.alliance_id, name=application.business_name,
                        industry=application.industry, brand_tags=[], rating=0.0, years_in_business=0,
                        status=MerchantStatus.ACTIVE.value, contact_name=application.applicant_name,
                        description=application.note)
    session.add(merchant)
    session.flush()
    application.merchant_id = merchant.id
    if application.candidate_id is not None:
        candidate = session.get(Candidate, application.candidate_id)
        if candidate is not None:
            candidate.merchant_id = merchant.id
    return _login(session, application, Role.MERCHANT_ADMIN, merchant.id, None, f"merchant-{merchant.id}-admin")


def _admit_promoter(session: Session, application: Application) -> User:
    """The promoter joins the inviting merchant's staff, its phone's keyed hash kept (only the hash) so that its own
    card is never credited to it (`coupons.service._refuse_self_referral`)."""
    assert application.inviting_merchant_id is not None  # `domain.accepts` refused promoters without a host
    staff = Staff(alliance_id=application.alliance_id,
                  merchant_id=application.inviting_merchant_id, store_id=None, name=application.applicant_name,
                  role=StaffRole.PROMOTER.value, phone_hash=application.phone_hash, active=True)
    session.add(staff)
    session.flush()
    application.staff_id = staff.id
    return _login(session, application, Role.STORE_STAFF, application.inviting_merchant_id, staff.id,
                  f"promoter-{staff.id}")


def _pay_bounty(session: Session, application: Application) -> None:
    """The alliance's bounty, from the operator's fees into the recruiter's withdrawable rebates (no return window:
    an approval is not returned). Keyed by the application: one payment however often it is tried."""
    settings = repository.settings_of(session, application.alliance_id)
    recruiter = Recruiter(domain.RecruiterType(application.recruiter_type), application.recruiter_id)
    amount = domain.bounty_for(settings.bounty_fen if settings else 0, recruiter)
    if amount <= 0:
        return
    payee = Party(OwnerType(recruiter.type.value), recruiter.id)
    legs = [Leg(FEES, -amount, payee),
            Leg(AccountRef(OwnerType(recruiter.type.value), recruiter.id, AccountKind.REBATE_AVAILABLE), amount,
                OPERATOR)]
    posted = ledger.post(session, application.alliance_id, f"recruit:{application.id}:bounty", BOUNTY_CAUSE, legs,
                         cause_id=application.id, memo=f"招募奖励 recruit bounty #{application.id}")
    if not posted.replayed:
        application.bounty_fen = amount


# --- welcome links (one-time set-password) --------------------------------------------------------------------


def welcome_token(user: User) -> str:
    """A signed link to choose a password, good for WELCOME_HOURS and once: setting the password bumps the login's
    token version, which the link names."""
    claims = {"sub": str(user.id), "ver": user.token_version, "purpose": WELCOME_PURPOSE,
              "exp": clock.now() + timedelta(hours=WELCOME_HOURS)}
    return jwt.encode(claims, crypto.derive_key(WELCOME_PURPOSE), algorithm="HS256")


def user_of_welcome(session: Session, token: str) -> User:
    try:
        claims = crypto.decode_jwt(token, WELCOME_PURPOSE, options={"require": ["exp", "sub"]})
    except jwt.PyJWTError:
        raise NotFound("welcome_link") from None
    user = auth_repo.user_by_id(session, int(claims["sub"])) if str(claims["sub"]).isdigit() else None
    if user is None or claims.get("purpose") != WELCOME_PURPOSE or claims.get("ver") != user.token_version:
        raise NotFound("welcome_link")
    return user


def set_password(session: Session, token: str, password: str) -> User:
    if not 8 <= len(password) <= 200:
        raise Invalid(Problem.PASSWORD_TOO_SHORT)
    user = user_of_welcome(session, token)
    user.password_hash = auth_service.hash_password(password)
    user.token_version += 1
    session.flush()
    principal_cache.forget_all(session)
    return user


# --- the alliance's terms and the leaderboard -----------------------------------------------------------------


def settings(session: Session, actor: Principal) -> RecruitingSettings | None:
    policy.require_staff_login(actor)
    if actor.alliance_id is None:
        raise Forbidden()
    return repository.settings_of(session, actor.alliance_id)


def set_bounty(session: Session, actor: Principal, bounty_fen: int) -> RecruitingSettings:
    """The operator sets the bounty per approved recruit (0: none). It pays it, so it alone sets it."""
    policy.require_operator(actor)
    if actor.alliance_id is None:
        raise Forbidden()
    try:
        domain.check_bounty(bounty_fen)
    except domain.Refusal as refusal:
        raise _refused(refusal) from None
    row = repository.settings_of(session, actor.alliance_id, lock=True)
    before = {"bounty_fen": row.bounty_fen if row is not None else None}
    if row is None:
        row = RecruitingSettings(alliance_id=actor.alliance_id, bounty_fen=bounty_fen)
        session.add(row)
    row.bounty_fen = bounty_fen
    audit.record(session, actor, AuditAction.RECRUITING_BOUNTY, actor.alliance_id, before=before,
                 after={"bounty_fen": bounty_fen}, only_changes=True)
    row.updated_by_user_id = actor.id if actor.kind == "user" else None
    session.flush()
    return row


@dataclass(frozen=True)
class Ranked:
    rank: int
    tally: domain.Tally

    @property
    def type(self) -> str:
        return self.tally.key[0]

    @property
    def id(self) -> int:
        return self.tally.key[1]


def leaderboard(session: Session, actor: Principal, by: str, operator_name: str = "盟主") -> list[Ranked]:
    """Recruiters (or inviting merchants) by approved recruits, within what the caller may see."""
    if actor.role is Role.MEMBER:
        raise Forbidden()
    rows = repository.tallies(session, actor, by)
    named = repository.names(session, {(t, i) for t, i, *_ in rows})
    tallies = [domain.Tally((t, i), operator_name if t == "operator" else named.get((t, i), f"#{i}"), n, a, b)
               for t, i, n, a, b in rows]
    return [Ranked(rank, tally) for rank, tally in domain.rank(tallies)]
