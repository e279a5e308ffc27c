"""The words of the jobs: which kinds there are, how a run ended, and the period key that makes a run of one
(alliance, kind, period) happen once however often it is delivered (the queue delivers at least once)."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime

from lianmeng.kit.vocab import LabelledEnum, pairs

PERIOD_MAX = 40
ERROR_MAX = 300


class JobKind(LabelledEnum):
    """The scheduled jobs, in the order the in-process runner takes them (expiry before its notice, values and
    tags before the offers that select on them)."""

    REBATES_RELEASE = "rebates_release", "释放到期返佣", "Release matured rebates"
    DISTRIBUTION_POINTS = "distribution_points", "发放分销积分奖励", "Credit sharing points rewards"
    POINTS_EXPIRY = "points_expiry", "积分过期", "Expire points"
    POINTS_EXPIRY_NOTICE = "points_expiry_notice", "积分到期提醒", "Points expiry notices"
    JOINT_CARD_EXPIRY = "joint_card_expiry", "联名储值卡到期", "Expire joint cards"
    OPERATOR_FEES = "operator_fees", "平台收费", "Charge platform fees"
    GROUP_BUY_EXPIRY = "group_buy_expiry", "拼团到期未成团退款", "Expire unfilled group buys"
    SETTLEMENT = "settlement", "自动结算", "Settle closed periods"
    UNPROVED_PHONES = "unproved_phones", "清除未验证手机号", "Forget unproved phones"
    PROSPECT_INDEX_PURGE = "prospect_index_purge", "清除潜在伙伴会员索引", "Purge prospects' member indexes"
    OVERLAP_RECOUNT = "overlap_recount", "重叠客户重算", "Recount customer overlap"
    MEMBER_VALUES = "member_values", "会员价值刷新", "Refresh member values"
    TAG_RULES = "tag_rules", "规则标签", "Apply tag rules"
    OFFER_SENDING = "offer_sending", "定向推荐发送", "Send targeted offers"
    IDLE_MEMBERS = "idle_members", "闲置会员回池", "Return idle members to the pool"
    OFFER_RESULTS = "offer_results", "定向推荐效果统计", "Count targeted offers' results"
    DUPLICATES = "duplicates", "查找重复", "Find duplicates"
    REFERRAL_ROLLUPS = "referral_rollups", "推荐汇总刷新", "Refresh referral rollups"


class RunOutcome(LabelledEnum):
    OK = "ok", "成功", "Succeeded"
    FAILED = "failed", "失败", "Failed"
    SKIPPED = "skipped", "无事可做", "Nothing to do"


KIND_LABELS = pairs(JobKind)
OUTCOME_LABELS = pairs(RunOutcome)


def tick_of(at: datetime) -> str:
    """A scheduled tick's period key: its minute in UTC, e.g. '2026-12-07T10:05'. Two deliveries of one tick's job
    for one alliance share it, so the second finds the first's record and does nothing."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")


def manual_tick(at: datetime) -> str:
    """A run by hand (`lianmeng jobs run`, a test, a service's own helper) is a period of its own: its minute and a
    random suffix, so it is recorded but never mistaken for a redelivery of an earlier run."""
    return f"{tick_of(at)}/{secrets.token_hex(4)}"


def counts_of(result: object) -> dict[str, int]:
    """What a job's run function returned, as the counts recorded: an int is {"count": n}; a dataclass gives its
    whole-number fields (not ids, flags or timings); a mapping its whole-number values; anything else nothing."""
    if isinstance(result, bool) or result is None:
        return {}
    if isinstance(result, int):
        return {"count": result}
    if isinstance(result, Mapping):
        return {str(k): int(v) for k, v in result.items() if isinstance(v, int) and not isinstance(v, bool)}
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return {f.name: int(getattr(result, f.name)) for f in dataclasses.fields(result)
                if f.name != "alliance_id" and isinstance(getattr(result, f.name), int)
                and not isinstance(getattr(result, f.name), bool)}
    return {}


def outcome_of(counts: Mapping[str, int]) -> RunOutcome:
    """A run that counted something and found all of it zero had nothing to do."""
    return RunOutcome.SKIPPED if counts and not any(counts.values()) else RunOutcome.OK


def error_text(exc: BaseException) -> str:
    """What a failed run records: the error's class and, for a refusal, its code — never the message, which may
    quote a row's values (a phone, a name)."""
    code = getattr(exc, "code", None)
    text = type(exc).__name__ + (f": {code}" if isinstance(code, str) else "")
    return text[:ERROR_MAX]
