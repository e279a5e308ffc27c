"""Use cases of notifications. Causes call in from their own services, inside their own transaction (services never
commit): a rolled-back cause leaves no notification and no message behind.

* `notify_staff`: a console notification to each login a kind concerns (domain.recipients), minus opt-outs.
* `message_member`: one message to a member through the outbox senders, once per (member, kind, batch).
* `warn_expiring_points`: the daily job announcing points that expire within 30 days, once per expiry date.
* The caller's own notifications and preferences: list, mark read, turn kinds off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from lianmeng.auth import repository as auth_repo
from lianmeng.auth.domain import Role
from lianmeng.db import insert_once
from lianmeng.kit import clock
from lianmeng.kit.errors import Forbidden
from lianmeng.members import repository as members_repo
from lianmeng.members.models import Member
from lianmeng.merchants import repository as merchants_repo
from lianmeng.notifications import domain, repository
from lianmeng.notifications.domain import MemberKind, StaffKind
from lianmeng.notifications.models import MemberMessage, Notification
from lianmeng.points import repository as points_repo
from lianmeng.tenancy import Principal

# --- console notifications --------------------------------------------------------------------------------------

def notify_staff(session: Session, kind: StaffKind, *, alliance_id: int | None, merchant_id: int | None,
                 staff_id: int | None = None, params: Mapping[str, Any] | None = None,
                 link: str = "") -> list[Notification]:
    """One notification of `kind` to each login it concerns: the merchant's admins, or for a payee that is a staff
    member, that staff member's own login. `params["partner_merchant_id"]` is shown as the partner's name."""
    logins = auth_repo.logins_of(session, merchant_id=merchant_id, staff_id=staff_id) \
        if domain.AUDIENCE[kind] is domain.Audience.PAYEE and staff_id is not None \
        else auth_repo.logins_of(session, merchant_id=merchant_id)
    candidates = [domain.Login(u.id, Role(u.role), u.merchant_id, u.staff_id, u.active) for u in logins]
    user_ids = domain.recipients(kind, candidates, merchant_id=merchant_id, staff_id=staff_id,
                                 opted_out=repository.staff_opt_outs(session, [c.user_id for c in candidates]))
    if not user_ids:
        return []
    shown = dict(params or {})
    partner = shown.pop("partner_merchant_id", None)
    if partner is not None:
        shown["partner"] = merchants_repo.names_of(session, alliance_id, {int(partner)}).get(int(partner), "")
    now = clock.now()
    rows = [Notification(alliance_id=alliance_id, user_id=user_id, kind=kind.value, params=shown, link=link,
                         created_at=now) for user_id in user_ids]
    session.add_all(rows)
    session.flush()
    return rows


def proposal_received(session: Session, *, alliance_id: int, agreement_id: int, title: str,
                      merchant_a_id: int | None, merchant_b_id: int | None, offered_by_proposer: bool,
                      countered: bool, by_operator: bool) -> list[Notification]:
    """An agreement proposed, or counter-offered, to a merchant: its admins hear of it. `by_operator`: the operator
    proposed on the proposing merchant's behalf, and the notification says so."""
    to = domain.proposal_recipient(merchant_a_id, merchant_b_id, offered_by_proposer)
    if to is None:
        return []
    sender = merchant_a_id if to == merchant_b_id else merchant_b_id
    return notify_staff(session, StaffKind.PROPOSAL_RECEIVED, alliance_id=alliance_id, merchant_id=to,
                        params={"variant": domain.proposal_variant(countered=countered, by_operator=by_operator),
                                "title": title,
                                "partner_merchant_id": sender},
                        link=f"/console/partners/agreements/{agreement_id}")


def rebate_released(session: Session, *, alliance_id: int, rebate_id: int, payee_type: str, payee_id: int,
                    amount_fen: int) -> None:
    """A released rebate paid to a staff member (a guide, a promoter): a console notification to their login, or,
    without one, a message to the member card holding their phone. Merchants' and the operator's rebates are many
    and summed in their statements: no notification."""
    if payee_type != "staff" or amount_fen <= 0:
        return
    staff = merchants_repo.staff_by_id(session, payee_id)
    if staff is None:
        return
    if auth_repo.logins_of(session, staff_id=staff.id):
        notify_staff(session, StaffKind.REBATE_RELEASED, alliance_id=alliance_id, merchant_id=staff.merchant_id,
                     staff_id=staff.id, params={"amount_fen": amount_fen}, link="/console/withdrawals")
        return
    if staff.phone_hash:
        member = members_repo.member_by_phone_hash(session, alliance_id, staff.phone_hash)
        if member is not None:
            message_member(session, MemberKind.REBATE_RELEASED, member, f"rebate:{rebate_id}",
                           {"amount_fen": amount_fen})


def unread_count(session: Session, p: Principal) -> int:
    return repository.unread_count(session, p.id) if p.kind == "user" else 0


def _login(p: Principal) -> int:
    """Notifications belong to console logins: an API key or a member has none (403)."""
    if p.kind != "user" or p.role is Role.MEMBER:
        raise Forbidden()
    return p.id


def my_notifications(session: Session, p: Principal, *, unread_only: bool = False) -> list[Notification]:
    return repository.list_for_user(session, _login(p), unread_only=unread_only)


def mark_read(session: Session, p: Principal, notification_id: int) -> Notification:
    row = repository.get_own(session, _login(p), notification_id, lock=True)
    if row.read_at is None:
        row.read_at = clock.now()
        session.flush()
    return row


