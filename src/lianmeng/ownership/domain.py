"""Ownership (归属) rules: who serves a member at a merchant, the claimable pool (客户池), and when a member goes back.

Pure: no session, no clock. The service reads the facts, these functions decide.

- A member has at most one owner per merchant: a staff member of that merchant. Without an owner it is in that
  merchant's pool, where the merchant's staff may claim it.
- Bulk assignment spreads members round-robin over the chosen staff, each next member to whoever holds the fewest
  (their current load counts), ties broken by the order the admin chose the staff in: the result is even and
  repeatable.
- Claims: at most `daily_claim_limit` a day (Asia/Shanghai calendar day) per staff member per merchant.
- Idle owners: a member whose owner has not served it for `idle_days` (since the later of the day it was taken and
  the owner's last order or coupon redemption with it) goes back to the pool.
- Merging two members: the survivor keeps its owner at a merchant where it has one, else takes the absorbed one's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.ownership.errors import Problem

DEFAULT_DAILY_CLAIM_LIMIT = 20
DEFAULT_IDLE_DAYS = 90
MAX_DAILY_CLAIM_LIMIT = 1_000
MAX_IDLE_DAYS = 3_650
MAX_BULK = 50_000  # members one bulk assignment may move


class OwnershipChange(LabelledEnum):
    """Why an ownership began or ended (the history's words)."""

    BULK_ASSIGNED = "bulk_assigned", "管理员分配", "Assigned by an admin"  # a merchant admin assigned it
    POOL_CLAIMED = "pool_claimed", "从客户池认领", "Claimed from the pool"  # the staff member claimed it from the pool
    HANDED_OVER = "handed_over", "交接", "Handed over"  # its owner's members went to a successor
    MERGE_MOVED = "merge_moved", "会员合并", "Members merged"  # two members were merged (or unmerged)
    # the owner had not served it for the idle days: back to the pool
    IDLE_RETURNED = "idle_returned", "久未服务退回客户池", "Back to the pool: not served"
    # the owner (or an admin) put it back in the pool
    OWNER_RELEASED = "owner_released", "释放回客户池", "Released to the pool"
    # the owner was deactivated without a successor
    STAFF_LEFT = "staff_left", "员工离职退回客户池", "Back to the pool: staff left"
    RE_ASSIGNED = "re_assigned", "重新分配", "Reassigned"  # a bulk assignment gave it to someone else or to the pool


CHANGE_LABELS: dict[OwnershipChange, tuple[str, str]] = pairs(OwnershipChange)


class AssignBasis(LabelledEnum):
    """Which of the merchant's members a bulk assignment takes."""

    ORIGIN_STORE = "origin_store", "按开卡门店", "By enrolment store"  # enrolled at the store
    STORE_ORDERS = "store_orders", "按消费门店", "By store ordered at"  # ordered at the store
    VALUE_CLASS = "value_class", "按价值分层", "By value class"  # in the chosen RFM classes at the merchant (values/)
    # every member of the merchant (round-robin over the chosen staff)
    ALL_MEMBERS = "all_members", "全部会员轮流分配", "All members, round-robin"


BASIS_LABELS: dict[AssignBasis, tuple[str, str]] = pairs(AssignBasis)


class OwnershipRefused(Exception):
    """A rule said no: `code` is the error users see, `status` its HTTP status, `params` its message's values."""

    def __init__(self, code: str, status: int = 422, **params: int) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.params = params


# --- assignment -------------------------------------------------------------------------------------------------


def round_robin(member_ids: Sequence[int], staff_ids: Sequence[int],
                loads: Mapping[int, int] | None = None) -> dict[int, int]:
    """Member → staff: each member (in the order given) to the chosen staff member holding the fewest members so
    far (`loads`: what each already holds at the merchant), ties to the one chosen first."""
    if not staff_ids:
        raise OwnershipRefused(Problem.OWNERSHIP_NO_STAFF)
    if len(set(staff_ids)) != len(staff_ids):
        raise OwnershipRefused(Problem.OWNERSHIP_STAFF_REPEATED)
    held = {s: (loads or {}).get(s, 0) for s in staff_ids}
    rank = {s: i for i, s in enumerate(staff_ids)}
    out: dict[int, int] = {}
    for member_id in member_ids:
        chosen = min(staff_ids, key=lambda s: (held[s], rank[s]))
        out[member_id] = chosen
        held[chosen] += 1
    return out


def check_bulk_size(count: int) -> None:
    if count > MAX_BULK:
        raise OwnershipRefused(Problem.OWNERSHIP_BULK_TOO_LARGE, limit=MAX_BULK)


# --- claiming ---------------------------------------------------------------------------------------------------


def remaining_claims(claimed_today: int, limit: int) -> int:
    return max(limit - claimed_today, 0)


def check_claim(claimed_today: int, limit: int) -> None:
    """Beyond the daily limit: 409 with the limit in the message."""
    if claimed_today >= limit:
        raise OwnershipRefused(Problem.OWNERSHIP_CLAIM_LIMIT, status=409, limit=limit)


def check_settings(daily_claim_limit: int, idle_days: int) -> None:
    if not 1 <= daily_claim_limit <= MAX_DAILY_CLAIM_LIMIT:
        raise OwnershipRefused(Problem.OWNERSHIP_CLAIM_LIMIT_RANGE, limit=MAX_DAILY_CLAIM_LIMIT)
    if not 1 <= idle_days <= MAX_IDLE_DAYS:
        raise OwnershipRefused(Problem.OWNERSHIP_IDLE_DAYS_RANGE, limit=MAX_IDLE_DAYS)


# --- going back to the pool -------------------------------------------------------------------------------------


def idle_cutoff(now: datetime, idle_days: int) -> datetime:
    """Owned (or last served) before this instant: idle."""
    return now - timedelta(days=idle_days)


def is_idle(owned_since: datetime, last_served_at: datetime | None, now: datetime, idle_days: int) -> bool:
    """Not served for `idle_days`: counted from the later of taking the member and last serving it, so a member
    just assigned is never idle however old its last visit."""
    reference = max(owned_since, last_served_at) if last_served_at is not None else owned_since
    return reference <= idle_cutoff(now, idle_days)


# --- merging ----------------------------------------------------------------------------------------------------


def owners_after_merge(survivor: Mapping[int, int], absorbed: Mapping[int, int]) -> dict[int, int]:
    """Merchant → owner of the survivor after the merge: its own where it has one, else the absorbed member's."""
    return {**absorbed, **survivor}


def moved_on_merge(survivor: Mapping[int, int], absorbed: Mapping[int, int]) -> list[int]:
    """The merchants at which the absorbed member's owner becomes the survivor's."""
    return sorted(m for m in absorbed if m not in survivor)


def pool_of(member_ids: Iterable[int], owned: Iterable[int]) -> list[int]:
    """The members without an owner (the pool), in the order given."""
    taken = set(owned)
    return [m for m in member_ids if m not in taken]
