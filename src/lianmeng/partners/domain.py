"""Pure rules of partner discovery: the seed's five standards, their thresholds and priors (seed 000 §1.2, §2)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.merchants.domain import INDUSTRY_LABELS, Industry


class Standard(LabelledEnum):
    OVERLAP = "overlap", "客户重合度", "Customer overlap"  # customer overlap > 60%
    BRAND_FIT = "brand_fit", "品牌调性", "Brand fit"  # brand tone and price level match
    SERVICE = "service", "服务口碑", "Reliable service"  # reliable service: rating, satisfaction, complaints, visits
    SINCERITY = "sincerity", "合作诚意", "Sincere intent"  # sincere intent: the two tests, and what Lianmeng saw
    DISTANCE = "distance", "距离", "Distance"  # ≤ 5 km / 15 min best, ≤ 10 km / 30 min acceptable


DEFAULT_WEIGHTS: dict[Standard, int] = {
    Standard.OVERLAP: 30,
    Standard.BRAND_FIT: 15,
    Standard.SERVICE: 20,
    Standard.SINCERITY: 15,
    Standard.DISTANCE: 20,
}

OVERLAP_THRESHOLD_PCT = 60
DISTANCE_BEST_KM = 5.0
DISTANCE_ACCEPTABLE_KM = 10.0
RATING_GATE = 4.0

# seed 000 §2 standard 1: typical overlap of a premium car owner base with each industry (a prior, in %)
INDUSTRY_OVERLAP_PRIOR_PCT: dict[Industry, int] = {
    Industry.FITNESS: 80,
    Industry.EARLY_EDUCATION: 70,
    Industry.DINING: 65,
    Industry.RETAIL_MALL: 75,
    Industry.TRAVEL: 55,
}

# seed 000 §1.2: what a member's household spends a year in each link of the value chain (fen)
VALUE_CHAIN_FEN: dict[Industry, int] = {
    Industry.AUTO_SERVICE: 300_000,
    Industry.FITNESS: 600_000,
    Industry.EARLY_EDUCATION: 800_000,
    Industry.DINING: 300_000,
    Industry.TRAVEL: 500_000,
}


class TrendKind(LabelledEnum):
    GROWING = "growing", "扩张中", "Growing"
    STABLE = "stable", "稳定", "Stable"
    SHRINKING = "shrinking", "收缩中", "Shrinking"
    UNKNOWN = "unknown", "不详", "Unknown"


class RatingSource(LabelledEnum):
    DIANPING = "dianping", "大众点评", "Dianping"
    MEITUAN = "meituan", "美团", "Meituan"
    OTHER = "other", "其他", "Other"


class CandidateStatus(LabelledEnum):
    WATCHING = "watching", "观察中", "Watching"  # on the list
    CONTACTED = "contacted", "已接触", "Contacted"
    PROPOSED = "proposed", "已提议合作", "Proposed"  # an agreement was proposed
    PARTNER = "partner", "合作伙伴", "Partner"  # an agreement is in force
    DROPPED = "dropped", "已放弃", "Dropped"


class SincerityQuestion(LabelledEnum):
    # "each side puts ¥10,000 into a joint event?"
    JOINT_FUND = "joint_fund", "双方各出 ¥10,000 做一场联合活动?", "Each side puts ¥10,000 into a joint event?"
    # "what service will our referred customers get?"
    REFERRED_SERVICE = (
        "referred_service", "我们推荐的客户到店享受什么服务?",
        "What service will our referred customers get?",
    )


class SincerityReply(LabelledEnum):
    YES = "will_fund", "愿意", "Yes"
    AFTER_RESULTS = "after_results", "先看你们的效果再说", "After you show results"
    NO = "will_not_fund", "不愿意", "No"
    VIP_OR_BETTER = "vip_or_better", "与本店 VIP 同等或更好", "Same as our VIPs or better"
    NORMAL = "normal", "普通会员标准", "Normal member standard"


REPLIES: dict[SincerityQuestion, tuple[SincerityReply, ...]] = {
    SincerityQuestion.JOINT_FUND: (SincerityReply.YES, SincerityReply.AFTER_RESULTS, SincerityReply.NO),
    SincerityQuestion.REFERRED_SERVICE: (SincerityReply.VIP_OR_BETTER, SincerityReply.NORMAL),
}


TREND_LABELS: dict[TrendKind, tuple[str, str]] = pairs(TrendKind)
RATING_SOURCE_LABELS: dict[RatingSource, tuple[str, str]] = pairs(RatingSource)
STATUS_LABELS: dict[CandidateStatus, tuple[str, str]] = pairs(CandidateStatus)
# the statuses a user sets by hand; `proposed` and `partner` follow the agreements (`status_from_agreements`)
MANUAL_STATUSES = (CandidateStatus.WATCHING, CandidateStatus.CONTACTED, CandidateStatus.DROPPED)
QUESTION_LABELS: dict[SincerityQuestion, tuple[str, str]] = pairs(SincerityQuestion)
REPLY_LABELS: dict[SincerityReply, tuple[str, str]] = pairs(SincerityReply)
STANDARD_LABELS: dict[Standard, tuple[str, str]] = pairs(Standard)


# --- the scorecard ------------------------------------------------------------------------------------------
#
# Every figure is put on one scale: its worst value scores 0, the seed's threshold 60, its best 100, straight lines
# in between, clamped. So "60" always means "just meets the threshold" and a reader can compare standards. A standard
# without any figure scores a neutral 50, labelled "no data", and never passes. The total is the weighted mean of the
# five (weights sum to 100), rounded half up. Hard gates override the total.

PASS_SCORE = 60
NEUTRAL_SCORE = 50
RECOMMEND_TOTAL = 70  # at or above: recommended (every standard above its threshold on average, with some margin)
CONSIDER_TOTAL = 55  # at or above: worth considering once its weak standards improve
MISSING_FOR_NEEDS_DATA = 2  # this many standards without data: collect them before deciding
MIN_SAMPLE = 10  # observed figures count only from this many cases (the same k as the overlap suppression)
JOINT_FUND_FEN = 1_000_000  # seed 000's first sincerity test: ¥10,000 each into a joint event
DROP_POINTS = 10  # a partner's observed service score falling this much (90 days against the 90 before) warns
WINDOW_DAYS = 90


class Basis(LabelledEnum):
    PRIOR = "prior", "先验", "Prior"  # 先验: seed 000's industry table, before anything is measured
    # 实测: counted by Lianmeng (memberships, uploads, stores, what members reported)
    MEASURED = "measured", "实测", "Measured"
    # 录入: typed in by a user (public rating, mystery visits, the sincerity answers)
    DECLARED = "declared", "录入", "Entered"
    MISSING = "missing", "暂无数据", "No data"  # 暂无数据


BASIS_LABELS: dict[Basis, tuple[str, str]] = pairs(Basis)


class Verdict(LabelledEnum):
    RECOMMENDED = "recommended", "推荐合作", "Recommended"
    CONSIDER = "consider", "可以考虑", "Worth considering"
    NEEDS_DATA = "needs_data", "资料不足,先补充", "Collect more data first"
    NOT_RECOMMENDED = "not_recommended", "不推荐", "Not recommended"


VERDICT_LABELS: dict[Verdict, tuple[str, str]] = pairs(Verdict)


class Gate(LabelledEnum):
    LOW_RATING = "low_rating", f"公开评分低于 {RATING_GATE}", f"Public rating below {RATING_GATE}"
    NEGATIVE_NEWS = "negative_news", "有重大负面新闻", "Major negative news"


GATE_LABELS: dict[Gate, tuple[str, str]] = pairs(Gate)


@dataclass(frozen=True)
class Scale:
    """worst → 0, threshold → 60, best → 100, linear in between and clamped (worst > best: lower is better)."""

    worst: float
    threshold: float
    best: float

    def score(self, value: float) -> int:
        lower_is_better = self.worst > self.best
        v, worst, threshold, best = ((-value, -self.worst, -self.threshold, -self.best) if lower_is_better
                                     else (value, self.worst, self.threshold, self.best))
        if v <= worst:
            return 0
        if v >= best:
            return 100
        if v <= threshold:
            return round_half_up(PASS_SCORE * (v - worst) / (threshold - worst))
        return round_half_up(PASS_SCORE + (100 - PASS_SCORE) * (v - threshold) / (best - threshold))


OVERLAP_SCALE = Scale(0, OVERLAP_THRESHOLD_PCT, 80)  # % of our customers who are also theirs
BRAND_SCALE = Scale(0, 50, 100)  # % of the shorter tag list the other side shares (ours: the seed names no figure)
DISTANCE_SCALE = Scale(20, DISTANCE_ACCEPTABLE_KM, DISTANCE_BEST_KM)  # km, nearest pair of stores
RATING_SCALE = Scale(2.5, RATING_GATE, 5.0)  # public rating, mystery visits, members' follow-up ratings (1–5)
SATISFACTION_SCALE = Scale(50, 80, 100)  # % satisfied customers
COMPLAINTS_SCALE = Scale(5, 2, 0)  # public complaints a store a year
COMPLAINT_RATE_SCALE = Scale(12.5, 5, 0)  # members' complaints per 100 referrals (seed pitfall 2)
HONOURED_SCALE = Scale(75, 90, 100)  # % of the benefits handed to referred members that were honoured
CONTRIBUTION_SCALE = Scale(0, JOINT_FUND_FEN, 2 * JOINT_FUND_FEN)  # fen put into each joint campaign
DISPUTE_SCALE = Scale(50, 10, 0)  # % of statements disputed
ANSWER_DAYS_SCALE = Scale(30, 7, 1)  # days to answer an agreement proposal (median)

REPLY_SCORES: dict[SincerityReply, int] = {
    SincerityReply.YES: 100, SincerityReply.AFTER_RESULTS: 60, SincerityReply.NO: 0,
    SincerityReply.VIP_OR_BETTER: 100, SincerityReply.NORMAL: 30,
}


def round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


@dataclass(frozen=True)
class Component:
    """One figure behind a standard: its value in words, its score, where it came from, its weight inside the
    standard."""

    key: str
    score: int
    basis: Basis
    weight: int
    zh: str
    en: str


@dataclass(frozen=True)
class StandardScore:
    standard: Standard
    score: int
    weight: int
    basis: Basis
    passed: bool
    threshold_zh: str
    threshold_en: str
    components: tuple[Component, ...]
    zh: str
    en: str

    @property
    def weighted(self) -> float:
        return self.score * self.weight / 100


@dataclass(frozen=True)
class Scorecard:
    standards: tuple[StandardScore, ...]
    total: int
    gates: tuple[Gate, ...]
    verdict: Verdict
    zh: str
    en: str

    def of(self, standard: Standard) -> StandardScore:
        return next(s for s in self.standards if s.standard is standard)


# --- the evidence the scorecard is computed from (gathered by the service; plain values here) -----------------


@dataclass(frozen=True)
class OverlapEvidence:
    """`shared` None with `base` ≥ k: fewer than k shared (suppressed). `source` None: nothing measured yet."""

    industry: str
    shared: int | None = None
    base: int = 0
    source: str | None = None


@dataclass(frozen=True)
class BrandEvidence:
    theirs: tuple[str, ...] = ()
    ours: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObservedService:
    """What Lianmeng saw of a partner: members' follow-up ratings, complaints, arrivals referred to it, and the
    benefits handed to referred members for it (coupons) against those honoured (redeemed)."""

    ratings: int = 0
    rating_sum: int = 0
    complaints: int = 0
    referrals: int = 0
    benefits_closed: int = 0
    benefits_honoured: int = 0


@dataclass(frozen=True)
class ServiceEvidence:
    rating: float | None = None
    rating_source: str = ""
    rating_date: date | None = None
    satisfaction_pct: int | None = None
    complaints: int | None = None
    store_count: int | None = None
    visit_scores: tuple[int, ...] = ()
    observed: ObservedService | None = None


@dataclass(frozen=True)
class ObservedSincerity:
    """What Lianmeng saw of a partner's commitment: joint campaigns joined and the money put in, statements and the
    disputed ones, days it took to answer agreement proposals."""

    campaigns: int = 0
    contributed_fen: int = 0
    statements: int = 0
    disputed: int = 0
    answer_days: tuple[float, ...] = ()


@dataclass(frozen=True)
class SincerityEvidence:
    joint_fund: SincerityReply | None = None
    referred_service: SincerityReply | None = None
    shares_data: bool | None = None
    has_member_system: bool | None = None
    observed: ObservedSincerity | None = None


@dataclass(frozen=True)
class DistanceEvidence:
    """The nearest pair of stores; `conversion_pct` the expected arrival → first order conversion there and whether
    that curve is the seed's prior or fitted to the alliance's referrals."""

    km: float | None = None
    minutes: float | None = None
    conversion_pct: float | None = None
    conversion_source: str = "prior"


@dataclass(frozen=True)
class Evidence:
    overlap: OverlapEvidence
    brand: BrandEvidence = BrandEvidence()
    service: ServiceEvidence = ServiceEvidence()
    sincerity: SincerityEvidence = SincerityEvidence()
    distance: DistanceEvidence = DistanceEvidence()
    major_negative_news: bool = False


def _pct(x: float) -> str:
    return f"{x:.0f}%"


def _combine(components: list[Component]) -> tuple[int, Basis]:
    """The weighted mean of the components, and the standard's basis: measured if anything was measured, else
    declared, else prior, else missing."""
    if not components:
        return NEUTRAL_SCORE, Basis.MISSING
    total = sum(c.weight for c in components)
    score = round_half_up(sum(c.score * c.weight for c in components) / total)
    for basis in (Basis.MEASURED, Basis.DECLARED, Basis.PRIOR):
        if any(c.basis is basis for c in components):
            return score, basis
    return score, Basis.MISSING


def _industry(industry: str) -> tuple[str, str]:
    return INDUSTRY_LABELS.get(Industry(industry), (industry, industry)) if industry in set(Industry) else (
        industry, industry)


def score_overlap(ev: OverlapEvidence) -> tuple[list[Component], float | None]:
    """Measured overlap when there is one (a base of at least k customers), else seed 000's industry prior."""
    if ev.source is not None and ev.base >= MIN_SAMPLE:
        where = ("联盟内会员实测", "members in the alliance") if ev.source == "measured" else (
            "对方上传的加密名单比对", "the prospect's hashed upload")
        if ev.shared is None:  # fewer than k shared: score the upper bound, never reveal the count
            bound = 100 * (MIN_SAMPLE - 1) / ev.base
            value = f"< {MIN_SAMPLE} / {ev.base:,}(< {bound:.1f}%)"
            value_en = f"< {MIN_SAMPLE} of {ev.base:,} (< {bound:.1f}%)"
        else:
            bound = 100 * ev.shared / ev.base
            value = f"{ev.shared:,} / {ev.base:,}({bound:.1f}%)"
            value_en = f"{ev.shared:,} of {ev.base:,} ({bound:.1f}%)"
        component = Component("overlap", OVERLAP_SCALE.score(bound), Basis.MEASURED, 1,
                              f"{value},{where[0]}", f"{value_en}, {where[1]}")
        return [component], bound
    prior = INDUSTRY_OVERLAP_PRIOR_PCT.get(Industry(ev.industry)) if ev.industry in set(Industry) else None
    if prior is None:
        return [], None
    zh, en = _industry(ev.industry)
    component = Component("overlap_prior", OVERLAP_SCALE.score(prior), Basis.PRIOR, 1,
                          f"{zh}行业先验 {prior}%+(种子 000 行业表)",
                          f"{en} industry prior {prior}%+ (seed 000's table)")
    return [component], float(prior)


