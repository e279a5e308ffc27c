"""The agreement status flow as a pure function.

draft --propose--> proposed --accept (the other party)--> accepted --activate--> active
active --suspend--> suspended --resume--> active;  any live state --terminate--> terminated
proposed --withdraw (proposer)--> draft;  proposed --reject (the other party)--> terminated
proposed --counter (the other party, with changed terms)--> proposed, the offer now the counter-offerer's
reject, suspend and terminate need a reason (kept in the history).

The proposer's acceptance is implied by proposing, so "accepted" means both sides have said yes.
For an alliance-wide agreement the operator is both sides.

Negotiation: whoever made the offer on the table (`offered_by`: the proposer at first, the counterparty after it
counters, the proposer again after it counters back) stands as "the proposer" of the rules above, the other merchant
as "the counterparty": the one who received the offer accepts it, rejects it or counters it; the one who made it may
withdraw it. The parties themselves (merchant_a_id, merchant_b_id, and the terms' payer 'a'/'b') never swap.
Counter-offers are between the two merchants: the operator may accept or reject for either, never counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from lianmeng.agreements.errors import Problem
from lianmeng.kit.vocab import LabelledEnum, Pair, pairs


class AgreementStatus(LabelledEnum):
    DRAFT = "draft", "草稿", "Draft"
    PROPOSED = "proposed", "已提议", "Proposed"
    ACCEPTED = "accepted", "双方已确认", "Accepted by both"
    ACTIVE = "active", "生效中", "Active"
    SUSPENDED = "suspended", "已暂停", "Suspended"
    TERMINATED = "terminated", "已终止", "Terminated"


class AgreementAction(LabelledEnum):
    PROPOSE = "propose", "提交对方确认", "Propose"
    WITHDRAW = "withdraw", "撤回", "Withdraw"
    ACCEPT = "accept", "接受", "Accept"
    REJECT = "reject", "拒绝", "Reject"
    ACTIVATE = "activate", "生效", "Activate"
    SUSPEND = "suspend", "暂停", "Suspend"
    RESUME = "resume", "恢复", "Resume"
    TERMINATE = "terminate", "终止", "Terminate"
    COUNTER = "counter", "修改条款还价", "Counter-offer"


#: Where a history line says an action in other words than the action's button.
ACTION_EVENT_WORDS: dict[AgreementAction, Pair] = {
    AgreementAction.COUNTER: ("还价(提出新条款)", "Counter-offer (new terms)"),
}


class AgreementEventKind(LabelledEnum):
    """What an agreement's history line records (`agreement_events.action`): its creation, an edit of its terms,
    or one of the actions, under the action's own value. The actions' members are derived from `AgreementAction`,
    so an action added there has its history line without a second list to remember."""

    CREATE = "create", "创建草稿", "Drafted"
    UPDATE = "update", "修改条款", "Terms changed"
    # An enum's class body writes into its member table: each action becomes a member here, in its order.
    locals().update({a.name: (a.value, *ACTION_EVENT_WORDS.get(a, a.pair)) for a in AgreementAction})

    @classmethod
    def of(cls, action: AgreementAction) -> AgreementEventKind:
        """The history line an action leaves."""
        return cls(action.value)


class CooperationMode(LabelledEnum):
    RIGHTS_EXCHANGE = "rights_exchange", "会员权益互换", "Rights exchange"
    JOINT_CAMPAIGN = "joint_campaign", "联合营销活动", "Joint campaign"
    JOINT_CARD = "joint_card", "联合储值卡", "Joint stored-value card"
    DATA_SHARING = "data_sharing", "脱敏数据共享", "De-identified data sharing"
    STRATEGIC = "strategic", "战略合作", "Strategic"


class Side(StrEnum):
    """Who is acting, seen from the agreement."""

    PROPOSER = "proposer"
    COUNTERPARTY = "counterparty"
    OPERATOR = "operator"


MODE_LABELS: dict[CooperationMode, tuple[str, str]] = pairs(CooperationMode)

STATUS_LABELS: dict[AgreementStatus, tuple[str, str]] = pairs(AgreementStatus)

S = AgreementStatus
A = AgreementAction
_ANY = frozenset(Side)
_PROPOSER = frozenset({Side.PROPOSER, Side.OPERATOR})
_COUNTERPARTY = frozenset({Side.COUNTERPARTY, Side.OPERATOR})

# (from status, action) -> (to status, sides allowed to act)
TRANSITIONS: dict[tuple[AgreementStatus, AgreementAction], tuple[AgreementStatus, frozenset[Side]]] = {
    (S.DRAFT, A.PROPOSE): (S.PROPOSED, _PROPOSER),
    (S.DRAFT, A.TERMINATE): (S.TERMINATED, _PROPOSER),
    (S.PROPOSED, A.WITHDRAW): (S.DRAFT, _PROPOSER),
    (S.PROPOSED, A.ACCEPT): (S.ACCEPTED, _COUNTERPARTY),
    (S.PROPOSED, A.REJECT): (S.TERMINATED, _COUNTERPARTY),
    (S.PROPOSED, A.COUNTER): (S.PROPOSED, frozenset({Side.COUNTERPARTY})),
    (S.ACCEPTED, A.ACTIVATE): (S.ACTIVE, _ANY),
    (S.ACCEPTED, A.TERMINATE): (S.TERMINATED, _ANY),
    (S.ACTIVE, A.SUSPEND): (S.SUSPENDED, _ANY),
    (S.ACTIVE, A.TERMINATE): (S.TERMINATED, _ANY),
    (S.SUSPENDED, A.RESUME): (S.ACTIVE, _ANY),
    (S.SUSPENDED, A.TERMINATE): (S.TERMINATED, _ANY),
}


# ending or pausing a partnership, or turning a proposal down, is asked to be confirmed with a reason, which the
# history keeps (the event's note): the other side reads why
NEEDS_REASON: frozenset[AgreementAction] = frozenset({A.REJECT, A.SUSPEND, A.TERMINATE})


def needs_reason(action: AgreementAction) -> bool:
    return action in NEEDS_REASON


class TransitionRefused(Exception):
    def __init__(self, code: str, status: AgreementStatus, action: AgreementAction) -> None:
        super().__init__(code)
        self.code = code
        self.status = status
        self.action = action


@dataclass(frozen=True)
class Validity:
    valid_from: date
    valid_until: date | None


def relative(side: Side, offered_by: Side = Side.PROPOSER) -> Side:
    """How `side` stands to the offer on the table: the merchant who made it is "the proposer" of the rules, the
    other "the counterparty" (the operator is the operator)."""
    if offered_by is not Side.COUNTERPARTY or side is Side.OPERATOR:
        return side
    return Side.COUNTERPARTY if side is Side.PROPOSER else Side.PROPOSER


def next_status(
    status: AgreementStatus, action: AgreementAction, side: Side, validity: Validity, today: date,
    offered_by: Side = Side.PROPOSER,
) -> AgreementStatus:
    """The status after `action` by `side`, or TransitionRefused with the reason's code. `offered_by`: whose offer
    is on the table (see the module's note)."""
    rule = TRANSITIONS.get((status, action))
    if rule is None:
        raise TransitionRefused(Problem.AGREEMENT_TRANSITION, status, action)
    target, allowed = rule
    if relative(side, offered_by) not in allowed:
        raise TransitionRefused(Problem.AGREEMENT_PARTY, status, action)
    if target is S.ACTIVE:
        if today < validity.valid_from:
            raise TransitionRefused(Problem.AGREEMENT_NOT_STARTED, status, action)
        if validity.valid_until is not None and today > validity.valid_until:
            raise TransitionRefused(Problem.AGREEMENT_EXPIRED, status, action)
    return target


def allowed_actions(status: AgreementStatus, side: Side, offered_by: Side = Side.PROPOSER) -> list[AgreementAction]:
    mine = relative(side, offered_by)
    return [action for (frm, action), (_, sides) in TRANSITIONS.items() if frm is status and mine in sides]


def receives_offer(status: AgreementStatus, side: Side | None, offered_by: Side = Side.PROPOSER) -> bool:
    """True when an offer is on the table and `side` is the merchant who received it (it is that side's turn)."""
    return status is S.PROPOSED and side is not None and relative(side, offered_by) is Side.COUNTERPARTY


def is_editable(status: AgreementStatus) -> bool:
    return status is S.DRAFT
