"""Settlement rules alone: periods in Asia/Shanghai, the statement's life cycle, nets per counterparty."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lianmeng.settlement import domain
from lianmeng.settlement.domain import Action, LineFigures, SettlementCycle, Side, Standing, Status


def test_a_month_is_shanghai_midnight_to_midnight_in_utc() -> None:
    october = domain.parse_period("2026-10")
    assert (october.cycle, october.label) == (SettlementCycle.MONTHLY, "2026-10")
    assert october.starts_at == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert october.ends_at == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert october.previous().label == "2026-09" and october.following().label == "2026-11"
    assert domain.parse_period("2026-12").following().label == "2027-01"
    assert domain.parse_period("2027-01").previous().label == "2026-12"


def test_a_week_is_an_iso_week_from_monday() -> None:
    week = domain.parse_period("2026-W44")
    assert (week.cycle, week.first_day.isoformat(), week.next_first_day.isoformat()) == (
        SettlementCycle.WEEKLY, "2026-10-26", "2026-11-02")
    assert week.starts_at == datetime(2026, 10, 25, 16, tzinfo=UTC)
    assert domain.parse_period("2026-W01").previous().label == "2025-W52"
    assert domain.parse_period("2026-W53").label == "2026-W53"  # 2026 has 53 ISO weeks


def test_a_quarter_is_three_calendar_months_from_beijing_midnight() -> None:
    q4 = domain.parse_period("2026-Q4")
    assert (q4.cycle, q4.label, q4.first_day.isoformat(), q4.next_first_day.isoformat()) == (
        SettlementCycle.QUARTERLY, "2026-Q4", "2026-10-01", "2027-01-01")
    # Beijing midnight: 1 October 00:00 +08:00 is 30 September 16:00 UTC; the quarter ends at 1 January 00:00 +08:00
    assert q4.starts_at == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert q4.ends_at == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert q4.following().label == "2027-Q1" and q4.previous().label == "2026-Q3"
    assert domain.parse_period("2027-Q1").previous().label == "2026-Q4"
    q1 = domain.parse_period("2027-Q1")
    assert (q1.first_day.isoformat(), q1.next_first_day.isoformat()) == ("2027-01-01", "2027-04-01")
    for day, label in (("2026-07-01", "2026-Q3"), ("2026-09-30", "2026-Q3"), ("2026-12-31", "2026-Q4"),
                       ("2026-02-28", "2026-Q1"), ("2026-04-01", "2026-Q2")):
        assert domain.period_containing(SettlementCycle.QUARTERLY, date.fromisoformat(day)).label == label
    # a quarter is exactly its three months, back to back
    months = [domain.parse_period(m) for m in ("2026-10", "2026-11", "2026-12")]
    assert (months[0].starts_at, months[-1].ends_at) == (q4.starts_at, q4.ends_at)


def test_the_last_closed_quarter_turns_at_beijing_midnight() -> None:
    # 31 December 2026 23:59 in Beijing: Q4 is still open, Q3 is the last closed quarter
    assert domain.last_closed(SettlementCycle.QUARTERLY, datetime(2026, 12, 31, 15, 59, tzinfo=UTC)).label == "2026-Q3"
    # 1 January 2027 00:00 in Beijing (still 31 December in UTC): Q4 has ended
    assert domain.last_closed(SettlementCycle.QUARTERLY, datetime(2026, 12, 31, 16, tzinfo=UTC)).label == "2026-Q4"
    assert not domain.parse_period("2026-Q4").is_closed(datetime(2026, 12, 31, 15, 59, tzinfo=UTC))


def test_the_cycle_is_one_enum_shared_with_agreements() -> None:
    from lianmeng.agreements import schemas

    assert schemas.AgreementCreate.model_fields["settlement_cycle"].annotation is SettlementCycle
    assert {c.value for c in SettlementCycle} == {"weekly", "monthly", "quarterly"}
    assert domain.cycle_label("quarterly") == "按季度结算" and domain.cycle_label("quarterly", "en") == "Quarterly"
    for cycle in SettlementCycle:  # every cycle an agreement offers has periods settlement can run
        period = domain.last_closed(cycle, datetime(2026, 11, 24, tzinfo=UTC))
        assert domain.parse_period(period.label) == period


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "1999-10", "2026-W54", "2025-W53", "2026/10", "", "October",
                                  "2026-W0", "2026-1", "2026-Q0", "2026-Q5", "2026-Q", "2026-q4", "2100-Q1",
                                  "1999-Q4", "2026-Q04"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(domain.BadPeriod):
        domain.parse_period(text)


def test_closed_and_last_closed() -> None:
    october = domain.parse_period("2026-10")
    assert not october.is_closed(datetime(2026, 10, 31, 15, 59, tzinfo=UTC))
    assert october.is_closed(datetime(2026, 10, 31, 16, tzinfo=UTC))
    # 1 November 00:30 in Beijing is still 31 October in UTC: October has ended
    assert domain.last_closed(SettlementCycle.MONTHLY, datetime(2026, 10, 31, 16, 30, tzinfo=UTC)).label == "2026-10"
    assert domain.last_closed(SettlementCycle.WEEKLY, datetime(2026, 11, 24, tzinfo=UTC)).label == "2026-W47"


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


def test_line_numbers_run_from_one_without_gaps_whatever_the_ids() -> None:
    from lianmeng.settlement.domain import line_numbers

    assert line_numbers([907, 12, 455]) == {12: 1, 455: 2, 907: 3}
    assert line_numbers([]) == {}


def test_every_action_and_side_has_both_labels() -> None:
    from lianmeng.settlement.domain import ACTION_LABELS, SIDE_LABELS, Action, Side, pair_words

    assert set(ACTION_LABELS) == set(Action) and set(SIDE_LABELS) == set(Side)
    assert pair_words(ACTION_LABELS, "dispute") == "提出异议 Disputed"
