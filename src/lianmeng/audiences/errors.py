"""The error codes the audiences capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    AUDIENCE_UNKNOWN_TAG = (
        "audience_unknown_tag",
        "联盟标签体系中没有这些标签:{tags}",
        "No such tag in the alliance's taxonomy: {tags}",
    )
    AUDIENCE_FOREIGN_STORE = (
        "audience_foreign_store",
        "这些门店不是本商户的:{stores}",
        "These stores are not your merchant's: {stores}",
    )
    AUDIENCE_ARCHIVED = (
        "audience_archived",
        "该人群已归档,不能再修改",
        "This audience is archived and can no longer be changed",
    )
