"""The error codes the tags capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    TAGS_ALLIANCE_REQUIRED = "tags_alliance_required", "请指定联盟(alliance_id)", "Name the alliance (alliance_id)"
    TAG_UNKNOWN = "tag_unknown", "没有这个可用的标签", "No such tag available"
    TAG_NOT_DECLARABLE = "tag_not_declarable", "只有兴趣标签可由会员自选", "Only interests can be chosen by members"
    MEMBER_TAG_EXISTS = (
        "member_tag_exists",
        "本店已给该会员添加过这个标签",
        "Your merchant already tagged this member so",
    )
    MEMBER_TAG_NOT_STAFF = (
        "member_tag_not_staff",
        "只能删除本店店员添加的标签(规则标签随数据更新,自选标签由会员本人管理)",
        "Only tags your staff added can be removed (rule tags follow the data; members manage their own)",
    )
