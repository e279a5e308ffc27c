"""The error codes the withdrawals capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    WITHDRAWAL_BELOW_MINIMUM = (
        "withdrawal_below_minimum",
        "提现金额低于最低限额({minimum} 分)",
        "Below the minimum withdrawal ({minimum} fen)",
    )
    WITHDRAWAL_BELOW_FEE = "withdrawal_below_fee", "提现金额不足以支付手续费", "The amount does not cover the fee"
    WITHDRAWAL_NOT_PAYEE = (
        "withdrawal_not_payee",
        "只有收款人本人可以申请提现或管理收款账户(员工为本人,商户由其管理员)",
        "Only the payee may ask for a withdrawal or manage payout accounts (staff for themselves, a merchant through "
        "its admin)",
    )
    PAYOUT_ACCOUNT_REQUIRED = (
        "payout_account_required",
        "请先添加收款账户(微信支付、支付宝或银行卡)",
        "Add a payout account first (WeChat Pay, Alipay or a bank card)",
    )
    PAYOUT_ACCOUNT_UNKNOWN = (
        "payout_account_unknown",
        "所选收款账户不是收款人本人的可用账户",
        "The chosen payout account is not one of the payee's",
    )
    PAYOUT_ACCOUNT_INVALID = (
        "payout_account_invalid",
        "账号格式不对:银行卡为 12–19 位数字;支付宝为手机号或邮箱;微信支付为手机号或微信号",
        "Not an account: a bank card is 12–19 digits; Alipay a mobile or an e-mail; WeChat Pay a mobile or a WeChat ID",
    )
    PAYOUT_BANK_REQUIRED = "payout_bank_required", "银行卡请填写开户银行", "Enter the bank of the card"
    WITHDRAWAL_TRANSITION = (
        "withdrawal_transition",
        "提现申请当前状态为「{status}」,不能执行「{action}」",
        "Withdrawal is '{status}'; cannot '{action}'",
    )