def _tags(tags: tuple[str, ...]) -> set[str]:
    return {t.strip().casefold() for t in tags if t.strip()}


def score_brand(ev: BrandEvidence) -> list[Component]:
    """Shared brand tags over the shorter list (overlap coefficient): '高端 科技' against '高端 科技 环保' is 100%."""
    theirs, ours = _tags(ev.theirs), _tags(ev.ours)
    if not theirs or not ours:
        return []
    shared = theirs & ours
    pct = 100 * len(shared) / min(len(theirs), len(ours))
    names = "、".join(sorted(shared)) or "无"
    return [Component("brand_tags", BRAND_SCALE.score(pct), Basis.DECLARED, 1,
                      f"品牌标签重合 {_pct(pct)}(共同:{names})",
                      f"{_pct(pct)} of brand tags shared ({', '.join(sorted(shared)) or 'none'})")]


def score_service(ev: ServiceEvidence) -> list[Component]:
    """What the public and our visitors say (weight 1 each) and, for a partner, what our members reported (weight 2
    each: what referred customers live through is what the seed's pitfall 2 is about)."""
    out: list[Component] = []
    if ev.rating is not None:
        source = RATING_SOURCE_LABELS.get(RatingSource(ev.rating_source)) if ev.rating_source in set(
            RatingSource) else None
        when = f" {ev.rating_date.isoformat()}" if ev.rating_date else ""
        out.append(Component("rating", RATING_SCALE.score(ev.rating), Basis.DECLARED, 1,
                             f"{source[0] if source else '公开'}评分 {ev.rating:.1f}{when}",
                             f"{source[1] if source else 'public'} rating {ev.rating:.1f}{when}"))
    if ev.satisfaction_pct is not None:
        out.append(Component("satisfaction", SATISFACTION_SCALE.score(ev.satisfaction_pct), Basis.DECLARED, 1,
                             f"满意度 {ev.satisfaction_pct}%", f"{ev.satisfaction_pct}% satisfied"))
    if ev.complaints is not None:
        per_store = ev.complaints / max(1, ev.store_count or 1)
        out.append(Component("complaints", COMPLAINTS_SCALE.score(per_store), Basis.DECLARED, 1,
                             f"近 12 个月公开投诉 {ev.complaints} 起(每店 {per_store:.1f})",
                             f"{ev.complaints} public complaints in 12 months ({per_store:.1f} a store)"))
    if ev.visit_scores:
        mean = sum(ev.visit_scores) / len(ev.visit_scores)
        visits = len(ev.visit_scores)
        out.append(Component("visits", RATING_SCALE.score(mean), Basis.DECLARED, 1,
                             f"神秘顾客 {visits} 次平均 {mean:.1f} 分",
                             f"{visits} mystery {'visit' if visits == 1 else 'visits'} averaging {mean:.1f}"))
    seen = ev.observed
    if seen is not None:
        if seen.ratings >= MIN_SAMPLE:
            mean = seen.rating_sum / seen.ratings
            out.append(Component("followup", RATING_SCALE.score(mean), Basis.MEASURED, 2,
                                 f"会员回访评分 {mean:.1f}({seen.ratings} 条)",
                                 f"members' follow-up rating {mean:.1f} ({seen.ratings} ratings)"))
        if seen.referrals >= MIN_SAMPLE:
            rate = 100 * seen.complaints / seen.referrals
            out.append(Component("complaint_rate", COMPLAINT_RATE_SCALE.score(rate), Basis.MEASURED, 2,
                                 f"每 100 次引流投诉 {rate:.1f} 起({seen.referrals} 次引流)",
                                 f"{rate:.1f} complaints per 100 referrals ({seen.referrals} referrals)"))
        if seen.benefits_closed >= MIN_SAMPLE:
            pct = 100 * seen.benefits_honoured / seen.benefits_closed
            out.append(Component("honoured", HONOURED_SCALE.score(pct), Basis.MEASURED, 2,
                                 f"推荐会员权益兑现 {_pct(pct)}({seen.benefits_closed} 张券)",
                                 f"{_pct(pct)} of referred members' benefits honoured "
                                 f"({seen.benefits_closed} coupons)"))
    return out


