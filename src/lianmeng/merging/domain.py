"""Pure rules of merging two members: who may be merged into whom, how balances move (legs), the undo window.

A merge moves what the absorbed member holds to the survivor and leaves the absorbed member as a tombstone
(status `TOMBSTONE`, `merged_into_id`) whose card resolves to the survivor. Undo reverses exactly what was
recorded as moved, or is refused when the survivor has since used it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from lianmeng.ledger.domain import KIND_RULES, AccountKind, AccountRef, Leg, OwnerType

UNDO_WINDOW_DAYS = 30  # an alliance-wide constant: long enough to notice a wrong merge, short enough to stay exact
TOMBSTONE = "merged"  # Member.status of an absorbed member (not a MemberStatus: nobody sets it by hand)


class MergeStatus(StrEnum):
    IN_FORCE = "in_force"
    REVERSED = "reversed"


class MergeEventKind(StrEnum):
    MERGE = "merge"
    UNDO = "undo"


@dataclass(frozen=True)
class MemberFacts:
    id: int
    alliance_id: int
    status: str


def pair_refusal(survivor: MemberFacts, absorbed: MemberFacts) -> str | None:
    """The error code (422) why these two cannot be merged, or None."""
    if survivor.id == absorbed.id:
        return "merge_same_member"
    if survivor.alliance_id != absorbed.alliance_id:
        return "merge_other_alliance"
    if survivor.status == TOMBSTONE:
        return "merge_into_tombstone"
    if absorbed.status == TOMBSTONE:
        return "merge_already_merged"
    return None


def undo_open(merged_at: datetime, now: datetime, window_days: int = UNDO_WINDOW_DAYS) -> bool:
    return now - merged_at <= timedelta(days=window_days)


@dataclass(frozen=True)
class Holding:
    """A member's kept balance on one account kind and scope (stored value is scoped to a merchant)."""

    kind: AccountKind
    scope_id: int
    amount: int


def transfer_legs(holdings: list[Holding], from_member: int, to_member: int) -> list[Leg]:
    """One posting moving every non-zero holding from one member to the other, same kind and scope."""
    legs: list[Leg] = []
    for h in holdings:
        if h.amount == 0:
            continue
        legs.append(Leg(AccountRef(OwnerType.MEMBER, from_member, h.kind, h.scope_id), -h.amount))
        legs.append(Leg(AccountRef(OwnerType.MEMBER, to_member, h.kind, h.scope_id), h.amount))
    return legs


def undo_shortfalls(moved: list[Holding], survivor_now: dict[tuple[AccountKind, int], int]) -> list[Holding]:
    """The moved holdings the survivor no longer has in full, each with the amount missing: a balance since
    spent (taking it back would make a guarded balance negative), or a moved debt (a negative holding) since
    repaid (handing it back would leave the survivor owed what nobody gave it: a points debt above zero)."""
    short: list[Holding] = []
    for h in moved:
        have = survivor_now.get((h.kind, h.scope_id), 0)
        if h.amount > 0 and not KIND_RULES[h.kind].may_go_negative and have < h.amount:
            short.append(Holding(h.kind, h.scope_id, h.amount - have))
        elif h.amount < 0 and have > h.amount:
            short.append(Holding(h.kind, h.scope_id, have - h.amount))
    return short


def memberships_to_move(survivor_merchants: set[int], absorbed: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """(membership ids that move, ids that stay on the tombstone because the survivor already holds one at that
    merchant: the survivor's tier is kept, the absorbed one's is recorded)."""
    move = [mid for mid, merchant in absorbed if merchant not in survivor_merchants]
    stay = [mid for mid, merchant in absorbed if merchant in survivor_merchants]
    return move, stay
