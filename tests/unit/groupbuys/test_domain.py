"""The group's state machine, the seat's refusals, what a view counts, the offer's checks (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.groupbuys import domain
from lianmeng.groupbuys.domain import GroupBuyStatus, GroupEvent, GroupState, GroupStatus, Refused, SeatStatus
from lianmeng.jointcards.domain import allocate

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
DEADLINE = NOW + timedelta(hours=24)


def group(status: GroupStatus = GroupStatus.OPEN, seats: int = 1, size: int = 3) -> GroupState:
    return GroupState(status, seats, size, DEADLINE)


def refused(state: GroupState, event: GroupEvent, now: datetime = NOW) -> str:
    with pytest.raises(Refused) as caught:
        domain.transition(state, event, now)
    return caught.value.code


def test_the_nth_paid_seat_forms_the_group_and_earlier_ones_keep_it_open() -> None:
    after = domain.transition(group(seats=1), GroupEvent.JOIN, NOW)
    assert after.status is GroupStatus.OPEN and after.seats_taken == 2
    formed = domain.transition(after, GroupEvent.JOIN, NOW)
    assert formed.status is GroupStatus.FORMED and formed.seats_taken == 3


def test_a_two_person_group_forms_on_its_second_seat_and_a_new_group_starts_empty() -> None:
    assert domain.transition(group(seats=0, size=2), GroupEvent.JOIN, NOW).status is GroupStatus.OPEN
    assert domain.transition(group(seats=1, size=2), GroupEvent.JOIN, NOW).status is GroupStatus.FORMED


def test_joining_a_formed_full_or_expired_group_is_refused() -> None:
    assert refused(group(GroupStatus.FORMED, 3), GroupEvent.JOIN) == "group_buy_full"
    assert refused(group(GroupStatus.OPEN, 3), GroupEvent.JOIN) == "group_buy_full"  # never past N
    assert refused(group(GroupStatus.EXPIRED, 1), GroupEvent.JOIN) == "group_buy_expired"


def test_the_deadline_closes_an_open_group_even_before_the_job_has_run() -> None:
    assert refused(group(), GroupEvent.JOIN, DEADLINE) == "group_buy_expired"
    assert refused(group(), GroupEvent.LEAVE, DEADLINE + timedelta(seconds=1)) == "group_buy_expired"
    just_before = domain.transition(group(seats=2), GroupEvent.JOIN, DEADLINE - timedelta(microseconds=1))
    assert just_before.status is GroupStatus.FORMED


def test_expiry_only_past_the_deadline_never_of_a_formed_group_and_twice_is_once() -> None:
    assert refused(group(), GroupEvent.EXPIRE, DEADLINE - timedelta(seconds=1)) == "group_buy_not_due"
    expired = domain.transition(group(seats=2), GroupEvent.EXPIRE, DEADLINE)
    assert expired.status is GroupStatus.EXPIRED and expired.seats_taken == 2
    assert domain.transition(expired, GroupEvent.EXPIRE, DEADLINE) == expired
    assert refused(group(GroupStatus.FORMED, 3), GroupEvent.EXPIRE, DEADLINE) == "group_buy_formed"


def test_leaving_frees_a_seat_of_an_open_group_only() -> None:
    after = domain.transition(group(seats=2), GroupEvent.LEAVE, NOW)
    assert after.status is GroupStatus.OPEN and after.seats_taken == 1
    assert refused(group(GroupStatus.FORMED, 3), GroupEvent.LEAVE) == "group_buy_formed"
    with pytest.raises(ValueError):
        domain.transition(group(seats=0), GroupEvent.LEAVE, NOW)


def test_a_seat_is_left_while_open_and_its_card_refunded_after_forming() -> None:
    domain.check_leave(GroupStatus.OPEN, SeatStatus.PAID)
    with pytest.raises(Refused, match="group_buy_formed"):
        domain.check_leave(GroupStatus.FORMED, SeatStatus.ISSUED)
    for closed in (SeatStatus.LEFT, SeatStatus.EXPIRED, SeatStatus.REFUNDED):
        with pytest.raises(Refused, match="group_buy_seat_closed"):
            domain.check_leave(GroupStatus.OPEN, closed)
    domain.check_card_refund(GroupStatus.FORMED, SeatStatus.ISSUED)
    with pytest.raises(Refused, match="group_buy_not_formed"):
        domain.check_card_refund(GroupStatus.OPEN, SeatStatus.PAID)
    with pytest.raises(Refused, match="group_buy_seat_closed"):
        domain.check_card_refund(GroupStatus.FORMED, SeatStatus.REFUNDED)


def test_a_refunded_member_never_sees_a_completed_group() -> None:
    seats = [SeatStatus.ISSUED, SeatStatus.ISSUED, SeatStatus.REFUNDED]
    mine = domain.progress(GroupStatus.FORMED, 3, seats, SeatStatus.REFUNDED)
    assert (mine.filled, mine.group_size, mine.refunded, mine.complete) == (3, 3, 1, False)
    assert domain.progress(GroupStatus.FORMED, 3, seats, SeatStatus.ISSUED).complete
    assert not domain.progress(GroupStatus.FORMED, 3, seats).complete  # the public view: "3 of 3, 1 refunded"
    expired = domain.progress(GroupStatus.EXPIRED, 3, [SeatStatus.EXPIRED, SeatStatus.EXPIRED], SeatStatus.EXPIRED)
    assert (expired.filled, expired.complete) == (0, False)
    left = domain.progress(GroupStatus.OPEN, 3, [SeatStatus.PAID, SeatStatus.LEFT], SeatStatus.PAID)
    assert (left.filled, left.refunded, left.complete) == (1, 0, False)


@pytest.mark.parametrize("bad", [{"price_fen": 0}, {"group_size": 1}, {"group_size": 51}, {"hours_to_form": 0},
                                 {"hours_to_form": 169}, {"max_seats": 2}, {"per_member_limit": 0},
                                 {"sale_ends_at": NOW}])
def test_an_offer_out_of_bounds_is_refused(bad: dict[str, object]) -> None:
    terms: dict[str, object] = {"price_fen": 19_900, "group_size": 3, "hours_to_form": 24, "max_seats": None,
                                "per_member_limit": 1, "sale_starts_at": NOW, "sale_ends_at": None}
    domain.check_offer(**terms)  # type: ignore[arg-type]
    with pytest.raises(Refused, match="invalid_group_buy"):
        domain.check_offer(**{**terms, **bad})  # type: ignore[arg-type]


def test_only_component_merchants_other_than_the_seller_need_an_agreement() -> None:
    assert domain.uncovered(1, [1, 2, 3, 2], covered={3}) == [2]
    assert domain.uncovered(1, [1, 1], covered=set()) == []
    assert domain.uncovered(1, [2, 3], covered={2, 3}) == []


def test_on_sale_inside_the_window_while_active() -> None:
    domain.check_on_sale(GroupBuyStatus.ACTIVE, NOW, None, None)
    domain.check_on_sale(GroupBuyStatus.ACTIVE, NOW, NOW, NOW + timedelta(seconds=1))
    with pytest.raises(Refused, match="group_buy_paused"):
        domain.check_on_sale(GroupBuyStatus.PAUSED, NOW, None, None)
    with pytest.raises(Refused, match="group_buy_not_started"):
        domain.check_on_sale(GroupBuyStatus.ACTIVE, NOW, NOW + timedelta(seconds=1), None)
    with pytest.raises(Refused, match="group_buy_ended"):
        domain.check_on_sale(GroupBuyStatus.ACTIVE, NOW, None, NOW)


def test_the_member_limit_counts_seats_held_before_this_one() -> None:
    domain.check_member_limit(0, 1)
    domain.check_member_limit(1, 2)
    with pytest.raises(Refused, match="group_buy_member_limit") as caught:
        domain.check_member_limit(2, 2)
    assert caught.value.params == {"limit": 2}


def test_the_package_price_is_shared_over_list_values_and_adds_up() -> None:
    shares = allocate(19_900, [8_800, 19_900, 10_000])
    assert shares == [4_525, 10_233, 5_142] and sum(shares) == 19_900  # 19,900 × 8,800 / 38,700 = 4,525.07 …


def test_who_manages_an_offer() -> None:
    kwargs = {"actor_alliance_id": 1, "offer_alliance_id": 1, "created_by_merchant_id": 5}
    assert domain.may_manage(is_operator=True, manages_merchant=False, actor_merchant_id=None, **kwargs)
    assert domain.may_manage(is_operator=False, manages_merchant=True, actor_merchant_id=5, **kwargs)
    assert not domain.may_manage(is_operator=False, manages_merchant=True, actor_merchant_id=6, **kwargs)
    assert not domain.may_manage(is_operator=False, manages_merchant=False, actor_merchant_id=5, **kwargs)
    assert not domain.may_manage(is_operator=True, manages_merchant=False, actor_merchant_id=None,
                                 **{**kwargs, "actor_alliance_id": 2})


def test_the_leader_is_shown_masked() -> None:
    assert domain.mask_name("张三丰") == "张**"
    assert domain.mask_name(" 李 ") == "李**"
    assert domain.mask_name("") == "**"
    assert domain.deadline(NOW, 24) == DEADLINE
