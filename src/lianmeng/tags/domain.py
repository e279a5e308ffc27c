"""Pure rules of member tags (会员标签, issue 13 item 2).

Taxonomy
  * Each alliance keeps its own tag taxonomy (标签体系), grouped as interest / life stage / vehicle. It starts as
    `DEFAULT_TAXONOMY` the first time the alliance uses tags; the operator then adds, renames, deactivates tags and
    edits their rules. A tag's code never changes (tags are referred to by code in the API and in rules).
  * Only interest tags may be declarable: a member ticks them on the member page. Life stage and vehicle are
    facts a member does not self-report here (they come from staff or rules).

Sources, who and when
  * rule: applied by the nightly job from the alliance's data; `merchant_id` is the merchant whose data matched,
    so each merchant only ever sees tags its own data produced;
  * staff: added by a merchant's staff at the counter ("child seat seen at service"), with a note;
  * declared: ticked by the member; no merchant (every merchant serving that member sees it).

Rules (each evaluated as of a moment `at`, over the member's visits up to then)
  * bought_keyword: an order item's name contains one of the keywords (儿童安全座椅 → parenting), at least
    `min_count` orders; credited to the merchant where the order was placed;
  * visited_industry: visits (orders, and coupon arrivals without an order) at a merchant of `industry`, at least
    `min_count`; credited to the merchant whose referral sent the member there (the order's or the redemption's
    referrer), or to that merchant itself when nobody referred them;
  * repeat_visits: at least `min_count` orders at the same merchant within the last `within_days` days; credited
    to that merchant.
  Every rule may be limited to the last `within_days` days (repeat_visits must be). Counts are per credited
  merchant: a merchant's tag only rests on what that merchant's own data shows.

`evaluate` is the reference: the set-based job (tags.repository) computes the same thing in SQL for a whole
alliance at once; an integration test holds them to each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from lianmeng.kit.clock import require_aware
from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.merchants.domain import Industry

MAX_KEYWORDS = 10
MAX_KEYWORD = 40
MAX_COUNT = 1000
MAX_DAYS = 3660
MAX_NOTE = 200
CODE_PATTERN = r"^[a-z][a-z0-9_]{1,39}$"
RULES_EVERY_HOURS = 24  # the scheduled jobs re-apply an alliance's rules daily (sooner after a taxonomy edit)


class TagGroup(LabelledEnum):
    INTEREST = "interest", "兴趣", "Interests"
    LIFE_STAGE = "life_stage", "人生阶段", "Life stage"
    VEHICLE = "vehicle", "车辆", "Vehicle"


GROUP_LABELS: dict[TagGroup, tuple[str, str]] = pairs(TagGroup)


class TagSource(LabelledEnum):
    RULE = "rule", "消费数据规则", "From purchase data"
    STAFF = "staff", "店员添加", "Added by staff"
    DECLARED = "declared", "会员自选", "Chosen by the member"


SOURCE_LABELS: dict[TagSource, tuple[str, str]] = pairs(TagSource)


class RuleKind(LabelledEnum):
    BOUGHT_KEYWORD = "bought_keyword", "购买含关键词的商品", "Bought an item matching a keyword"
    VISITED_INDUSTRY = "visited_industry", "到访某行业商户", "Visited merchants of an industry"
    REPEAT_VISITS = "repeat_visits", "同一商户多次消费", "Repeat visits to one merchant"


RULE_KIND_LABELS: dict[RuleKind, tuple[str, str]] = pairs(RuleKind)


# --- rules ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A tag's rule. `keywords` is for bought_keyword, `industry` for visited_industry; `min_count` is the
    number of matching orders / visits; `within_days` limits them to the last days (None: all history)."""

    kind: RuleKind
    keywords: tuple[str, ...] = ()
    industry: Industry | None = None
    min_count: int = 1
    within_days: int | None = None

    def since(self, at: datetime) -> datetime | None:
        return at - timedelta(days=self.within_days) if self.within_days is not None else None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind.value, "min_count": self.min_count}
        if self.keywords:
            out["keywords"] = list(self.keywords)
        if self.industry is not None:
            out["industry"] = self.industry.value
        if self.within_days is not None:
            out["within_days"] = self.within_days
        return out


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return value


def parse_rule(raw: Mapping[str, Any]) -> Rule:
    """A rule from its stored / posted form; ValueError (with the reason) when it is not a valid rule."""
    try:
        kind = RuleKind(str(raw.get("kind")))
    except ValueError:
        raise ValueError("kind must be one of " + ", ".join(k.value for k in RuleKind)) from None
    min_count = _whole(raw.get("min_count", 1), "min_count", 1, MAX_COUNT)
    days = raw.get("within_days")
    within_days = None if days is None else _whole(days, "within_days", 1, MAX_DAYS)
    if kind is RuleKind.BOUGHT_KEYWORD:
        words = raw.get("keywords")
        if not isinstance(words, list) or not words or len(words) > MAX_KEYWORDS:
            raise ValueError(f"keywords must list 1 to {MAX_KEYWORDS} words")
        cleaned = tuple(dict.fromkeys(w.strip() for w in words if isinstance(w, str) and w.strip()))
        if len(cleaned) != len(words) or any(len(w) > MAX_KEYWORD for w in cleaned):
            raise ValueError(f"each keyword is distinct, non-blank text of at most {MAX_KEYWORD} characters")
        return Rule(kind, keywords=cleaned, min_count=min_count, within_days=within_days)
    if kind is RuleKind.VISITED_INDUSTRY:
        try:
            industry = Industry(str(raw.get("industry")))
        except ValueError:
            raise ValueError("industry must be a merchant industry") from None
        return Rule(kind, industry=industry, min_count=min_count, within_days=within_days)
    if within_days is None:
        raise ValueError("repeat_visits needs within_days")
    if min_count < 2:
        raise ValueError("repeat_visits needs min_count of at least 2")
    return Rule(kind, min_count=min_count, within_days=within_days)


