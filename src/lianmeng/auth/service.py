"""Use cases: log in, issue and read tokens, manage logins and API keys, members' one-time codes."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from lianmeng.alliances import repository as alliances_repo
from lianmeng.audit import service as audit
from lianmeng.audit.domain import AuditAction
from lianmeng.auth import domain, principal_cache, repository
from lianmeng.auth.domain import CREATABLE_ROLES, Role, hash_secret, new_api_key, new_one_time_code, split_api_key
from lianmeng.auth.errors import Problem
from lianmeng.auth.models import ApiKey, OneTimeCode, RevokedToken, User
from lianmeng.auth.sender import get_sender, redact_stale, redact_undelivered
from lianmeng.config import get_settings
from lianmeng.kit import clock, crypto, throttle
from lianmeng.kit.errors import AppError, Conflict, Forbidden, Invalid, Unauthorized
from lianmeng.members import repository as members_repo
from lianmeng.members import service as members_service
from lianmeng.members.domain import PENDING
from lianmeng.members.models import Member
from lianmeng.merchants import repository as merchants_repo
from lianmeng.merchants.domain import StaffRole
from lianmeng.merging.domain import TOMBSTONE
from lianmeng.tenancy import Principal, policy
from lianmeng.tenancy.principal import SYSTEM

_hasher = PasswordHasher()
ALGORITHM = "HS256"
TOKEN_PURPOSE = "bearer-tokens"
CODE_PURPOSE = "one-time-code"
_dummy: dict[int, str] = {}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _dummy_hash() -> str:
    """A hash made with the current hasher's parameters, checked when the username is unknown, so an unknown
    name costs the same time as a known one (no enumeration by timing)."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy[key]


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_at: datetime
    principal: Principal


def _token_key() -> bytes:
    return crypto.derive_key(TOKEN_PURPOSE)


def _encode(sub: str, version: int, minutes: int) -> tuple[str, datetime]:
    expires = clock.now() + timedelta(minutes=minutes)
    claims = {"sub": sub, "ver": version, "exp": expires, "jti": secrets.token_hex(16)}
    token = jwt.encode(claims, _token_key(), algorithm=ALGORITHM)
    return token, expires


def _login_checks(username: str) -> list[tuple[throttle.Rule, str]]:
    caller = throttle.current()
    account = username.lower()
    checks = [(domain.LOGIN_FAILURES_PER_ACCOUNT, account)]
    if caller.address is not None:
        checks += [(domain.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS, f"{account}|{caller.address}"),
                   (domain.LOGIN_FAILURES_PER_ADDRESS, caller.address)]
    return checks


def login(session: Session, username: str, password: str) -> IssuedToken:
    """Password login. Wrong passwords are counted per account, per account and address, and per address
    (429 + Retry-After once a window is full); an unknown username takes as long as a known one.

    Audited: a success in its alliance's trail; a refusal of a known login too, written before the refusal is
    raised, so the door must keep it (`UnitOfWork.keeping_refusal`, like the failed-attempt counters)."""
    username = username.strip()
    checks = _login_checks(username)
    counters = throttle.current().throttle
    counters.guard(checks, "login_throttled")
    user = repository.user_by_username(session, username)
    right = verify_password(user.password_hash if user else _dummy_hash(), password) and user is not None
    if user is None or not right:
        counters.hit(checks)
        if user is not None:
            audit.record_failed_login(session, user.username, user.id, user.alliance_id, user.merchant_id,
                                      user.role, Problem.BAD_CREDENTIALS.value)
        raise Unauthorized(Problem.BAD_CREDENTIALS)
    if not user.active:
        audit.record_failed_login(session, user.username, user.id, user.alliance_id, user.merchant_id, user.role,
                                  Problem.USER_DISABLED.value)
        raise Unauthorized(Problem.USER_DISABLED)
    user.last_login_at = clock.now()
    token, expires = _encode(f"user:{user.id}", user.token_version, get_settings().access_token_minutes)
    principal = principal_for_user(session, user)
    audit.record(session, principal, AuditAction.LOGIN, user.id)
    return IssuedToken(token, expires, principal)


def member_token(member: Member) -> IssuedToken:
    token, expires = _encode(f"member:{member.id}", member.qr_version, get_settings().member_token_minutes)
    return IssuedToken(token, expires, principal_for_member(member))


def principal_for_user(session: Session, user: User) -> Principal:
    store_id, promoter = None, False
    if user.staff_id is not None:
        staff = merchants_repo.staff_by_id(session, user.staff_id)
        store_id = staff.store_id if staff else None
        promoter = staff is not None and staff.role == StaffRole.PROMOTER.value
    return Principal(
        kind="user", id=user.id, role=Role(user.role), alliance_id=user.alliance_id, merchant_id=user.merchant_id,
        store_id=store_id, staff_id=user.staff_id, label=user.username, promoter=promoter,
    )


