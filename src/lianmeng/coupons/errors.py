"""The error codes the coupons capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    OTHER_MEMBERS_COUPON = "other_members_coupon", "这张券属于其他会员", "This coupon belongs to another member"
    NOT_STARTED = "not_started", "券尚未到可用时间", "This coupon is not valid yet"
    USED_UP = "used_up", "券已用完", "This coupon has been used up"
    NOT_ACCEPTED_HERE = "not_accepted_here", "本店不接受这张券", "This coupon is not accepted here"
    MEMBER_LIMIT_REACHED = "member_limit_reached", "每人限领 {limit} 张", "At most {limit} per member"
    OFFER_NOT_CLAIMABLE = "offer_not_claimable", "这项优惠不能在线领取", "This offer cannot be taken online"
    SELF_REFERRAL = "self_referral", "不能推荐自己", "You cannot refer yourself"
    CLAIM_LINK_INACTIVE = "claim_link_inactive", "领券链接已失效", "This claim link is no longer active"
    STAFF_CANNOT_CLAIM = (
        "staff_cannot_claim",
        "店员账号不能代顾客领券:请顾客用自己的手机号和验证码领取,或在前台发券",
        "A staff login cannot claim for a customer: the customer claims with their own phone and code, or the counter"
        " issues the coupon",
    )
    WRONG_ALLIANCE_CARD = "wrong_alliance_card", "你的联盟卡不属于该联盟", "Your alliance card is of another alliance"
    NOT_YOUR_PHONE = (
        "not_your_phone",
        "手机号与当前登录的联盟卡不一致",
        "This phone is not the one of the card you are logged in with",
    )
    NOT_A_BENEFIT = "not_a_benefit", "该权益不适用于此会员", "This benefit does not apply to this member"
    ORDER_ALREADY_ATTACHED = (
        "order_already_attached",
        "该核销已关联订单",
        "An order is already attached to this redemption",
    )
    TEMPLATE_LOCKED = (
        "template_locked",
        "券发布后不能修改「{what}」:持券会员按领取时的条件使用。如需调整,请暂停此券并发布新券",
        "'{what}' cannot change once a coupon is published: members use it on the terms they got. To change it, pause"
        " this coupon and publish a new one",
    )
    TEMPLATE_STOCK_BELOW_ISSUED = (
        "template_stock_below_issued",
        "库存不能少于已发出的 {issued} 张",
        "The stock cannot be less than the {issued} already issued",
    )
    TEMPLATE_WINDOW = "template_window", "结束时间须晚于开始时间", "The end must be after the start"
    TEMPLATE_STORES_NOT_SELECTED = (
        "template_stores_not_selected",
        "只有使用范围为「指定商户/门店」的券可以修改适用门店",
        "Only a coupon accepted at selected merchants or stores has stores to change",
    )
    TEMPLATE_STORE_REMOVED = (
        "template_store_removed",
        "已发出 {issued} 张券,不能取消适用门店(持券会员可能正要去那里使用);可以增加门店",
        "{issued} coupons are out: a store cannot be taken off (holders may be on their way there); stores may be "
        "added",
    )
    TEMPLATE_STORES_EMPTY = (
        "template_stores_empty",
        "请至少保留一家适用门店",
        "Keep at least one store where it is accepted",
    )
    INVALID_TEMPLATE = "invalid_template", "券设置有误：{reason}", "Invalid coupon settings: {reason}"
    BELOW_MINIMUM_SPEND = "below_minimum_spend", "未达到最低消费 {min_spend}", "Minimum spend is {min_spend}"
    COUPON_NOT_FOUND = "coupon_not_found", "券码无效", "Unknown coupon code"
    STOCK_EXHAUSTED = "stock_exhausted", "券已领完", "No coupons of this kind are left"
    TEMPLATE_PAUSED = "template_paused", "该券已停发", "This coupon is no longer handed out"
    EXPIRED = "expired", "券已过期", "This coupon has expired"
