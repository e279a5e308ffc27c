"""Place merging rules without a database: which store, prospect and merchant pairs are refused, what blocks a
merchant, how an accepted list changes, when undo could not be exact."""

from __future__ import annotations

import pytest

from lianmeng.merging import domain
from lianmeng.merging.domain import MerchantBlockers, MovedRows, PlaceFacts, PlaceKind

S1 = PlaceFacts(1, 10, None, keeper=5)
S2 = PlaceFacts(2, 10, None, keeper=5)


@pytest.mark.parametrize(("kind", "survivor", "absorbed", "code"), [
    (PlaceKind.STORE, S1, S1, "merge_same_place"),
    (PlaceKind.STORE, S1, PlaceFacts(2, 11, None, keeper=5), "merge_place_other_alliance"),
    (PlaceKind.STORE, PlaceFacts(1, 10, 9, keeper=5), S2, "merge_into_merged_place"),
    (PlaceKind.STORE, S1, PlaceFacts(2, 10, 1, keeper=5), "merge_place_already_merged"),
    (PlaceKind.STORE, S1, PlaceFacts(2, 10, None, keeper=6), "merge_stores_other_merchant"),
    (PlaceKind.STORE, S1, S2, None),
    (PlaceKind.PROSPECT, S1, S2, None),
    (PlaceKind.PROSPECT, PlaceFacts(1, 10, None), PlaceFacts(2, 10, None), None),  # the operator's list
    (PlaceKind.PROSPECT, S1, PlaceFacts(2, 10, None, keeper=5, in_alliance=True), "merge_not_prospect"),
    (PlaceKind.PROSPECT, S1, PlaceFacts(2, 10, None, keeper=None), "merge_prospects_other_keeper"),
    (PlaceKind.MERCHANT, PlaceFacts(1, 10, None), PlaceFacts(2, 10, None), None),
    (PlaceKind.MERCHANT, PlaceFacts(1, 10, None), PlaceFacts(2, 10, 3), "merge_place_already_merged"),
])
def test_place_pair_refusal(kind: PlaceKind, survivor: PlaceFacts, absorbed: PlaceFacts, code: str | None) -> None:
    assert domain.place_pair_refusal(kind, survivor, absorbed) == code


def test_merchant_blockers() -> None:
    assert not MerchantBlockers(0, ()).any
    assert MerchantBlockers(3, ()).any
    assert MerchantBlockers(0, (7,)).any


@pytest.mark.parametrize(("ids", "after"), [
    ([4, 2, 9], [4, 1, 9]),
    ([1, 2, 9], [1, 9]),  # the survivor already listed: once
    ([4, 9], None),  # the absorbed place not listed: nothing to change
    ([], None),
])
def test_list_after_merge(ids: list[int], after: list[int] | None) -> None:
    assert domain.list_after_merge(ids, absorbed=2, survivor=1) == after


def test_undo_changed_counts_rows_no_longer_on_the_survivor() -> None:
    moved = [MovedRows("staff.store_id", (1, 2, 3)), MovedRows("members.origin_store_id", (8,))]
    assert domain.undo_changed(moved, {"staff.store_id": {1, 2, 3}, "members.origin_store_id": {8}}) == []
    assert domain.undo_changed(moved, {"staff.store_id": {1, 3}, "members.origin_store_id": {8}}) == [
        ("staff.store_id", 1)]
    assert domain.undo_changed(moved, {}) == [("staff.store_id", 3), ("members.origin_store_id", 1)]