def principal_for_member(member: Member) -> Principal:
    return Principal(
        kind="member", id=member.id, role=Role.MEMBER, alliance_id=member.alliance_id, member_id=member.id,
        label=member.card_no,
    )


def principal_from_bearer(session: Session, token: str) -> Principal:
    if split_api_key(token):
        return principal_from_api_key(session, token)
    claims = _claims(token)
    if session.get(RevokedToken, str(claims["jti"])) is not None:
        raise Unauthorized(Problem.INVALID_TOKEN)
    kind, _, raw_id = str(claims["sub"]).partition(":")
    if not raw_id.isdigit():
        raise Unauthorized(Problem.INVALID_TOKEN)
    if kind == "user":
        user = repository.user_by_id(session, int(raw_id))
        if user is None or user.token_version != claims.get("ver"):
            raise Unauthorized(Problem.INVALID_TOKEN)
        if not user.active:
            raise Unauthorized(Problem.USER_DISABLED)
        return principal_for_user(session, user)
    if kind == "member":
        member = session.get(Member, int(raw_id))
        if member is None or member.qr_version != claims.get("ver") or member.status != "active":
            raise Unauthorized(Problem.INVALID_TOKEN)
        return principal_for_member(member)
    raise Unauthorized(Problem.INVALID_TOKEN)


