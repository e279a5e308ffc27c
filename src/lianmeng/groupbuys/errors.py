"""The error codes the groupbuys capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    INVALID_GROUP_BUY = (
        "invalid_group_buy",
        "拼团设置有误:团价须大于零,成团人数 2–50,成团时限 1–168 小时,库存不少于成团人数,每人限购至少 1,"
        "结束时间须晚于开始时间",
        "Invalid group buy: the price must be positive, the group size 2–50, the hours to form 1–168, the stock at "
        "least the group size, the per-member limit at least 1 and the sale window's end after its start",
    )
    GROUP_BUY_NOT_COVERED = (
        "group_buy_not_covered",
        "商户「{merchant}」与收款商户之间没有生效中的联合储值卡协议,不能放进这个拼团套餐",
        "Merchant “{merchant}” has no active joint-card agreement with the seller, so it cannot be in this package",
    )
    GROUP_BUY_SELLER_NEEDED = (
        "group_buy_seller_needed",
        "运营方创建拼团须指定收款商户",
        "An operator's group buy must name the merchant that takes the money",
    )
    GROUP_BUY_NOT_MANAGED = (
        "group_buy_not_managed",
        "只有联盟运营方或发起该拼团的商户管理员可以修改、暂停它",
        "Only the alliance's operator or an admin of the merchant that made this group buy may change or pause it",
    )
    GROUP_BUY_PAUSED = "group_buy_paused", "该拼团已暂停", "This group buy is paused"
    GROUP_BUY_NOT_STARTED = "group_buy_not_started", "该拼团尚未开始", "This group buy has not started yet"
    GROUP_BUY_ENDED = "group_buy_ended", "该拼团已结束", "This group buy has ended"
    GROUP_BUY_SOLD_OUT = (
        "group_buy_sold_out",
        "该拼团名额已售完",
        "This group buy is sold out",
    )
    GROUP_BUY_MEMBER_LIMIT = (
        "group_buy_member_limit",
        "每位会员同时最多参加 {limit} 个该拼团的团",
        "A member may hold at most {limit} seat(s) of this group buy at once",
    )
    GROUP_BUY_FULL = (
        "group_buy_full",
        "该团已满员,可以自己开一个新团",
        "This group is full; start a new group instead",
    )
    GROUP_BUY_EXPIRED = (
        "group_buy_expired",
        "该团已过成团时限未满员,已失效,已付款项全额退回",
        "This group passed its deadline unfilled and has expired; what was paid is refunded in full",
    )
    GROUP_BUY_ALREADY_JOINED = (
        "group_buy_already_joined",
        "您已参加过该团,每位会员在一个团里只能占一个名额",
        "You have already joined this group; one member takes at most one seat in a group",
    )
    GROUP_BUY_FORMED = (
        "group_buy_formed",
        "该团已成团,套餐已发放;退款请联系收款商户退还未使用部分",
        "This group has formed and the package is issued; ask the seller to refund what is left unused",
    )
    GROUP_BUY_NOT_FORMED = (
        "group_buy_not_formed",
        "该团尚未成团,成员可自行退出并全额退款",
        "This group has not formed yet; its members may leave with a full refund",
    )
    GROUP_BUY_SEAT_CLOSED = (
        "group_buy_seat_closed",
        "该名额已退款或已失效",
        "This seat is already refunded or closed",
    )
    GROUP_BUY_NOT_DUE = (
        "group_buy_not_due",
        "该团尚未到成团时限",
        "This group has not reached its deadline yet",
    )
