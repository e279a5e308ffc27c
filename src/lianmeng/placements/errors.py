"""The error codes of featured placement (推广位), each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    PLACEMENT_PRICE_RANGE = (
        "placement_price_range",
        "推广位日价须在 ¥0.01 至 ¥100,000.00 之间",
        "The price per day must be between ¥0.01 and ¥100,000.00",
    )
    PLACEMENT_CAPACITY_RANGE = (
        "placement_capacity_range",
        "同时推广的商户数须在 1 至 {most} 之间",
        "The number of merchants featured at once must be between 1 and {most}",
    )
    PLACEMENT_MAX_DAYS_RANGE = (
        "placement_max_days_range",
        "单次可订天数须在 1 至 {most} 天之间",
        "The longest booking must be between 1 and {most} days",
    )
    PLACEMENT_DAYS_RANGE = (
        "placement_days_range",
        "推广天数须在 1 至 {most} 天之间",
        "A booking lasts between 1 and {most} days",
    )
    PLACEMENT_START_PAST = (
        "placement_start_past",
        "开始日期不能早于今天({today})",
        "The first day cannot be before today ({today})",
    )
    PLACEMENT_START_TOO_FAR = (
        "placement_start_too_far",
        "开始日期最多在 {most} 天之后",
        "The first day can be at most {most} days ahead",
    )
    PLACEMENT_FULL = "placement_full", "{day} 推广位已满,请换个日期", "The slot is full on {day}; choose other days"
    PLACEMENT_ALREADY_BOOKED = (
        "placement_already_booked",
        "该商户在这些日期已预订此推广位",
        "This merchant already has this slot on some of these days",
    )
    PLACEMENT_SLOT_INACTIVE = "placement_slot_inactive", "该推广位已停用", "This slot is not offered now"
    PLACEMENT_SLOT_EXISTS = (
        "placement_slot_exists",
        "该位置已有推广位,请修改原推广位",
        "This place already has a slot; change that one",
    )
    PLACEMENT_MERCHANT_REQUIRED = (
        "placement_merchant_required",
        "请选择为哪个商户预订",
        "Choose the merchant the booking is for",
    )
    PLACEMENT_STARTED = (
        "placement_started",
        "推广已于 {first_day} 开始,不能取消,也不退款",
        "The placement began on {first_day}; it can no longer be cancelled or refunded",
    )
    PLACEMENT_CANCELLED = "placement_cancelled", "该预订已取消", "This booking is already cancelled"