def _claims(token: str) -> dict[str, object]:
    try:
        claims: dict[str, object] = crypto.decode_jwt(token, TOKEN_PURPOSE, options={"require": ["exp", "sub"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized(Problem.TOKEN_EXPIRED) from None
    except jwt.PyJWTError:
        raise Unauthorized(Problem.INVALID_TOKEN) from None
    if not isinstance(claims.get("jti"), str):
        raise Unauthorized(Problem.INVALID_TOKEN)  # every token we issue has an id, so logout can end it
    return claims


def revoke_token(session: Session, token: str) -> bool:
    """End a bearer token now (logout): its id is kept until it would have expired. False when the token is not
    one of ours or has expired already (nothing to end). Expired revocations are swept out on the way."""
    try:
        claims = _claims(token)
    except Unauthorized:
        return False
    now = clock.now()
    jti = str(claims["jti"])
    exp = claims["exp"]
    expires = datetime.fromtimestamp(exp, tz=now.tzinfo) if isinstance(exp, int | float) else now
    repository.delete_expired_revocations(session, now)
    if session.get(RevokedToken, jti) is None:
        session.add(RevokedToken(jti=jti, expires_at=expires, revoked_at=now))
        kind, _, raw_id = str(claims["sub"]).partition(":")
        user = repository.user_by_id(session, int(raw_id)) if kind == "user" and raw_id.isdigit() else None
        if user is not None:  # a member's logout is not an administrative action
            audit.record(session, principal_for_user(session, user), AuditAction.LOGOUT, user.id)
    session.flush()
    principal_cache.forget_all(session)
    return True


def principal_from_api_key(session: Session, full_key: str) -> Principal:
    prefix = split_api_key(full_key)
    key = repository.api_key_by_prefix(session, prefix) if prefix else None
    if key is None or key.revoked_at is not None or not hmac.compare_digest(key.secret_hash, hash_secret(full_key)):
        raise Unauthorized(Problem.INVALID_API_KEY)
    merchant = merchants_repo.merchant_by_id(session, key.merchant_id)
    if merchant is None:
        raise Unauthorized(Problem.INVALID_API_KEY)
    return Principal(
        kind="api_key", id=key.id, role=Role.INTEGRATION, alliance_id=merchant.alliance_id,
        merchant_id=merchant.id, label=key.name,
    )


# --- logins -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewUser:
    username: str
    password: str
    role: Role
    display_name: str = ""
    alliance_id: int | None = None
    merchant_id: int | None = None
    staff_id: int | None = None


def create_user(session: Session, actor: Principal | None, data: NewUser) -> User:
    """Create a login. `actor` None means the CLI (trusted, may create a platform admin)."""
    alliance_id, merchant_id, staff_id = data.alliance_id, data.merchant_id, data.staff_id
    if actor is not None:
        if data.role not in CREATABLE_ROLES.get(actor.role, frozenset()):
            raise Forbidden(Problem.INVALID_ROLE)
        if not actor.is_platform:
            alliance_id = actor.alliance_id
        if actor.role is Role.MERCHANT_ADMIN:
            merchant_id = actor.merchant_id
    if data.role is not Role.PLATFORM_ADMIN and alliance_id is None:
        raise Invalid("validation_error", details={"alliance_id": "required"})
    scope = actor or SYSTEM
    if alliance_id is not None:
        alliances_repo.get_alliance(session, scope, alliance_id)
    if data.role in (Role.MERCHANT_ADMIN, Role.STORE_STAFF):
        if merchant_id is None:
            raise Invalid("validation_error", details={"merchant_id": "required"})
        merchant = merchants_repo.get_merchant(session, scope, merchant_id)
        if merchant.alliance_id != alliance_id:
            raise Invalid("wrong_alliance", what="merchant")
    else:
        merchant_id = None
    if data.role is Role.STORE_STAFF and staff_id is None:
        raise Invalid("validation_error", details={"staff_id": "required"})
    if data.role in (Role.MERCHANT_ADMIN, Role.STORE_STAFF) and staff_id is not None:
        # a merchant admin may be tied to a staff record too: it must be one of its own merchant's
        staff = merchants_repo.get_staff(session, scope, staff_id)
        if staff.merchant_id != merchant_id:
            raise Invalid("wrong_merchant", what="staff")
    elif data.role is not Role.MERCHANT_ADMIN:
        staff_id = None
    if repository.user_by_username(session, data.username) is not None:
        raise Conflict(Problem.USERNAME_TAKEN)
    user = User(
        username=data.username, display_name=data.display_name or data.username,
        password_hash=hash_password(data.password), role=data.role.value, alliance_id=alliance_id,
        merchant_id=merchant_id, staff_id=staff_id,
    )
    session.add(user)
    session.flush()
    audit.record(session, scope, AuditAction.USER_CREATE, user.id, alliance_id=alliance_id, after={
        "username": user.username, "display_name": user.display_name, "role": user.role, "alliance_id": alliance_id,
        "merchant_id": merchant_id, "staff_id": staff_id})
    return user


def update_user(
    session: Session, actor: Principal, user_id: int, *, display_name: str | None, active: bool | None,
    password: str | None,
) -> User:
    user = repository.get_user(session, actor, user_id)
    is_self = actor.kind == "user" and actor.id == user.id
    if not is_self and actor.role not in CREATABLE_ROLES:
        raise Forbidden()
    if active is not None and is_self and not active:
        raise Forbidden()
    before: dict[str, object] = {"display_name": user.display_name, "active": user.active}
    after: dict[str, object] = {"display_name": display_name or user.display_name,
                                "active": user.active if active is None else active}
    if password is not None:
        before["password"], after["password"] = "old", "new"  # masked: the trail says only that it changed
    audit.record(session, actor, AuditAction.USER_UPDATE, user.id, alliance_id=user.alliance_id, before=before,
                 after=after, only_changes=True)
    if display_name is not None:
        user.display_name = display_name
    if active is not None and active != user.active:
        user.active = active
        user.token_version += 1
    if password is not None:
        user.password_hash = hash_password(password)
        user.token_version += 1
    session.flush()
    if active is not None or password is not None:
        principal_cache.forget_all(session)
    return user


def create_api_key(session: Session, actor: Principal, merchant_id: int, name: str) -> tuple[ApiKey, str]:
    merchant = merchants_repo.get_merchant(session, actor, merchant_id)
    if actor.role is Role.INTEGRATION:
        raise Forbidden()
    policy.require_manages(actor, merchant.id)
    full, prefix, digest = new_api_key()
    key = ApiKey(
        alliance_id=merchant.alliance_id, merchant_id=merchant.id, name=name, prefix=prefix, secret_hash=digest,
        created_by_user_id=actor.id if actor.kind == "user" else None,
    )
    session.add(key)
    session.flush()
    audit.record(session, actor, AuditAction.API_KEY_CREATE, key.id, alliance_id=merchant.alliance_id,
                 after={"merchant_id": merchant.id, "name": name, "prefix": prefix})
    return key, full


def revoke_api_key(session: Session, actor: Principal, key_id: int) -> ApiKey:
    key = repository.get_api_key(session, actor, key_id)
    policy.require_manages(actor, key.merchant_id)
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        merchant = merchants_repo.merchant_by_id(session, key.merchant_id)
        audit.record(session, actor, AuditAction.API_KEY_REVOKE, key.id,
                     alliance_id=merchant.alliance_id if merchant else None, before={"revoked_at": None},
                     after={"revoked_at": key.revoked_at, "merchant_id": key.merchant_id, "name": key.name})
    session.flush()
    principal_cache.forget_all(session)
    return key


# --- members: one-time codes and card QR ------------------------------------------------------------------


def _phone_key(alliance_id: int, phone: str) -> str:
    """A phone holds one card per alliance, each with its own codes: it is counted per alliance, so a member who
    first picked the wrong alliance is not kept waiting."""
    return f"phone:{alliance_id}:{phone}"


def _send_checks(alliance_id: int, phone: str) -> list[tuple[throttle.Rule, str]]:
    address = throttle.current().address
    checks = [(rule, _phone_key(alliance_id, phone)) for rule in domain.CODE_SENDS_PER_PHONE]
    if address is not None:
        checks += [(rule, address) for rule in domain.CODE_SENDS_PER_ADDRESS]
    return checks


def _verify_checks(alliance_id: int, phone: str) -> list[tuple[throttle.Rule, str]]:
    address = throttle.current().address
    checks = [(domain.CODE_FAILURES_PER_PHONE, _phone_key(alliance_id, phone))]
    if address is not None:
        checks.append((domain.CODE_FAILURES_PER_ADDRESS, address))
    return checks


def request_code(session: Session, alliance_id: int, phone: str) -> None:
    """Send a code if the phone holds a card in this alliance, or is pending its claim code (the claim flow made a
    pending row for it). Silent otherwise, so the endpoint cannot be used to learn who is a member; the send
    throttles (per phone and per address) count either way, and a full one raises `Throttled` (429,
    `otp_send_throttled`). A new code voids the phone's older ones."""
    throttle.current().throttle.take(_send_checks(alliance_id, phone), "otp_send_throttled")
    now = clock.now()
    redact_stale(session, now - timedelta(minutes=get_settings().otp_minutes))
    member = members_repo.member_by_phone(session, alliance_id, phone)
    if member is None or member.status not in ("active", PENDING, TOMBSTONE):  # a merged member's phone: survivor
        return
    repository.void_codes(session, member.alliance_id, member.id, now)
    redact_undelivered(session, phone)
    code = new_one_time_code()
    session.add(
        OneTimeCode(
            alliance_id=member.alliance_id,
            member_id=member.id, code_hash=_code_hash(member.id, code), attempts=0, created_at=now,
            expires_at=now + timedelta(minutes=get_settings().otp_minutes),
        )
    )
    get_sender().send(session, phone, f"【联盟】您的登录验证码为 {code},{get_settings().otp_minutes} 分钟内有效。")
    session.flush()


def _code_hash(member_id: int, code: str) -> str:
    return crypto.lookup_hash(f"{member_id}:{code}", purpose=CODE_PURPOSE)


def _code_matches(code_hash: str, member_id: int, code: str) -> bool:
    """Codes live minutes and are never re-hashed: one sent just before a key switch is checked with the retired
    key too (docs/operations-keys.md)."""
    candidates = crypto.lookup_hashes(f"{member_id}:{code}", purpose=CODE_PURPOSE)
    return any([hmac.compare_digest(code_hash, candidate) for candidate in candidates])


def verify_code(session: Session, alliance_id: int, phone: str, code: str) -> IssuedToken:
    """Check a code. Wrong attempts are counted even though the request fails (committed by the door): per code
    (LIANMENG_OTP_MAX_ATTEMPTS burn it) and per phone across its codes and per address (429 + Retry-After,
    `otp_verify_throttled`), whether or not the phone holds a card."""
    checks = _verify_checks(alliance_id, phone)
    counters = throttle.current().throttle
    counters.guard(checks, "otp_verify_throttled")
    member = members_repo.member_by_phone(session, alliance_id, phone)
    otp = repository.latest_code(session, member.alliance_id, member.id) if member else None
    if member is None or otp is None or otp.expires_at < clock.now():
        counters.hit(checks)
        raise Unauthorized(Problem.OTP_INVALID)
    if otp.attempts >= get_settings().otp_max_attempts:
        raise AppError(Problem.OTP_TOO_MANY, status_code=429)
    if not _code_matches(otp.code_hash, member.id, code.strip()):
        otp.attempts += 1
        counters.hit(checks)
        session.flush()
        raise Unauthorized(Problem.OTP_INVALID)
    otp.used_at = clock.now()
    member.phone_verified_at = otp.used_at  # every door that proves a phone (login, claims, applications) ends here
    session.flush()
    return member_token(members_repo.survivor_of(session, member))  # a merged member's phone logs the survivor in


def login_with_card(session: Session, qr_payload: str) -> IssuedToken:
    member = members_service.member_from_qr(session, qr_payload)
    return member_token(member)