def score_sincerity(ev: SincerityEvidence) -> list[Component]:
    """The seed's two tests (weight 2 each), data sharing and a member system (1 each), and for a partner the money
    it put into joint campaigns (2), its statement disputes and how fast it answers proposals (1 each)."""
    out: list[Component] = []
    for key, reply in (("joint_fund", ev.joint_fund), ("referred_service", ev.referred_service)):
        if reply is not None:
            question = QUESTION_LABELS[SincerityQuestion(key)]
            words = REPLY_LABELS[reply]
            out.append(Component(key, REPLY_SCORES[reply], Basis.DECLARED, 2, f"「{question[0]}」答:{words[0]}",
                                 f"“{question[1]}” {words[1]}"))
    if ev.shares_data is not None:
        out.append(Component("shares_data", 100 if ev.shares_data else 30, Basis.DECLARED, 1,
                             "愿意共享脱敏数据" if ev.shares_data else "不愿共享脱敏数据",
                             "willing to share de-identified data" if ev.shares_data else "unwilling to share data"))
    if ev.has_member_system is not None:
        out.append(Component("member_system", 100 if ev.has_member_system else 50, Basis.DECLARED, 1,
                             "有会员体系" if ev.has_member_system else "没有会员体系",
                             "has a member system" if ev.has_member_system else "no member system"))
    seen = ev.observed
    if seen is not None:
        if seen.campaigns:
            each = seen.contributed_fen // seen.campaigns
            out.append(Component("contribution", CONTRIBUTION_SCALE.score(each), Basis.MEASURED, 2,
                                 f"{seen.campaigns} 场联合活动平均投入 ¥{each // 100:,}",
                                 f"¥{each // 100:,} put into each of {seen.campaigns} joint campaigns"))
        if seen.statements >= 3:
            pct = 100 * seen.disputed / seen.statements
            out.append(Component("disputes", DISPUTE_SCALE.score(pct), Basis.MEASURED, 1,
                                 f"对账单异议 {seen.disputed}/{seen.statements}",
                                 f"{seen.disputed} of {seen.statements} statements disputed"))
        if seen.answer_days:
            days = sorted(seen.answer_days)[len(seen.answer_days) // 2]
            out.append(Component("answer_days", ANSWER_DAYS_SCALE.score(days), Basis.MEASURED, 1,
                                 f"答复合作提议中位 {days:.1f} 天", f"answers proposals in {days:.1f} days (median)"))
    return out


def score_distance(ev: DistanceEvidence) -> list[Component]:
    if ev.km is None:
        return []
    minutes = f"{ev.minutes:.0f}" if ev.minutes is not None else "?"
    zh = f"最近门店相距 {ev.km:.1f} 公里,约 {minutes} 分钟"
    en = f"nearest stores {ev.km:.1f} km apart, about {minutes} min"
    if ev.conversion_pct is not None:
        label = ("先验", "Prior") if ev.conversion_source == "prior" else ("本联盟拟合", "fitted to this alliance")
        zh += f";预计到店转化 {ev.conversion_pct:.0f}%({label[0]})"
        en += f"; expected conversion {ev.conversion_pct:.0f}% ({label[1]})"
    return [Component("distance", DISTANCE_SCALE.score(ev.km), Basis.MEASURED, 1, zh, en)]


THRESHOLDS: dict[Standard, tuple[str, str]] = {
    Standard.OVERLAP: (f"客户重合度 > {OVERLAP_THRESHOLD_PCT}%", f"overlap > {OVERLAP_THRESHOLD_PCT}%"),
    Standard.BRAND_FIT: ("品牌标签至少一半相同", "at least half the brand tags shared"),
    Standard.SERVICE: (f"评分 ≥ {RATING_GATE},满意度 ≥ 80%,每 100 次引流投诉 ≤ 5",
                       f"rating ≥ {RATING_GATE}, 80% satisfied, ≤ 5 complaints per 100 referrals"),
    Standard.SINCERITY: ("愿各出 ¥10,000 办联合活动,推荐客户享 VIP 同等服务",
                         "puts ¥10,000 into a joint event, referred customers get VIP service"),
    Standard.DISTANCE: (f"≤ {DISTANCE_BEST_KM:.0f} 公里/15 分钟最佳,≤ {DISTANCE_ACCEPTABLE_KM:.0f} 公里/30 分钟可接受",
                        f"≤ {DISTANCE_BEST_KM:.0f} km / 15 min best, ≤ {DISTANCE_ACCEPTABLE_KM:.0f} km / 30 min "
                        "acceptable"),
}


def _sentence(standard: Standard, score: int, basis: Basis, passed: bool, components: list[Component],
              why_not: tuple[str, str] | None) -> tuple[str, str]:
    name = STANDARD_LABELS[standard]
    threshold = THRESHOLDS[standard]
    if basis is Basis.MISSING:
        return (f"{name[0]}暂无数据,按中性 {NEUTRAL_SCORE} 分计;门槛:{threshold[0]}。",
                f"{name[1]}: no data yet, scored a neutral {NEUTRAL_SCORE}; threshold: {threshold[1]}.")
    basis_words = BASIS_LABELS[basis]
    verdict = ("达标", "meets the threshold") if passed else ("未达标", "below the threshold")
    if not passed and why_not is not None:
        verdict = (f"未达标:{why_not[0]}", f"below the threshold: {why_not[1]}")
    figures_zh = ";".join(c.zh for c in components)
    figures_en = "; ".join(c.en for c in components)
    return (f"{name[0]} {score} 分({basis_words[0]}):{figures_zh},{verdict[0]}(门槛:{threshold[0]})。",
            f"{name[1]} {score} ({basis_words[1]}): {figures_en}; {verdict[1]} ({threshold[1]}).")


def standard_score(standard: Standard, components: list[Component], weight: int, meets: bool | None = None,
                   why_not: tuple[str, str] | None = None) -> StandardScore:
    """One standard's score from its components; it passes when its score reaches 60, or as `meets` says for a
    threshold the scale cannot express (overlap must be *more than* 60%; sincerity needs both of the seed's tests
    answered), with `why_not` saying why in the sentence."""
    score, basis = _combine(components)
    passed = basis is not Basis.MISSING and (score >= PASS_SCORE if meets is None else meets)
    zh, en = _sentence(standard, score, basis, passed, components, why_not)
    threshold = THRESHOLDS[standard]
    return StandardScore(standard, score, weight, basis, passed, threshold[0], threshold[1], tuple(components), zh, en)


def gates_of(ev: Evidence) -> tuple[Gate, ...]:
    """Hard gates: any of them makes a candidate "not recommended" whatever its total (seed 000 pitfall 1)."""
    gates = []
    if ev.service.rating is not None and ev.service.rating < RATING_GATE:
        gates.append(Gate.LOW_RATING)
    if ev.major_negative_news:
        gates.append(Gate.NEGATIVE_NEWS)
    return tuple(gates)


def verdict_of(total: int, gates: tuple[Gate, ...], missing: int) -> Verdict:
    if gates:
        return Verdict.NOT_RECOMMENDED
    if missing >= MISSING_FOR_NEEDS_DATA:
        return Verdict.NEEDS_DATA
    if total >= RECOMMEND_TOTAL:
        return Verdict.RECOMMENDED
    if total >= CONSIDER_TOTAL:
        return Verdict.CONSIDER
    return Verdict.NOT_RECOMMENDED


def scorecard(ev: Evidence, weights: Mapping[Standard, int] | None = None) -> Scorecard:
    """The five standards scored with their figures, the weighted total, the gates and the verdict, in words."""
    weights = weights or DEFAULT_WEIGHTS
    overlap_components, overlap_pct = score_overlap(ev.overlap)
    overlap_meets = overlap_pct is not None and overlap_pct > OVERLAP_THRESHOLD_PCT
    sincerity = score_sincerity(ev.sincerity)
    tests_asked = ev.sincerity.joint_fund is not None and ev.sincerity.referred_service is not None
    sincerity_meets = tests_asked and _combine(sincerity)[0] >= PASS_SCORE
    standards = (
        standard_score(Standard.OVERLAP, overlap_components, weights[Standard.OVERLAP], overlap_meets),
        standard_score(Standard.BRAND_FIT, score_brand(ev.brand), weights[Standard.BRAND_FIT]),
        standard_score(Standard.SERVICE, score_service(ev.service), weights[Standard.SERVICE]),
        standard_score(Standard.SINCERITY, sincerity, weights[Standard.SINCERITY], sincerity_meets,
                       None if tests_asked else ("两项诚意测试尚未都问过", "the seed's two tests are not both asked")),
        standard_score(Standard.DISTANCE, score_distance(ev.distance), weights[Standard.DISTANCE]),
    )
    total = round_half_up(sum(s.score * s.weight for s in standards) / 100)
    gates = gates_of(ev)
    missing = sum(1 for s in standards if s.basis is Basis.MISSING)
    verdict = verdict_of(total, gates, missing)
    words = VERDICT_LABELS[verdict]
    if gates:
        why_zh = "、".join(GATE_LABELS[g][0] for g in gates)
        why_en = "; ".join(GATE_LABELS[g][1] for g in gates)
        zh, en = (f"总分 {total},但{why_zh},一票否决:{words[0]}。",
                  f"Total {total}, but {why_en.lower()}: {words[1].lower()} whatever the total.")
    elif verdict is Verdict.NEEDS_DATA:
        zh, en = (f"总分 {total},但有 {missing} 项标准暂无数据:{words[0]}。",
                  f"Total {total}, but {missing} standards have no data: {words[1].lower()}.")
    else:
        zh, en = f"总分 {total}:{words[0]}。", f"Total {total}: {words[1].lower()}."
    return Scorecard(standards, total, gates, verdict, zh, en)


# --- weights ------------------------------------------------------------------------------------------------


def weight_problems(weights: Mapping[Standard, int]) -> dict[str, str]:
    """Why these weights cannot be used ({} when they can): each standard 0–100, together exactly 100."""
    problems: dict[str, str] = {}
    for standard in Standard:
        value = weights.get(standard)
        if value is None:
            problems[standard.value] = "required"
        elif not 0 <= value <= 100:
            problems[standard.value] = "must be between 0 and 100"
    if not problems and sum(weights.values()) != 100:
        problems["__all__"] = f"weights must sum to 100, not {sum(weights.values())}"
    return problems


# --- recommendations ----------------------------------------------------------------------------------------


def missing_links(present: set[str]) -> list[tuple[Industry, int]]:
    """The links of seed 000's value chain (§1.2) nobody covers yet, the costliest for the member first: what a
    member's household spends there a year is what a partner in it can capture."""
    missing = [(industry, fen) for industry, fen in VALUE_CHAIN_FEN.items() if industry.value not in present]
    return sorted(missing, key=lambda pair: (-pair[1], pair[0].value))


@dataclass(frozen=True)
class FeedbackWindow:
    """Members' follow-up ratings of one partner over a window."""

    ratings: int
    rating_sum: int
    complaints: int

    def service_score(self) -> int | None:
        """The observed service score: mean rating and complaint share on their scales; None below k ratings."""
        if self.ratings < MIN_SAMPLE:
            return None
        rating = RATING_SCALE.score(self.rating_sum / self.ratings)
        complaints = COMPLAINT_RATE_SCALE.score(100 * self.complaints / self.ratings)
        return round_half_up((rating + complaints) / 2)


@dataclass(frozen=True)
class ServiceDrop:
    before: int
    recent: int

    @property
    def points(self) -> int:
        return self.before - self.recent


def service_drop(before: FeedbackWindow, recent: FeedbackWindow) -> ServiceDrop | None:
    """A partner's service worth a review (seed 000 pitfall 2: end partnerships whose service declines): its
    observed score over the last 90 days at least DROP_POINTS under the 90 days before, both windows with k
    ratings or more (fewer says nothing, and would single out a handful of members)."""
    old, new = before.service_score(), recent.service_score()
    if old is None or new is None or old - new < DROP_POINTS:
        return None
    return ServiceDrop(old, new)


def status_from_agreements(stored: CandidateStatus, agreement_statuses: list[str]) -> CandidateStatus:
    """A candidate's status follows its agreements: one in force makes it a partner, one proposed or accepted
    (not yet active) makes it proposed; otherwise what the user set."""
    if "active" in agreement_statuses:
        return CandidateStatus.PARTNER
    if {"proposed", "accepted"} & set(agreement_statuses):
        return CandidateStatus.PROPOSED
    return stored
