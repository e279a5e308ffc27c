"""The error codes the orders capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    STORED_VALUE_NOT_ACCEPTED = (
        "stored_value_not_accepted",
        "该商户与储值发卡商户之间没有生效的联合储值卡协议",
        "No active joint-card agreement lets this merchant accept that stored value",
    )
    REFUND_EXCEEDS = "refund_exceeds", "退款金额超过订单剩余可退金额", "Refund exceeds what remains refundable"
    DUPLICATE_EXTERNAL_ID = (
        "duplicate_external_id",
        "该外部单号已用于内容不同的记录",
        "This external id was already used for a different record",
    )
    OVERPAID = "overpaid", "积分与储值支付超过订单金额", "Points and stored value exceed the order amount"
    AMOUNT_NOT_POSITIVE = "amount_not_positive", "金额必须大于零", "Amounts must be greater than zero"
    OCCURRED_IN_FUTURE = "occurred_in_future", "消费时间不能晚于现在", "The sale cannot have happened in the future"
    OCCURRED_TOO_OLD = (
        "occurred_too_old",
        "消费时间太早:只能补录 {days} 天以内的消费",
        "The sale is too old: only sales of the last {days} days can be uploaded",
    )
    OCCURRED_IN_SETTLED_PERIOD = (
        "occurred_in_settled_period",
        "消费时间在已结算的期间 {period} 内,不能补录,未做任何更改",
        "The sale falls in the period {period}, which is already settled; nothing was recorded",
    )
