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
    JOINT_TIER_LOCKED = (
        "joint_tier_locked",
        "该版本已有售出的卡,售价和项目不能再改:已售的卡按售出时的售价和项目分账。可以新增一个版本,或暂停此联合卡",
        "Cards of this tier are sold, so its price and components cannot change: the cards sold are shared out on "
        "the terms they were sold with. Add a new tier instead, or pause this joint card",
    )
    JOINT_TIER_SOLD = (
        "joint_tier_sold",
        "该版本已售出 {sold} 张卡,不能删除:已售的卡仍按此版本的售价和项目使用、分账。不再销售可暂停此联合卡",
        "{sold} card(s) of this tier are sold, so it cannot be deleted: the cards sold are still used and shared out "
        "on its price and components. To stop selling, pause this joint card",
    )
    JOINT_PRODUCT_LAST_TIER = (
        "joint_product_last_tier",
        "联合卡至少保留一个版本,最后一个版本不能删除;不再销售可暂停此联合卡",
        "A joint card keeps at least one tier, so its last tier cannot be deleted; to stop selling, pause it",
    )
    JOINT_TIER_NAME_TAKEN = "joint_tier_name_taken", "版本名称不能重复", "Tier names must differ"
    JOINT_PRODUCT_TIERS = "joint_product_tiers", "联合卡须有 1 到 10 个版本", "A joint card has 1 to 10 tiers"
    JOINT_PRODUCT_OF_GROUP_BUY = (
        "joint_product_of_group_buy",
        "这是拼团套餐的联合卡,随拼团成团发放,请在拼团里修改或暂停",
        "This joint card is a group buy's package, issued when a group forms; change or pause the group buy instead",
    )
    JOINT_PRODUCT_NOT_MANAGED = (
        "joint_product_not_managed",
        "只有联盟运营方或发起该联合卡的商户管理员可以修改、暂停它",
        "Only the alliance's operator or an admin of the merchant that leads this joint card may change or pause it",
    )
