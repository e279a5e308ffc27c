"""The scorecard's rules on seed 000's figures: thresholds (overlap > 60%, ≤ 5 km / 15 min best, ≤ 10 km / 30 min
acceptable, rating ≥ 4.0), priors (premium fitness 80%+, early education 70%+, restaurants 65%+, malls 75%+,
outdoor/travel 55%+), the sincerity tests, gates, weights, the value chain and service drops. No database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lianmeng.distance.domain import prior_conversion, travel_minutes
from lianmeng.merchants.domain import Industry
from lianmeng.partners.domain import (
    BASIS_LABELS,
    DEFAULT_WEIGHTS,
    GATE_LABELS,
    OVERLAP_SCALE,
    QUESTION_LABELS,
    RATING_SCALE,
    RATING_SOURCE_LABELS,
    REPLIES,
    REPLY_LABELS,
    STANDARD_LABELS,
    STATUS_LABELS,
    THRESHOLDS,
    TREND_LABELS,
    VERDICT_LABELS,
    Basis,
    BrandEvidence,
    CandidateStatus,
    DistanceEvidence,
    Evidence,
    FeedbackWindow,
    Gate,
    ObservedService,
    ObservedSincerity,
    OverlapEvidence,
    RatingSource,
    Scale,
    ServiceEvidence,
    SincerityEvidence,
    SincerityQuestion,
    SincerityReply,
    Standard,
    TrendKind,
    Verdict,
    missing_links,
    score_brand,
    score_distance,
    score_overlap,
    score_service,
    score_sincerity,
    scorecard,
    service_drop,
    status_from_agreements,
    weight_problems,
)


def distance(km: float) -> DistanceEvidence:
    estimate = prior_conversion(km)
    return DistanceEvidence(km=km, minutes=travel_minutes(km), conversion_pct=100 * estimate.rate)


GOOD = Evidence(
    overlap=OverlapEvidence(industry="fitness"),
    brand=BrandEvidence(theirs=("高端", "科技"), ours=("高端", "科技", "环保")),
    service=ServiceEvidence(rating=4.6, rating_source="dianping", satisfaction_pct=92, complaints=1, store_count=2,
                            visit_scores=(4, 5)),
    sincerity=SincerityEvidence(joint_fund=SincerityReply.YES, referred_service=SincerityReply.VIP_OR_BETTER,
                                shares_data=True, has_member_system=True),
    distance=distance(3.0),
)


# --- one scale for every figure ------------------------------------------------------------------------------


def test_the_threshold_scores_60_the_best_100_the_worst_0() -> None:
    scale = Scale(worst=0, threshold=60, best=80)
    assert [scale.score(x) for x in (-5, 0, 30, 60, 70, 80, 95)] == [0, 0, 30, 60, 80, 100, 100]
    lower_is_better = Scale(worst=20, threshold=10, best=5)
    assert [lower_is_better.score(x) for x in (25, 20, 15, 10, 7.5, 5, 1)] == [0, 0, 30, 60, 80, 100, 100]


@given(st.floats(min_value=-100, max_value=200, allow_nan=False))
def test_every_score_is_between_0_and_100(x: float) -> None:
    for scale in (OVERLAP_SCALE, RATING_SCALE, Scale(20, 10, 5)):
        assert 0 <= scale.score(x) <= 100


# --- overlap: the seed's priors until something is measured ----------------------------------------------------


@pytest.mark.parametrize(("industry", "prior", "score", "passes"), [
    ("fitness", 80, 100, True), ("early_education", 70, 80, True), ("dining", 65, 70, True),
    ("retail_mall", 75, 90, True), ("travel", 55, 55, False)])
def test_overlap_priors_are_seed_000s_table(industry: str, prior: int, score: int, passes: bool) -> None:
    card = scorecard(Evidence(overlap=OverlapEvidence(industry=industry)))
    overlap = card.of(Standard.OVERLAP)
    assert (overlap.basis, overlap.score, overlap.passed) == (Basis.PRIOR, score, passes)
    assert f"{prior}%+" in overlap.zh and "先验" in overlap.zh and "prior" in overlap.en


def test_measured_overlap_replaces_the_prior_and_60_percent_is_not_more_than_60() -> None:
    components, pct = score_overlap(OverlapEvidence("fitness", shared=300, base=500, source="measured"))
    assert pct == 60.0 and components[0].basis is Basis.MEASURED and components[0].score == 60
    card = scorecard(Evidence(overlap=OverlapEvidence("fitness", shared=300, base=500, source="measured")))
    assert card.of(Standard.OVERLAP).basis is Basis.MEASURED and not card.of(Standard.OVERLAP).passed
    card = scorecard(Evidence(overlap=OverlapEvidence("fitness", shared=301, base=500, source="measured")))
    assert card.of(Standard.OVERLAP).passed and "实测" in card.of(Standard.OVERLAP).zh


def test_a_suppressed_overlap_scores_its_upper_bound_and_never_shows_the_count() -> None:
    components, pct = score_overlap(OverlapEvidence("dining", shared=None, base=100, source="measured"))
    assert pct == pytest.approx(9.0) and "< 10" in components[0].zh
    assert components[0].score == OVERLAP_SCALE.score(9.0)


def test_too_few_customers_to_measure_keep_the_prior_and_unknown_industries_have_none() -> None:
    components, _ = score_overlap(OverlapEvidence("fitness", shared=None, base=3, source="measured"))
    assert components[0].basis is Basis.PRIOR
    card = scorecard(Evidence(overlap=OverlapEvidence("finance")))
    assert card.of(Standard.OVERLAP).basis is Basis.MISSING and card.of(Standard.OVERLAP).score == 50
    assert not card.of(Standard.OVERLAP).passed


# --- distance: ≤ 5 km / 15 min best, ≤ 10 km / 30 min acceptable -------------------------------------------------


@pytest.mark.parametrize(("km", "score", "minutes"), [(3, 100, 9), (5, 100, 15), (10, 60, 30), (15, 30, 45),
                                                      (20, 0, 60)])
def test_distance_scores_the_seeds_bands(km: float, score: int, minutes: int) -> None:
    component = score_distance(distance(km))[0]
    assert component.score == score and f"{minutes} 分钟" in component.zh


def test_distance_explains_the_seeds_conversion_at_3_and_15_km() -> None:
    assert "转化 45%" in score_distance(distance(3.0))[0].zh
    assert "conversion 12%" in score_distance(distance(15.0))[0].en
    assert score_distance(DistanceEvidence()) == []


# --- service: rating ≥ 4.0, and what members reported (seed pitfall 2) ---------------------------------------


def test_public_figures_each_meet_their_threshold_at_60() -> None:
    at_threshold = score_service(ServiceEvidence(rating=4.0, satisfaction_pct=80, complaints=2, store_count=1,
                                                 visit_scores=(4,)))
    assert [c.score for c in at_threshold] == [60, 60, 60, 60]


def test_observed_figures_count_from_k_cases_and_weigh_double() -> None:
    few = ObservedService(ratings=9, rating_sum=9, complaints=9, referrals=9)
    assert [c.key for c in score_service(ServiceEvidence(rating=4.5, observed=few))] == ["rating"]
    seen = ObservedService(ratings=40, rating_sum=120, complaints=8, referrals=50, benefits_closed=20,
                           benefits_honoured=20)
    components = score_service(ServiceEvidence(rating=4.5, observed=seen))
    by_key = {c.key: c for c in components}
    assert by_key["followup"].score == RATING_SCALE.score(3.0) and by_key["followup"].weight == 2
    assert by_key["complaint_rate"].score == 0  # 16 per 100 referrals
    assert by_key["honoured"].score == 100
    card = scorecard(Evidence(overlap=OverlapEvidence("fitness"), service=ServiceEvidence(rating=4.5,
                                                                                          observed=seen)))
    service = card.of(Standard.SERVICE)
    assert service.basis is Basis.MEASURED and not service.passed  # a good public rating does not hide it


# --- sincerity: the seed's two tests --------------------------------------------------------------------------


@pytest.mark.parametrize(("fund", "service", "score"), [
    (SincerityReply.YES, SincerityReply.VIP_OR_BETTER, 100), (SincerityReply.AFTER_RESULTS,
                                                                SincerityReply.VIP_OR_BETTER, 80),
    (SincerityReply.NO, SincerityReply.NORMAL, 15), (SincerityReply.AFTER_RESULTS, SincerityReply.NORMAL, 45)])
def test_the_two_sincerity_tests(fund: SincerityReply, service: SincerityReply, score: int) -> None:
    card = scorecard(Evidence(overlap=OverlapEvidence("fitness"),
                              sincerity=SincerityEvidence(joint_fund=fund, referred_service=service)))
    assert card.of(Standard.SINCERITY).score == score
    assert card.of(Standard.SINCERITY).passed is (score >= 60)


def test_sincerity_passes_only_once_both_tests_are_asked() -> None:
    ready = SincerityEvidence(shares_data=True, has_member_system=True, joint_fund=SincerityReply.YES)
    card = scorecard(Evidence(overlap=OverlapEvidence("fitness"), sincerity=ready))
    sincerity = card.of(Standard.SINCERITY)
    assert sincerity.score == 100 and not sincerity.passed and "两项诚意测试尚未都问过" in sincerity.zh
    asked = SincerityEvidence(**{**ready.__dict__, "referred_service": SincerityReply.VIP_OR_BETTER})
    assert scorecard(Evidence(overlap=OverlapEvidence("fitness"), sincerity=asked)).of(Standard.SINCERITY).passed


def test_what_a_partner_actually_did_counts_too() -> None:
    seen = ObservedSincerity(campaigns=2, contributed_fen=2_000_000, statements=4, disputed=1,
                             answer_days=(1.0, 3.0, 30.0))
    by_key = {c.key: c for c in score_sincerity(SincerityEvidence(joint_fund=SincerityReply.YES, observed=seen))}
    assert by_key["contribution"].score == 60  # ¥10,000 a campaign: the seed's test, kept
    assert by_key["disputes"].score == 38  # 25% disputed: between 10% (60) and 50% (0)
    assert by_key["answer_days"].score == 87  # median 3 days: between 7 (60) and 1 (100)
    assert all(c.basis is Basis.MEASURED and c.weight for key, c in by_key.items() if key != "joint_fund")
    assert "disputes" not in {c.key for c in score_sincerity(SincerityEvidence(
        observed=ObservedSincerity(statements=2, disputed=2)))}  # two statements say nothing yet


# --- gates, totals, verdicts, weights ----------------------------------------------------------------------


def test_a_good_candidate_is_recommended_with_every_score_explained() -> None:
    card = scorecard(GOOD)
    assert card.verdict is Verdict.RECOMMENDED and card.gates == ()
    assert card.total == round(sum(s.score * DEFAULT_WEIGHTS[s.standard] for s in card.standards) / 100)
    for s in card.standards:
        assert s.zh.endswith("。") and s.en.endswith(".") and s.threshold_zh and s.threshold_en


@pytest.mark.parametrize(("changes", "gate"), [({"rating": 3.9}, Gate.LOW_RATING)])
def test_a_rating_under_4_rules_out_whatever_the_total(changes: dict[str, float], gate: Gate) -> None:
    service = ServiceEvidence(**{**GOOD.service.__dict__, **changes})
    card = scorecard(Evidence(**{**GOOD.__dict__, "service": service}))
    assert card.gates == (gate,) and card.verdict is Verdict.NOT_RECOMMENDED and card.total >= 70
    assert "一票否决" in card.zh


def test_major_negative_news_rules_out_whatever_the_total() -> None:
    card = scorecard(Evidence(**{**GOOD.__dict__, "major_negative_news": True}))
    assert card.gates == (Gate.NEGATIVE_NEWS,) and card.verdict is Verdict.NOT_RECOMMENDED


def test_a_candidate_without_data_asks_for_it() -> None:
    card = scorecard(Evidence(overlap=OverlapEvidence("fitness")))
    assert card.verdict is Verdict.NEEDS_DATA and "暂无数据" in card.of(Standard.SERVICE).zh


def test_weights_change_the_total() -> None:
    only_distance = {s: 0 for s in Standard} | {Standard.DISTANCE: 100}
    far = Evidence(**{**GOOD.__dict__, "distance": distance(15.0)})
    assert scorecard(far, only_distance).total == 30
    assert scorecard(far).total > 30


def test_weights_are_0_to_100_and_sum_to_100() -> None:
    assert weight_problems(DEFAULT_WEIGHTS) == {} and sum(DEFAULT_WEIGHTS.values()) == 100
    assert "__all__" in weight_problems({**DEFAULT_WEIGHTS, Standard.DISTANCE: 21})
    assert weight_problems({**DEFAULT_WEIGHTS, Standard.DISTANCE: 101}) == {"distance": "must be between 0 and 100"}
    assert weight_problems({s: w for s, w in DEFAULT_WEIGHTS.items() if s is not Standard.SERVICE}) == {
        "service": "required"}


def test_brand_fit_compares_tags_on_the_shorter_list() -> None:
    assert score_brand(BrandEvidence(("高端", "科技"), ("高端", "科技", "环保")))[0].score == 100
    assert score_brand(BrandEvidence(("平价",), ("高端",)))[0].score == 0
    assert score_brand(BrandEvidence((), ("高端",))) == []


# --- recommendations ---------------------------------------------------------------------------------------


def test_missing_links_of_the_value_chain_costliest_first() -> None:
    assert missing_links({"auto_service"}) == [(Industry.EARLY_EDUCATION, 800_000), (Industry.FITNESS, 600_000),
                                               (Industry.TRAVEL, 500_000), (Industry.DINING, 300_000)]
    assert missing_links({i.value for i in Industry}) == []


def test_a_service_drop_needs_k_ratings_in_both_windows_and_10_points() -> None:
    good = FeedbackWindow(ratings=20, rating_sum=92, complaints=0)  # 4.6, no complaints
    worse = FeedbackWindow(ratings=20, rating_sum=76, complaints=3)  # 3.8, 15 per 100
    drop = service_drop(good, worse)
    assert drop is not None and drop.points >= 10 and drop.before > drop.recent
    assert service_drop(good, good) is None
    assert service_drop(good, FeedbackWindow(ratings=9, rating_sum=9, complaints=9)) is None


def test_status_follows_the_agreements() -> None:
    assert status_from_agreements(CandidateStatus.WATCHING, ["draft"]) is CandidateStatus.WATCHING
    assert status_from_agreements(CandidateStatus.CONTACTED, ["proposed"]) is CandidateStatus.PROPOSED
    assert status_from_agreements(CandidateStatus.WATCHING, ["accepted", "terminated"]) is CandidateStatus.PROPOSED
    assert status_from_agreements(CandidateStatus.DROPPED, ["proposed", "active"]) is CandidateStatus.PARTNER


# --- vocabularies: every value has both words -----------------------------------------------------------------


@pytest.mark.parametrize(("enum", "table"), [
    (TrendKind, TREND_LABELS), (RatingSource, RATING_SOURCE_LABELS), (CandidateStatus, STATUS_LABELS),
    (SincerityQuestion, QUESTION_LABELS), (SincerityReply, REPLY_LABELS), (Standard, STANDARD_LABELS),
    (Basis, BASIS_LABELS), (Verdict, VERDICT_LABELS), (Gate, GATE_LABELS)])
def test_every_value_has_chinese_and_english_words(enum: type, table: dict[object, tuple[str, str]]) -> None:
    assert set(table) == set(enum)
    for zh, en in table.values():
        assert zh and en and zh != en


def test_every_sincerity_reply_answers_one_question_and_the_defaults_cover_every_standard() -> None:
    assert sorted(r for replies in REPLIES.values() for r in replies) == sorted(SincerityReply)
    assert set(DEFAULT_WEIGHTS) == set(Standard) and set(THRESHOLDS) == set(Standard)
