"""The error codes the ownership capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    OWNERSHIP_NO_STAFF = "ownership_no_staff", "请至少选择一名员工", "Choose at least one staff member"
    OWNERSHIP_STAFF_REPEATED = "ownership_staff_repeated", "员工重复选择", "A staff member is chosen twice"
    OWNERSHIP_BULK_TOO_LARGE = (
        "ownership_bulk_too_large",
        "一次最多分配 {limit} 名会员",
        "At most {limit} members per assignment",
    )
    OWNERSHIP_CLAIM_LIMIT = (
        "ownership_claim_limit",
        "今日认领已达上限(每天 {limit} 名)",
        "Daily claim limit reached ({limit} a day)",
    )
    OWNERSHIP_CLAIM_LIMIT_RANGE = (
        "ownership_claim_limit_range",
        "每日认领上限须在 1 至 {limit} 之间",
        "The daily claim limit must be between 1 and {limit}",
    )
    OWNERSHIP_IDLE_DAYS_RANGE = (
        "ownership_idle_days_range",
        "未服务退回天数须在 1 至 {limit} 之间",
        "The idle days must be between 1 and {limit}",
    )
    OWNERSHIP_STORE_REQUIRED = "ownership_store_required", "按门店分配须选择门店", "Choose the store to assign by"
    OWNERSHIP_CLASSES_REQUIRED = (
        "ownership_classes_required",
        "按价值分层分配须选择分层",
        "Choose the value classes to assign",
    )
    OWNERSHIP_STAFF_INACTIVE = "ownership_staff_inactive", "该员工已停用", "This staff member is deactivated"
    OWNERSHIP_ALREADY_OWNED = (
        "ownership_already_owned",
        "该会员已被其他员工认领",
        "Another staff member owns this member",
    )
    OWNERSHIP_ALREADY_YOURS = "ownership_already_yours", "该会员已归属于您", "This member is yours already"
    OWNERSHIP_SUCCESSOR_SELF = (
        "ownership_successor_self",
        "接手人不能是离职员工本人",
        "The successor cannot be the leaving staff member",
    )