@dataclass(frozen=True)
class Visit:
    """One thing a member did at a merchant: an order (with its item names) or a coupon arrival without an order."""

    merchant_id: int
    industry: str
    at: datetime
    is_order: bool = True
    item_names: tuple[str, ...] = ()
    referrer_merchant_id: int | None = None


def evaluate(rule: Rule, visits: Iterable[Visit], at: datetime) -> dict[int, int]:
    """The merchants a member's visits credit with this rule's tag, and the evidence (matching visits) of each."""
    require_aware(at, "at")
    since = rule.since(at)
    counted: Counter[int] = Counter()
    for visit in visits:
        if visit.at > at or (since is not None and visit.at < since):
            continue
        if rule.kind is RuleKind.BOUGHT_KEYWORD:
            if visit.is_order and any(word in name for name in visit.item_names for word in rule.keywords):
                counted[visit.merchant_id] += 1
        elif rule.kind is RuleKind.VISITED_INDUSTRY:
            if rule.industry is not None and visit.industry == rule.industry.value:
                counted[visit.referrer_merchant_id or visit.merchant_id] += 1
        elif visit.is_order:
            counted[visit.merchant_id] += 1
    return {merchant: n for merchant, n in counted.items() if n >= rule.min_count}


def describe(rule: Rule, lang: str, industry_names: Mapping[str, tuple[str, str]]) -> str:
    """The rule in a sentence for the console ('买过含"儿童安全座椅"的商品 ≥ 1 次')."""
    en = lang == "en"
    window = ""
    if rule.within_days is not None:
        window = f" in the last {rule.within_days} days" if en else f"(近 {rule.within_days} 天)"
    if rule.kind is RuleKind.BOUGHT_KEYWORD:
        words = "、".join(f"“{w}”" for w in rule.keywords)
        return (f"bought an item named {words} at least {rule.min_count}×{window}" if en
                else f"买过含 {words} 的商品 ≥ {rule.min_count} 次{window}")
    if rule.kind is RuleKind.VISITED_INDUSTRY:
        zh, english = industry_names.get(rule.industry.value if rule.industry else "", ("", ""))
        return (f"visited {english} merchants at least {rule.min_count}×{window}" if en
                else f"到访{zh}商户 ≥ {rule.min_count} 次{window}")
    return (f"at least {rule.min_count} orders at the same merchant{window}" if en
            else f"同一商户消费 ≥ {rule.min_count} 次{window}")


# --- the default taxonomy -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagSeed:
    code: str
    group: TagGroup
    name_zh: str
    name_en: str
    declarable: bool = False
    rule: Rule | None = None


def _interest(code: str, zh: str, en: str, rule: Rule | None = None) -> TagSeed:
    return TagSeed(code, TagGroup.INTEREST, zh, en, declarable=True, rule=rule)


def _visited(industry: Industry, n: int = 1) -> Rule:
    return Rule(RuleKind.VISITED_INDUSTRY, industry=industry, min_count=n, within_days=365)


DEFAULT_TAXONOMY: tuple[TagSeed, ...] = (
    _interest("fitness", "健身", "Fitness", _visited(Industry.FITNESS)),
    _interest("parenting", "亲子育儿", "Parenting",
              Rule(RuleKind.BOUGHT_KEYWORD, keywords=("儿童安全座椅", "儿童座椅", "婴儿", "童装"), within_days=365)),
    _interest("dining", "美食", "Dining", _visited(Industry.DINING, 2)),
    _interest("travel", "旅行", "Travel", _visited(Industry.TRAVEL)),
    _interest("beauty", "美容", "Beauty", _visited(Industry.BEAUTY)),
    _interest("education", "教育", "Education", _visited(Industry.EARLY_EDUCATION)),
    TagSeed("young_parents", TagGroup.LIFE_STAGE, "新手父母", "Young parents",
            rule=Rule(RuleKind.BOUGHT_KEYWORD, keywords=("婴儿", "奶粉", "纸尿裤"), within_days=365)),
    TagSeed("school_families", TagGroup.LIFE_STAGE, "学龄儿童家庭", "Families with school children",
            rule=_visited(Industry.EARLY_EDUCATION, 2)),
    TagSeed("seniors", TagGroup.LIFE_STAGE, "银发族", "Seniors"),
    TagSeed("car_owner", TagGroup.VEHICLE, "有车一族", "Car owner", rule=_visited(Industry.AUTO_SERVICE)),
    TagSeed("nev_owner", TagGroup.VEHICLE, "新能源车主", "New-energy car owner",
            rule=Rule(RuleKind.BOUGHT_KEYWORD, keywords=("充电", "新能源"), within_days=365)),
    TagSeed("child_seat", TagGroup.VEHICLE, "车内有儿童座椅", "Child seat fitted",
            rule=Rule(RuleKind.BOUGHT_KEYWORD, keywords=("儿童安全座椅", "儿童座椅"))),
    TagSeed("regular_customer", TagGroup.INTEREST, "常客", "Regular customer",
            rule=Rule(RuleKind.REPEAT_VISITS, min_count=3, within_days=90)),
)


def may_declare(group: TagGroup | str, declarable: bool) -> bool:
    """A tag can be offered to members only if it is an interest and marked declarable."""
    return declarable and str(group) == TagGroup.INTEREST.value
