"""Pure ledger rules: units, account kinds, which may go negative, which are derived, and balance checks.

Sign convention: an entry's amount adds to its account's balance. A posting is balanced when, for each unit,
its amounts sum to zero. A positive balance is what the account's owner holds or is owed; a negative balance
is what the owner owes (only account kinds that represent obligations may go negative).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from lianmeng.kit.vocab import LabelledEnum


class Unit(StrEnum):
    FEN = "fen"
    POINT = "point"


class OwnerType(StrEnum):
    MEMBER = "member"
    MERCHANT = "merchant"
    STAFF = "staff"
    OPERATOR = "operator"


class AccountKind(LabelledEnum):
    # member
    POINTS = "points", "联盟积分", "Alliance points"  # point; the member's alliance points
    STORED_VALUE = "stored_value", "储值余额", "Stored value"  # fen; scoped to the merchant where it was topped up
    # point; points taken back by a refund that the balance could not cover (≤ 0)
    POINTS_DEBT = "points_debt", "积分欠额", "Points owed"
    # merchant
    CASH = "cash", "收款", "Cash taken"  # fen; money the merchant took at the till (external world), goes negative
    # fen; what the merchant owes holders of its stored value
    STORED_VALUE_LIABILITY = "stored_value_liability", "储值负债", "Stored value owed to holders"
    POINTS_ISSUED = "points_issued", "已发积分", "Points issued"  # fen; value of points it issued: owed to the operator
    # fen; value of points it accepted: owed by the operator
    POINTS_REDEEMED = "points_redeemed", "已收积分", "Points accepted"
    # fen; scoped to a partner: positive = the partner owes this merchant
    PARTNER_BALANCE = "partner_balance", "伙伴往来", "Partner balance"
    # fen; commissions this merchant owes referrers (≤ 0)
    COMMISSION_PAYABLE = "commission_payable", "应付佣金", "Commission payable"
    # merchant or staff: rebates (返利) they earned as referrers
    # fen; credited at order time, not withdrawable until the return window ends
    REBATE_FROZEN = "rebate_frozen", "冻结返利", "Rebate frozen"
    REBATE_AVAILABLE = "rebate_available", "可提现返利", "Rebate available"  # fen; withdrawable
    # fen; refunds after release that later rebates repay first (≤ 0)
    REBATE_CLAWBACK = "rebate_clawback", "返利追回", "Rebate clawback"
    # fen; held while a withdrawal request is decided
    WITHDRAWAL_PENDING = "withdrawal_pending", "提现审核中", "Withdrawal pending"
    # operator
    # point; source of all points in circulation (hot: derived)
    POINTS_FLOAT = "points_float", "积分总池", "Points float"
    # fen; operator's net position on points value (hot: derived)
    POINTS_CLEARING = "points_clearing", "积分清算", "Points clearing"
    FEES = "fees", "手续费", "Fees"  # fen; operator commission and withdrawal fees (hot: derived)
    # fen; money that left the alliance to payees' bank accounts (hot: derived)
    PAID_OUT = "paid_out", "已打款", "Paid out"
    # joint cards (jointcards, docs/joint-cards.md); both scoped to the product
    # fen; merchant: what it owes holders of joint cards it sold
    JOINT_CARD_LIABILITY = "joint_card_liability", "联合卡负债", "Joint card liability"
    # fen; merchant: minus the joint-card value it recognised (earned)
    JOINT_CARD_REVENUE = "joint_card_revenue", "联合卡收入", "Joint card revenue"
    # group buys (groupbuys, docs/group-buys.md): merchant (the seller), scoped to the offer
    # fen; what the seller holds of open groups' seats until the group forms (issued) or expires (refunded)
    GROUP_BUY_HELD = "group_buy_held", "拼团待成团款", "Group buy money held"
    # campaigns and settlement (docs/settlement.md)
    # fen; merchant or operator, scoped to the campaign: cost shares owed (-)/due (+)
    CAMPAIGN_COSTS = "campaign_costs", "活动费用", "Campaign costs"
    # fen; corrections agreed on a disputed statement
    SETTLEMENT_ADJUSTMENT = "settlement_adjustment", "结算调整", "Settlement adjustment"
    # fen; merchant: what it owes the operator for the platform (fees, commission, featured placement) (≤ 0)
    PLATFORM_CHARGES = "platform_charges", "平台费用", "Platform charges"


class PostingCause(LabelledEnum):
    """Why a posting was made (`ledger_postings.cause`); its words are what a member's or a merchant's account
    history says. Statements group lines under their own headings (settlement.domain.STATEMENT_HEADINGS)."""

    ORDER = "order", "消费", "Purchase"
    COMMISSION = "commission", "佣金", "Commission"
    REFUND = "refund", "退款", "Refund"
    EXPIRY = "expiry", "积分过期", "Points expired"
    TOP_UP = "top_up", "充值", "Top-up"
    RELEASE = "release", "返利解冻", "Rebate released"
    WITHDRAWAL = "withdrawal", "提现", "Withdrawal"
    JOINT_CARD_SALE = "joint_card_sale", "联合卡售卡", "Joint card sold"
    JOINT_CARD_USE = "joint_card_use", "联合卡核销", "Joint card used"
    JOINT_CARD_REFUND = "joint_card_refund", "联合卡退卡", "Joint card refunded"
    JOINT_CARD_EXPIRY = "joint_card_expiry", "联合卡过期", "Joint card expired"
    CAMPAIGN_COST = "campaign_cost", "活动费用", "Campaign cost"
    SETTLEMENT_ADJUSTMENT = "settlement_adjustment", "对账调整", "Settlement adjustment"
    RECRUIT_BOUNTY = "recruit_bounty", "招募奖励", "Recruit bounty"
    MEMBER_MERGE = "member_merge", "会员合并", "Member merge"
    MEMBER_MERGE_UNDO = "member_merge_undo", "撤销会员合并", "Member merge undone"
    FEATURED_PLACEMENT = "featured_placement", "推广位", "Featured placement"
    JOINING_FEE = "joining_fee", "入盟费", "Joining fee"
    ANNUAL_FEE = "annual_fee", "年费", "Annual fee"
    PLATFORM_COMMISSION = "platform_commission", "平台佣金", "Platform commission"
    GROUP_BUY_JOIN = "group_buy_join", "拼团付款", "Group buy seat paid"
    GROUP_BUY_FORMED = "group_buy_formed", "拼团成团发卡", "Group buy formed, package issued"
    GROUP_BUY_REFUND = "group_buy_refund", "拼团退出退款", "Group buy seat refunded"
    GROUP_BUY_EXPIRY = "group_buy_expiry", "拼团未成团退款", "Group buy expired, refunded"


@dataclass(frozen=True)
class KindRule:
    unit: Unit
    may_go_negative: bool
    derived: bool = False  # balance not kept on the row: summed from entries (no row lock, no hot spot)


KIND_RULES: dict[AccountKind, KindRule] = {
    AccountKind.POINTS: KindRule(Unit.POINT, may_go_negative=False),
    AccountKind.STORED_VALUE: KindRule(Unit.FEN, may_go_negative=False),
    AccountKind.POINTS_DEBT: KindRule(Unit.POINT, may_go_negative=True),
    AccountKind.CASH: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.PARTNER_BALANCE: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.STORED_VALUE_LIABILITY: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.POINTS_ISSUED: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.POINTS_REDEEMED: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.COMMISSION_PAYABLE: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.REBATE_FROZEN: KindRule(Unit.FEN, may_go_negative=False),
    AccountKind.REBATE_AVAILABLE: KindRule(Unit.FEN, may_go_negative=False),
    AccountKind.REBATE_CLAWBACK: KindRule(Unit.FEN, may_go_negative=True),
    AccountKind.WITHDRAWAL_PENDING: KindRule(Unit.FEN, may_go_negative=False),
    AccountKind.FEES: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.PAID_OUT: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.POINTS_FLOAT: KindRule(Unit.POINT, may_go_negative=True, derived=True),
    AccountKind.POINTS_CLEARING: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.JOINT_CARD_LIABILITY: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.JOINT_CARD_REVENUE: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.GROUP_BUY_HELD: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.CAMPAIGN_COSTS: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.SETTLEMENT_ADJUSTMENT: KindRule(Unit.FEN, may_go_negative=True, derived=True),
    AccountKind.PLATFORM_CHARGES: KindRule(Unit.FEN, may_go_negative=True, derived=True),
}


@dataclass(frozen=True)
class AccountRef:
    """Names an account without knowing its id: owner, kind and (for stored value) the merchant it sits at."""

    owner_type: OwnerType
    owner_id: int  # 0 for the operator
    kind: AccountKind
    scope_id: int = 0

    @property
    def unit(self) -> Unit:
        return KIND_RULES[self.kind].unit


@dataclass(frozen=True)
class Party:
    """Who a leg is with: the counterparty a merchant's statement names on the line (docs/settlement.md)."""

    owner_type: OwnerType
    owner_id: int  # 0 for the operator