def mark_all_read(session: Session, p: Principal) -> int:
    done = repository.mark_all_read(session, _login(p), clock.now())
    session.flush()
    return done


@dataclass(frozen=True)
class Preference:
    kind: str
    enabled: bool


def staff_preferences(session: Session, p: Principal) -> list[Preference]:
    off = repository.turned_off_by_user(session, _login(p))
    return [Preference(k.value, k.value not in off) for k in StaffKind]


def set_staff_preferences(session: Session, p: Principal, enabled: Mapping[str, bool]) -> list[Preference]:
    """Turn kinds on or off; kinds not named keep their setting."""
    user_id = _login(p)
    off = repository.turned_off_by_user(session, user_id)
    for kind, on in enabled.items():
        StaffKind(kind)  # the schema has checked it
        (off.discard if on else off.add)(kind)
    repository.set_user_opt_outs(session, user_id, off, clock.now())
    return staff_preferences(session, p)


# --- member messages --------------------------------------------------------------------------------------------

def _the_member(session: Session, p: Principal) -> Member:
    if p.role is not Role.MEMBER or p.member_id is None:
        raise Forbidden()
    return members_repo.get_member(session, p, p.member_id)


def member_preferences(session: Session, p: Principal) -> list[Preference]:
    member = _the_member(session, p)
    off = repository.turned_off_by_member(session, member.alliance_id, member.id)
    return [Preference(k.value, k.value not in off) for k in MemberKind]


def set_member_preferences(session: Session, p: Principal, enabled: Mapping[str, bool]) -> list[Preference]:
    member = _the_member(session, p)
    off = repository.turned_off_by_member(session, member.alliance_id, member.id)
    for kind, on in enabled.items():
        MemberKind(kind)
        (off.discard if on else off.add)(kind)
    repository.set_member_opt_outs(session, member.alliance_id, member.id, off, clock.now())
    return member_preferences(session, p)


def message_member(session: Session, kind: MemberKind, member: Member, batch: str,
                   params: Mapping[str, Any]) -> MemberMessage | None:
    """Queue one message to the member through the sender of the sms channel (the outbox by default: the phone
    stays encrypted, the log shows it masked). None when the member turned the kind off, is not an active card
    (a merged tombstone, a blocked card), or has had this batch's message already."""
    from lianmeng.targeting.senders import OfferMessage, get_sender  # targeting reads coupons, which call here

    if member.status != "active" or not domain.wanted(
            kind.value, repository.turned_off_by_member(session, member.alliance_id, member.id)):
        return None
    row = MemberMessage(alliance_id=member.alliance_id, member_id=member.id, kind=kind.value, batch=batch[:80],
                        created_at=clock.now())
    if not insert_once(session, row):
        return None
    body = domain.member_body(kind, params)
    deliveries = get_sender("sms").send(session, [OfferMessage(member.id, "sms", member.phone_enc,
                                                               member.phone_masked, body)])
    row.message_id = deliveries[0].message_id if deliveries else None
    session.flush()
    return row


def coupon_received(session: Session, member: Member, *, coupon_id: int, coupon_name: str,
                    merchant_id: int | None, valid_until: datetime | None) -> MemberMessage | None:
    merchant = (merchants_repo.names_of(session, member.alliance_id, {merchant_id}).get(merchant_id, "")
                if merchant_id else "")
    until = clock.shanghai(valid_until).strftime("%Y-%m-%d") if valid_until else "—"
    return message_member(session, MemberKind.COUPON_RECEIVED, member, f"coupon:{coupon_id}",
                          {"coupon": coupon_name, "merchant": merchant or "联盟", "until": until})


def warn_expiring_points(session: Session, at: datetime | None = None, alliance_id: int | None = None) -> int:
    """The daily job: each member with points expiring within EXPIRY_NOTICE_DAYS hears once per expiry date (its
    Shanghai day), with the points left that day. Idempotent: a batch already messaged is skipped (and a
    concurrent run's insert of the same batch is refused by its unique key). Returns the messages queued."""
    start, end = domain.expiry_window(at or clock.now())
    batches: dict[tuple[int, str], int] = {}
    dates: dict[tuple[int, str], str] = {}
    for _alliance_id, member_id, expires_at, left in points_repo.expiring_soon(session, start, end, alliance_id):
        day = clock.shanghai(expires_at).date()
        key = (member_id, domain.expiry_batch(day))
        batches[key] = batches.get(key, 0) + left
        dates[key] = day.isoformat()
    done = repository.batches_sent(session, MemberKind.POINTS_EXPIRING.value, {m for m, _ in batches})
    sent = 0
    for (member_id, batch), points in sorted(batches.items()):
        if (member_id, batch) in done:
            continue
        member = members_repo.member_by_id(session, member_id)
        if member is None:
            continue
        if message_member(session, MemberKind.POINTS_EXPIRING, member, batch,
                          {"points": f"{points:,}", "date": dates[(member_id, batch)]}) is not None:
            sent += 1
    return sent


def my_messages(session: Session, p: Principal) -> list[MemberMessage]:
    return repository.messages_of(session, _the_member(session, p).id)


def expiry_notice_alliances(session: Session, at: datetime | None = None) -> list[int]:
    """The jobs' choice for the expiry notice: alliances with points expiring within the notice window."""
    start, end = domain.expiry_window(at or clock.now())
    return points_repo.alliances_with_grants_expiring(session, start, end)
