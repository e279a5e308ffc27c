"""The error codes the webhooks capability raises, each with its zh-CN and en message (kit/errors.py)."""

from __future__ import annotations

from lianmeng.kit.errors import ErrorCode


class Problem(ErrorCode):
    WEBHOOK_URL_INVALID = (
        "webhook_url_invalid", "地址无效:请填写完整的 https:// 地址", "Invalid address: give a full https:// URL")
    WEBHOOK_URL_NOT_HTTPS = "webhook_url_not_https", "回调地址必须使用 https://", "The endpoint must use https://"
    WEBHOOK_URL_PRIVATE = (
        "webhook_url_private",
        "不能向内网或本机地址推送(仅开发环境允许 http://127.0.0.1)",
        "Private and loopback addresses are refused (http://127.0.0.1 only in development)",
    )
    WEBHOOK_NO_EVENT_TYPES = "webhook_no_event_types", "请至少选择一种事件类型", "Choose at least one event type"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled", "该回调地址已停用", "This endpoint is disabled"
    WEBHOOK_TOO_MANY_ENDPOINTS = (
        "webhook_too_many_endpoints",
        "每个商户最多 {limit} 个回调地址",
        "At most {limit} endpoints per merchant",
    )
