"""The agreement status machine, checked exhaustively over status × action × side."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest

from lianmeng.agreements.domain import (
    AgreementAction,
    AgreementEventKind,
    AgreementStatus,
    Side,
    TransitionRefused,
    Validity,
    allowed_actions,
    is_editable,
    next_status,
    receives_offer,
)

S = AgreementStatus
A = AgreementAction
P, C, OP = Side.PROPOSER, Side.COUNTERPARTY, Side.OPERATOR

TODAY = date(2026, 3, 15)
OPEN = Validity(valid_from=date(2026, 1, 1), valid_until=None)

# Written out by hand from the module docstring, independently of TRANSITIONS.
EXPECTED: dict[tuple[AgreementStatus, AgreementAction], tuple[AgreementStatus, set[Side]]] = {
    (S.DRAFT, A.PROPOSE): (S.PROPOSED, {P, OP}),
    (S.DRAFT, A.TERMINATE): (S.TERMINATED, {P, OP}),
    (S.PROPOSED, A.WITHDRAW): (S.DRAFT, {P, OP}),
    (S.PROPOSED, A.ACCEPT): (S.ACCEPTED, {C, OP}),
    (S.PROPOSED, A.REJECT): (S.TERMINATED, {C, OP}),
    (S.PROPOSED, A.COUNTER): (S.PROPOSED, {C}),
    (S.ACCEPTED, A.ACTIVATE): (S.ACTIVE, {P, C, OP}),
    (S.ACCEPTED, A.TERMINATE): (S.TERMINATED, {P, C, OP}),
    (S.ACTIVE, A.SUSPEND): (S.SUSPENDED, {P, C, OP}),
    (S.ACTIVE, A.TERMINATE): (S.TERMINATED, {P, C, OP}),
    (S.SUSPENDED, A.RESUME): (S.ACTIVE, {P, C, OP}),
    (S.SUSPENDED, A.TERMINATE): (S.TERMINATED, {P, C, OP}),
}

ALL = list(product(AgreementStatus, AgreementAction, Side))


@pytest.mark.parametrize(("status", "action", "side"), ALL)
def test_next_status_matches_the_table(status: AgreementStatus, action: AgreementAction, side: Side) -> None:
    rule = EXPECTED.get((status, action))
    if rule is None:
        with pytest.raises(TransitionRefused) as refused:
            next_status(status, action, side, OPEN, TODAY)
        assert refused.value.code == "agreement_transition"
    elif side not in rule[1]:
        with pytest.raises(TransitionRefused) as refused:
            next_status(status, action, side, OPEN, TODAY)
        assert refused.value.code == "agreement_party"
    else:
        assert next_status(status, action, side, OPEN, TODAY) is rule[0]


def test_refusal_carries_status_and_action() -> None:
    with pytest.raises(TransitionRefused) as refused:
        next_status(S.DRAFT, A.ACCEPT, C, OPEN, TODAY)
    assert (refused.value.status, refused.value.action) == (S.DRAFT, A.ACCEPT)
    assert str(refused.value) == "agreement_transition"


@pytest.mark.parametrize(("status", "side"), list(product(AgreementStatus, Side)))
def test_allowed_actions_agree_with_next_status(status: AgreementStatus, side: Side) -> None:
    accepted: set[AgreementAction] = set()
    for action in AgreementAction:
        try:
            next_status(status, action, side, OPEN, TODAY)
        except TransitionRefused:
            continue
        accepted.add(action)
    assert set(allowed_actions(status, side)) == accepted


def test_terminated_is_terminal() -> None:
    for side in Side:
        assert allowed_actions(S.TERMINATED, side) == []
    for action, side in product(AgreementAction, Side):
        with pytest.raises(TransitionRefused):
            next_status(S.TERMINATED, action, side, OPEN, TODAY)


def test_counterparty_cannot_propose_and_proposer_cannot_accept() -> None:
    assert allowed_actions(S.DRAFT, C) == []
    assert allowed_actions(S.PROPOSED, P) == [A.WITHDRAW]
    assert set(allowed_actions(S.PROPOSED, OP)) == {A.WITHDRAW, A.ACCEPT, A.REJECT}
    assert set(allowed_actions(S.PROPOSED, C)) == {A.ACCEPT, A.REJECT, A.COUNTER}


def test_after_a_counter_offer_the_roles_of_the_offer_swap() -> None:
    """The counterparty countered: the proposer now receives an offer (accept, reject, counter back), the
    counterparty may only withdraw its own; the parties themselves do not change."""
    assert set(allowed_actions(S.PROPOSED, P, offered_by=C)) == {A.ACCEPT, A.REJECT, A.COUNTER}
    assert allowed_actions(S.PROPOSED, C, offered_by=C) == [A.WITHDRAW]
    assert next_status(S.PROPOSED, A.ACCEPT, P, OPEN, TODAY, offered_by=C) is S.ACCEPTED
    assert next_status(S.PROPOSED, A.COUNTER, P, OPEN, TODAY, offered_by=C) is S.PROPOSED
    with pytest.raises(TransitionRefused) as own:
        next_status(S.PROPOSED, A.ACCEPT, C, OPEN, TODAY, offered_by=C)
    assert own.value.code == "agreement_party"
    with pytest.raises(TransitionRefused) as operator:
        next_status(S.PROPOSED, A.COUNTER, OP, OPEN, TODAY, offered_by=C)
    assert operator.value.code == "agreement_party"
    assert receives_offer(S.PROPOSED, P, C) and not receives_offer(S.PROPOSED, C, C)
    assert receives_offer(S.PROPOSED, C) and not receives_offer(S.ACCEPTED, C) and not receives_offer(S.PROPOSED, None)
    # once accepted, both sides act alike whoever made the last offer
    assert allowed_actions(S.ACCEPTED, C, offered_by=C) == allowed_actions(S.ACCEPTED, C)


@pytest.mark.parametrize(("status", "action"), [(S.ACCEPTED, A.ACTIVATE), (S.SUSPENDED, A.RESUME)])
def test_becoming_active_respects_the_validity_window(status: AgreementStatus, action: AgreementAction) -> None:
    window = Validity(valid_from=date(2026, 3, 1), valid_until=date(2026, 3, 31))
    day = timedelta(days=1)
    with pytest.raises(TransitionRefused) as early:
        next_status(status, action, P, window, window.valid_from - day)
    assert early.value.code == "agreement_not_started"
    assert window.valid_until is not None
    with pytest.raises(TransitionRefused) as late:
        next_status(status, action, P, window, window.valid_until + day)
    assert late.value.code == "agreement_expired"
    assert next_status(status, action, P, window, window.valid_from) is S.ACTIVE
    assert next_status(status, action, P, window, window.valid_until) is S.ACTIVE


def test_validity_does_not_block_leaving_active() -> None:
    expired = Validity(valid_from=date(2025, 1, 1), valid_until=date(2025, 12, 31))
    assert next_status(S.ACTIVE, A.SUSPEND, C, expired, TODAY) is S.SUSPENDED
    assert next_status(S.ACTIVE, A.TERMINATE, C, expired, TODAY) is S.TERMINATED
    assert next_status(S.ACCEPTED, A.TERMINATE, C, expired, TODAY) is S.TERMINATED


def test_party_is_checked_before_dates() -> None:
    not_started = Validity(valid_from=date(2027, 1, 1), valid_until=None)
    with pytest.raises(TransitionRefused) as refused:
        next_status(S.PROPOSED, A.ACCEPT, P, not_started, TODAY)
    assert refused.value.code == "agreement_party"


@pytest.mark.parametrize("status", list(AgreementStatus))
def test_only_drafts_are_editable(status: AgreementStatus) -> None:
    assert is_editable(status) is (status is S.DRAFT)


def test_every_action_leaves_a_history_line_of_its_own_value() -> None:
    assert [AgreementEventKind.of(action).value for action in AgreementAction] == [a.value for a in AgreementAction]
    assert [k.value for k in AgreementEventKind] == ["create", "update", *(a.value for a in AgreementAction)]


def test_history_lines_keep_their_stored_words() -> None:
    """The event words stay what the history pages said before the kinds were derived from the actions."""
    assert AgreementEventKind.CREATE.pair == ("创建草稿", "Drafted")
    assert AgreementEventKind.UPDATE.pair == ("修改条款", "Terms changed")
    assert AgreementEventKind.of(A.COUNTER).pair == ("还价(提出新条款)", "Counter-offer (new terms)")
    assert AgreementEventKind.of(A.PROPOSE).pair == A.PROPOSE.pair == ("提交对方确认", "Propose")
    assert all(AgreementEventKind.of(a).pair == a.pair for a in AgreementAction if a is not A.COUNTER)
