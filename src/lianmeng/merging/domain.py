"""Pure rules of merging two members: who may be merged into whom, how balances move (legs), the undo window.

A merge moves what the absorbed member holds to the survivor and leaves the absorbed member as a tombstone
(status `TOMBSTONE`, `merged_into_id`) whose card resolves to the survivor. Undo reverses exactly what was
recorded as moved, or is refused when the survivor has since used it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lianmeng.kit.vocab import LabelledEnum
from lianmeng.ledger.domain import KIND_RULES, AccountKind, AccountRef, Leg, OwnerType

UNDO_WINDOW_DAYS = 30  # an alliance-wide constant: long enough to notice a wrong merge, short enough to stay exact
TOMBSTONE = "merged"  # Member.status of an absorbed member (not a MemberStatus: nobody sets it by hand)


class MergeStatus(LabelledEnum):
    IN_FORCE = "in_force", "已合并", "Merged"
    REVERSED = "reversed", "已撤销", "Undone"


class MergeEventKind(LabelledEnum):
    MERGE = "merge", "合并", "Merge"
    UNDO = "undo", "撤销合并", "Undo of a merge"


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


# --- places: stores, prospects, merchants ------------------------------------------------------------------------


class PlaceKind(LabelledEnum):
    STORE = "store", "门店", "Store"
    PROSPECT = "prospect", "潜在伙伴", "Prospect"  # a partners.Candidate outside the alliance (no merchant_id)
    MERCHANT = "merchant", "商户", "Merchant"


@dataclass(frozen=True)
class PlaceFacts:
    """What the pair rules need of a place. `keeper`: the merchant a store belongs to, the merchant keeping a
    prospect on its list (None: the operator's list); unused for merchants. `in_alliance`: a candidate that is
    already an alliance merchant (not a prospect)."""

    id: int
    alliance_id: int
    merged_into_id: int | None
    keeper: int | None = None
    in_alliance: bool = False


def place_pair_refusal(kind: PlaceKind, survivor: PlaceFacts, absorbed: PlaceFacts) -> str | None:
    """The error code (422) why these two places cannot be merged, or None."""
    if survivor.id == absorbed.id:
        return "merge_same_place"
    if survivor.alliance_id != absorbed.alliance_id:
        return "merge_place_other_alliance"
    if survivor.merged_into_id is not None:
        return "merge_into_merged_place"
    if absorbed.merged_into_id is not None:
        return "merge_place_already_merged"
    if kind is PlaceKind.STORE and survivor.keeper != absorbed.keeper:
        return "merge_stores_other_merchant"
    if kind is PlaceKind.PROSPECT:
        if survivor.in_alliance or absorbed.in_alliance:
            return "merge_not_prospect"
        if survivor.keeper != absorbed.keeper:
            return "merge_prospects_other_keeper"
    return None


@dataclass(frozen=True)
class MerchantBlockers:
    """Why a merchant cannot be absorbed: its ledger entries (money or points happened there: they stay its) and
    the agreements in force or pending with it (a party cannot change under a signed agreement)."""

    ledger_entries: int
    agreement_ids: tuple[int, ...]

    @property
    def any(self) -> bool:
        return self.ledger_entries > 0 or bool(self.agreement_ids)


def list_after_merge(ids: list[int], absorbed: int, survivor: int) -> list[int] | None:
    """An id list (a coupon template's accepted stores or merchants) with the absorbed place replaced by the
    survivor, order kept, no duplicate; None when the absorbed place is not in it (nothing to change)."""
    if absorbed not in ids:
        return None
    out: list[int] = []
    for i in ids:
        j = survivor if i == absorbed else i
        if j not in out:
            out.append(j)
    return out


@dataclass(frozen=True)
class MovedRows:
    """Rows reassigned by a place merge: `table`.`column` set from the absorbed id to the survivor's, by row id."""

    key: str
    ids: tuple[int, ...]


def undo_changed(moved: list[MovedRows], still_on_survivor: dict[str, set[int]]) -> list[tuple[str, int]]:
    """For each moved group, how many of its rows no longer point at the survivor (changed or gone since the
    merge): undo would not restore them exactly. Empty: undo may proceed."""
    out: list[tuple[str, int]] = []
    for m in moved:
        missing = len(set(m.ids) - still_on_survivor.get(m.key, set()))
        if missing:
            out.append((m.key, missing))
    return out
