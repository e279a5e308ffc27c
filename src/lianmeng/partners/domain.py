"""Pure rules of partner discovery: the seed's five standards, their thresholds and priors (seed 000 §1.2, §2)."""

from __future__ import annotations

from enum import StrEnum

from lianmeng.merchants.domain import Industry


class Standard(StrEnum):
    OVERLAP = "overlap"  # customer overlap > 60%
    BRAND_FIT = "brand_fit"  # brand tone and price level match
    SERVICE = "service"  # reliable service: rating, satisfaction, complaints, visits
    SINCERITY = "sincerity"  # sincere intent: the two tests, and what Lianmeng saw
    DISTANCE = "distance"  # ≤ 5 km / 15 min best, ≤ 10 km / 30 min acceptable


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


class TrendKind(StrEnum):
    GROWING = "growing"
    STABLE = "stable"
    SHRINKING = "shrinking"
    UNKNOWN = "unknown"


class RatingSource(StrEnum):
    DIANPING = "dianping"
    MEITUAN = "meituan"
    OTHER = "other"


class CandidateStatus(StrEnum):
    WATCHING = "watching"  # on the list
    CONTACTED = "contacted"
    PROPOSED = "proposed"  # an agreement was proposed
    PARTNER = "partner"  # an agreement is in force
    DROPPED = "dropped"


class SincerityQuestion(StrEnum):
    JOINT_FUND = "joint_fund"  # "each side puts ¥10,000 into a joint event?"
    REFERRED_SERVICE = "referred_service"  # "what service will our referred customers get?"


class SincerityReply(StrEnum):
    YES = "yes"
    AFTER_RESULTS = "after_results"
    NO = "no"
    VIP_OR_BETTER = "vip_or_better"
    NORMAL = "normal"


REPLIES: dict[SincerityQuestion, tuple[SincerityReply, ...]] = {
    SincerityQuestion.JOINT_FUND: (SincerityReply.YES, SincerityReply.AFTER_RESULTS, SincerityReply.NO),
    SincerityQuestion.REFERRED_SERVICE: (SincerityReply.VIP_OR_BETTER, SincerityReply.NORMAL),
}
