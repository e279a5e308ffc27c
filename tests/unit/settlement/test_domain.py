"""Settlement rules alone: periods in Asia/Shanghai, the statement's life cycle, nets per counterparty."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lianmeng.settlement import domain
from lianmeng.settlement.domain import Action, Cycle, LineFigures, Side, Standing, Status


def test_a_month_is_shanghai_midnight_to_midnight_in_utc() -> None:
    october = domain.parse_period("2026-10")
    assert (october.cycle, october.label) == (Cycle.MONTHLY, "2026-10")
    assert october.starts_at == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert october.ends_at == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert october.previous().label == "2026-09" and october.following().label == "2026-11"
    assert domain.parse_period("2026-12").following().label == "2027-01"
    assert domain.parse_period("2027-01").previous().label == "2026-12"


def test_a_week_is_an_iso_week_from_monday() -> None:
    week = domain.parse_period("2026-W44")
    assert (week.cycle, week.first_day.isoformat(), week.next_first_day.isoformat()) == (
        Cycle.WEEKLY, "2026-10-26", "2026-11-02")
    assert week.starts_at == datetime(2026, 10, 25, 16, tzinfo=UTC)
    assert domain.parse_period("2026-W01").previous().label == "2025-W52"
    assert domain.parse_period("2026-W53").label == "2026-W53"  # 2026 has 53 ISO weeks


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "1999-10", "2026-W54", "2025-W53", "2026/10", "", "October",
                                  "2026-W0", "2026-1"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(domain.BadPeriod):
        domain.parse_period(text)


def test_closed_and_last_closed() -> None:
    october = domain.parse_period("2026-10")
    assert not october.is_closed(datetime(2026, 10, 31, 15, 59, tzinfo=UTC))
    assert october.is_closed(datetime(2026, 10, 31, 16, tzinfo=UTC))
    # 1 November 00:30 in Beijing is still 31 October in UTC: October has ended
    assert domain.last_closed(Cycle.MONTHLY, datetime(2026, 10, 31, 16, 30, tzinfo=UTC)).label == "2026-10"
    assert domain.last_closed(Cycle.WEEKLY, datetime(2026, 11, 24, tzinfo=UTC)).label == "2026-W47"


def test_both_sides_confirm_then_it_is_closed() -> None:
    issued = domain.act(Standing(Status.DRAFT), Action.ISSUE, Side.OPERATOR)
    assert issued == Standing(Status.ISSUED)
    once = domain.act(issued, Action.CONFIRM, Side.MERCHANT)
    assert once.status is Status.ISSUED and once.confirmed_by == {Side.MERCHANT}
    assert domain.act(once, Action.CONFIRM, Side.MERCHANT) == once  # twice by one side changes nothing
    both = domain.act(once, Action.CONFIRM, Side.OPERATOR)
    assert both.status is Status.CONFIRMED and domain.is_closed(both.status)
    paid = domain.act(both, Action.PAY, Side.OPERATOR)
    assert paid.status is Status.PAID and domain.is_closed(paid.status)


def test_a_dispute_clears_confirmations_and_is_answered_by_an_adjustment() -> None:
    once = domain.act(Standing(Status.ISSUED), Action.CONFIRM, Side.OPERATOR)
    disputed = domain.act(once, Action.DISPUTE, Side.MERCHANT)
    assert disputed == Standing(Status.DISPUTED)
    adjusted = domain.act(disputed, Action.ADJUST, Side.OPERATOR)
    assert adjusted == Standing(Status.ADJUSTED)
    assert domain.act(domain.act(adjusted, Action.CONFIRM, Side.MERCHANT), Action.CONFIRM,
                      Side.OPERATOR).status is Status.CONFIRMED


@pytest.mark.parametrize(("standing", "action", "side", "code"), [
    (Standing(Status.DRAFT), Action.ISSUE, Side.MERCHANT, "statement_side"),
    (Standing(Status.DRAFT), Action.CONFIRM, Side.MERCHANT, "statement_transition"),
    (Standing(Status.DISPUTED), Action.CONFIRM, Side.OPERATOR, "statement_transition"),
    (Standing(Status.DISPUTED), Action.ADJUST, Side.MERCHANT, "statement_side"),
    (Standing(Status.ISSUED), Action.ADJUST, Side.OPERATOR, "statement_transition"),
    (Standing(Status.ISSUED), Action.PAY, Side.OPERATOR, "statement_transition"),
    (Standing(Status.CONFIRMED, frozenset(Side)), Action.DISPUTE, Side.MERCHANT, "statement_transition"),
    (Standing(Status.PAID, frozenset(Side)), Action.PAY, Side.OPERATOR, "statement_transition"),
])
def test_refused_moves(standing: Standing, action: Action, side: Side, code: str) -> None:
    with pytest.raises(domain.Refused) as refused:
        domain.act(standing, action, side)
    assert refused.value.code == code


def test_net_by_counterparty_keeps_zero_nets() -> None:
    lines = [LineFigures("merchant", 2, 10_000), LineFigures("merchant", 2, 300_000),
             LineFigures("operator", 0, -10_000), LineFigures("staff", 7, 500), LineFigures("staff", 7, -500)]
    assert domain.net_by_counterparty(lines) == {("merchant", 2): 310_000, ("operator", 0): -10_000, ("staff", 7): 0}


def test_labels_fall_back_to_the_code() -> None:
    assert domain.cause_label("commission") == "推荐佣金"
    assert domain.cause_label("commission", "en") == "Referral commissions"
    assert domain.kind_label("something_new") == "something_new"