OPERATOR = Party(OwnerType.OPERATOR, 0)


@dataclass(frozen=True)
class Leg:
    account: AccountRef
    amount: int
    party: Party | None = None  # the counterparty, when the account's kind and scope do not already say it

    def reversed(self) -> Leg:
        return Leg(self.account, -self.amount, self.party)


SETTLED_WITH_OPERATOR = frozenset({AccountKind.POINTS_ISSUED, AccountKind.POINTS_REDEEMED,
                                   AccountKind.PLATFORM_CHARGES})


def counterparty(leg: Leg) -> Party | None:
    """The party a leg is settled with, or None for movements inside one owner (a release, a top-up, revenue
    recognition). Partner balances name the partner in their scope; points value is always settled with the
    operator; commissions, campaign costs and adjustments name their party on the leg."""
    if leg.party is not None:
        return leg.party
    if leg.account.owner_type is not OwnerType.MERCHANT:
        return None
    if leg.account.kind is AccountKind.PARTNER_BALANCE:
        return Party(OwnerType.MERCHANT, leg.account.scope_id)
    if leg.account.kind in SETTLED_WITH_OPERATOR:
        return OPERATOR
    return None


class Unbalanced(ValueError):
    pass


def check_balanced(legs: Iterable[Leg]) -> None:
    """Every posting: integer amounts, no zero legs, and per unit the amounts sum to zero."""
    totals: dict[Unit, int] = defaultdict(int)
    count = 0
    for leg in legs:
        if not isinstance(leg.amount, int) or isinstance(leg.amount, bool):
            raise Unbalanced("amounts must be integers (fen or points)")
        if leg.amount == 0:
            raise Unbalanced("zero legs are not recorded")
        totals[leg.account.unit] += leg.amount
        count += 1
    if count < 2:
        raise Unbalanced("a posting needs at least two legs")
    unbalanced = {unit.value: total for unit, total in totals.items() if total != 0}
    if unbalanced:
        raise Unbalanced(f"posting does not balance: {unbalanced}")


def net_by_account(legs: Iterable[Leg]) -> dict[AccountRef, int]:
    """Legs on the same account collapse into one change (a posting touches each balance once)."""
    net: dict[AccountRef, int] = defaultdict(int)
    for leg in legs:
        net[leg.account] += leg.amount
    return {ref: amount for ref, amount in net.items() if amount != 0}
