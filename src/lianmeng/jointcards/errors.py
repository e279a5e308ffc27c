"""The error codes the jointcards capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    INVALID_JOINT_PRODUCT = (
        "invalid_joint_product",
        "联合卡设置有误:价格与各项标价须大于零,过期归属方须是参与商户",
        "Invalid joint card: prices and list values must be positive; the expiry party must take part",
    )
    JOINT_PRODUCT_PAUSED = "joint_product_paused", "该联合卡已停售", "This joint card is no longer sold"
    JOINT_CARD_NOT_IN_PRODUCT = (
        "joint_card_not_in_product",
        "本商户未参与该联合卡",
        "This merchant does not take part in the joint card",
    )
    JOINT_CARD_OTHER_MERCHANT = (
        "joint_card_other_merchant",
        "该项目属于其他商户,只能在该商户核销",
        "This component belongs to another merchant; use it there",
    )
    JOINT_CARD_USED_UP = "joint_card_used_up", "该项目剩余次数不足", "Not enough units of this component are left"
    JOINT_CARD_CLOSED = (
        "joint_card_closed",
        "联合卡已失效(状态:{status})",
        "The joint card is no longer usable ({status})",
    )
    NOTHING_TO_REFUND = (
        "nothing_to_refund",
        "联合卡已全部使用,没有可退金额",
        "The joint card is fully used; nothing to refund",
    )
