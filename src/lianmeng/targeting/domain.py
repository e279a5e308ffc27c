"""Targeted partner offers as pure rules: arms, the frequency cap, quiet hours and retries. No I/O; all datetimes
timezone-aware.

Arms. Every member of the audience is assigned once, when the offer is first due, from a seeded hash: sha256 of
"seed:offer:member" read as a number in [0, 1). Within each RFM class (the stratum) the members with the smallest
hashes, round-half-up(n × holdout) of them, form the holdout (they get nothing); the rest are treated. So every
class keeps the holdout share, and the same seed always gives the same split. The optional random arm, as large
as the treated group, is drawn with the same hash from the merchant's OTHER own members who may receive offers.

Frequency cap: a member receives at most `cap` offers (default 2) in any `window` (default 7 days) across the
whole alliance, whoever sends them. Quiet hours (default 21:00–09:00 Asia/Shanghai): a send due then waits until
the quiet hours end. A failed send is retried after 1 min, 5 min, 30 min and 2 h, then given up ("failed").
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta

from lianmeng.kit.clock import SHANGHAI, require_aware
from lianmeng.kit.vocab import LabelledEnum, pairs

BP_PER_WHOLE = 10_000
MAX_HOLDOUT_BP = 5_000  # at most half the audience is held out
DEFAULT_HOLDOUT_BP = 1_000
DEFAULT_CAP = 2
CAP_WINDOW = timedelta(days=7)
QUIET_START = time(21, 0)
QUIET_END = time(9, 0)
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
MAX_MESSAGE_CHARS = 500
MIN_ATTRIBUTION_DAYS = 1
MAX_ATTRIBUTION_DAYS = 90
DEFAULT_ATTRIBUTION_DAYS = 30


class Arm(LabelledEnum):
    TREATED = "treated", "推荐组", "Treated"  # 推荐组: receives the offer
    # 对照组: receives nothing, measures what would have happened anyway
    HOLDOUT = "holdout", "对照组(不发送)", "Holdout (sent nothing)"
    # 随机推荐组: random other members, measures random recommendation
    RANDOM = "random", "随机推荐组", "Random recommendation"


class OfferStatus(LabelledEnum):
    SCHEDULED = "scheduled", "待发送", "Scheduled"
    SENDING = "sending", "发送中", "Sending"
    FINISHED = "finished", "已完成", "Finished"
    CANCELLED = "cancelled", "已取消", "Cancelled"


class RecipientStatus(LabelledEnum):
    PENDING = "pending", "待发送", "Waiting to be sent"
    SENT = "sent", "已发送", "Sent out"
    SKIPPED = "skipped", "已跳过", "Skipped"
    FAILED = "failed", "发送失败", "Sending failed"
    HELD = "held", "对照留存", "Held out"  # in the holdout: nothing is sent, by design


class SkipReason(LabelledEnum):
    NO_MARKETING_CONSENT = "no_marketing_consent", "未同意接收营销信息", "No consent to marketing messages"
    REFUSED_OFFERS = "refused_offers", "已拒绝个性化推荐", "Refused personalised offers"
    FREQUENCY_CAP = "frequency_cap", "7 天内已收到 2 条推荐(频次上限)", "Frequency cap: 2 offers in 7 days already"
    MEMBER_INACTIVE = "member_inactive", "会员已停用", "Member inactive"
    # already holds as many of the partner's coupons as one member may
    COUPON_LIMIT = "coupon_limit", "已持有该券(每人限领)", "Already holds this coupon (per-member limit)"
    STOCK_EXHAUSTED = "stock_exhausted", "券已发完", "Coupon stock used up"
    TEMPLATE_PAUSED = "template_paused", "伙伴已暂停该券", "The partner paused this coupon"


class Channel(LabelledEnum):
    SMS = "sms", "短信", "Text message (SMS)"
    WECHAT = "wechat", "微信模板消息", "WeChat template message"
    PUSH = "push", "App 推送", "App push notification"


OPEN_STATUSES = (OfferStatus.SCHEDULED, OfferStatus.SENDING)


def check_holdout(holdout_bp: int) -> None:
    if not 0 <= holdout_bp <= MAX_HOLDOUT_BP:
        raise ValueError("holdout must be between 0 and 50%")


def unit_hash(seed: str, offer_id: int, member_id: int) -> float:
    """The member's draw for this offer: uniform in [0, 1), the same every time for the same seed."""
    digest = hashlib.sha256(f"{seed}:{offer_id}:{member_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def holdout_size(n: int, holdout_bp: int) -> int:
    """round-half-up(n × holdout): 5 members at 10% → 1 (0.5 rounds up), 4 → 0."""
    return (n * holdout_bp + BP_PER_WHOLE // 2) // BP_PER_WHOLE


def assign_arms(members: Iterable[tuple[int, str]], seed: str, offer_id: int, holdout_bp: int) -> dict[int, Arm]:
    """(member id, stratum) pairs → each member's arm, treated or holdout, stratified as the module says."""
    check_holdout(holdout_bp)
    strata: dict[str, list[tuple[float, int]]] = defaultdict(list)
    for member_id, stratum in members:
        strata[stratum].append((unit_hash(seed, offer_id, member_id), member_id))
    arms: dict[int, Arm] = {}
    for drawn in strata.values():
        drawn.sort()
        held = holdout_size(len(drawn), holdout_bp)
        for index, (_, member_id) in enumerate(drawn):
            arms[member_id] = Arm.HOLDOUT if index < held else Arm.TREATED
    return arms


def draw_random_arm(candidates: Iterable[int], size: int, seed: str, offer_id: int) -> list[int]:
    """`size` members drawn from `candidates` (the merchant's other members) by the same seeded hash."""
    ranked = sorted((unit_hash(seed, offer_id, member_id), member_id) for member_id in set(candidates))
    return [member_id for _, member_id in ranked[:max(size, 0)]]


def skip_reason(*, active: bool, consent_marketing: bool, offers_refused: bool, recent_offers: int,
                cap: int = DEFAULT_CAP) -> SkipReason | None:
    """Why a member must not receive an offer now, checked in a fixed order; None: send."""
    if not consent_marketing:
        return SkipReason.NO_MARKETING_CONSENT
    if offers_refused:
        return SkipReason.REFUSED_OFFERS
    if recent_offers >= cap:
        return SkipReason.FREQUENCY_CAP
    if not active:
        return SkipReason.MEMBER_INACTIVE
    return None


def cap_window_start(at: datetime, window: timedelta = CAP_WINDOW) -> datetime:
    """Sends at or after this moment count towards the cap of a send at `at`."""
    require_aware(at, "at")
    return at - window


def in_quiet_hours(at: datetime, start: time = QUIET_START, end: time = QUIET_END) -> bool:
    require_aware(at, "at")
    local = at.astimezone(SHANGHAI).time()
    if start <= end:
        return start <= local < end
    return local >= start or local < end


def send_time(at: datetime, start: time = QUIET_START, end: time = QUIET_END) -> datetime:
    """When a send due at `at` may go out: `at` itself, or the end of the quiet hours it falls in."""
    if not in_quiet_hours(at, start, end):
        return at
    local = at.astimezone(SHANGHAI)
    wake = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if wake <= local:
        wake += timedelta(days=1)
    return wake.astimezone(at.tzinfo)


def next_attempt(attempts: int, at: datetime, delays: Sequence[timedelta] = RETRY_DELAYS) -> datetime | None:
    """After `attempts` failed sends (1 or more), when to try again; None: give up (the recipient has failed)."""
    require_aware(at, "at")
    if attempts < 1:
        raise ValueError("at least one attempt has failed")
    return at + delays[attempts - 1] if attempts <= len(delays) else None


def message_text(message: str, link: str) -> str:
    """What the member receives: the merchant's words and the link to the offer page."""
    return f"{message.strip()} {link}".strip()


ARM_LABELS: dict[Arm, tuple[str, str]] = pairs(Arm)
OFFER_STATUS_LABELS: dict[OfferStatus, tuple[str, str]] = pairs(OfferStatus)
RECIPIENT_STATUS_LABELS: dict[RecipientStatus, tuple[str, str]] = pairs(RecipientStatus)
SKIP_REASON_LABELS: dict[SkipReason, tuple[str, str]] = pairs(SkipReason)
CHANNEL_LABELS: dict[Channel, tuple[str, str]] = pairs(Channel)
