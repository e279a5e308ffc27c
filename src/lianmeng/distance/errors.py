"""The error codes the distance capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    DISTANCE_ALLIANCE_REQUIRED = (
        "distance_alliance_required",
        "请指定联盟(alliance_id)",
        "Name the alliance (alliance_id)",
    )
    DISTANCE_SCOPE_OWN_MERCHANT = (
        "distance_scope_own_merchant",
        "「本商户参与的引流」只适用于商户账号;运营方请查看全联盟",
        "Scope 'own' is for a merchant's login; the operator sees the whole alliance",
    )
