"""The tag rules without a database: parsing, evaluation as of a moment, crediting the right merchant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lianmeng.merchants.domain import Industry
from lianmeng.tags import domain
from lianmeng.tags.domain import DEFAULT_TAXONOMY, Rule, RuleKind, TagGroup, Visit

AT = datetime(2026, 6, 1, 12, tzinfo=UTC)
GYM, CENTRE, CAFE = 10, 20, 30


def days_ago(n: int) -> datetime:
    return AT - timedelta(days=n)


def order(merchant: int, industry: Industry, n_days: int, *items: str, referrer: int | None = None) -> Visit:
    return Visit(merchant, industry.value, days_ago(n_days), True, items, referrer)


def arrival(merchant: int, industry: Industry, n_days: int, referrer: int | None = None) -> Visit:
    return Visit(merchant, industry.value, days_ago(n_days), False, (), referrer)


def test_bought_keyword_credits_the_merchant_where_the_item_was_bought() -> None:
    rule = Rule(RuleKind.BOUGHT_KEYWORD, keywords=("儿童安全座椅",))
    visits = [order(CENTRE, Industry.AUTO_SERVICE, 3, "常规保养", "儿童安全座椅安装"),
              order(GYM, Industry.FITNESS, 2, "年卡")]
    assert domain.evaluate(rule, visits, AT) == {CENTRE: 1}


def test_bought_keyword_needs_min_count_orders_and_ignores_arrivals() -> None:
    rule = Rule(RuleKind.BOUGHT_KEYWORD, keywords=("婴儿", "奶粉"), min_count=2)
    one = [order(CAFE, Industry.DINING, 1, "婴儿餐"), arrival(CAFE, Industry.DINING, 1)]
    assert domain.evaluate(rule, one, AT) == {}
    two = [*one, order(CAFE, Industry.DINING, 2, "奶粉")]
    assert domain.evaluate(rule, two, AT) == {CAFE: 2}


def test_visited_industry_credits_the_referrer_else_the_merchant_itself() -> None:
    rule = Rule(RuleKind.VISITED_INDUSTRY, industry=Industry.FITNESS)
    visits = [arrival(GYM, Industry.FITNESS, 5, referrer=CENTRE), order(GYM, Industry.FITNESS, 4),
              order(CAFE, Industry.DINING, 1)]
    assert domain.evaluate(rule, visits, AT) == {CENTRE: 1, GYM: 1}


def test_visited_industry_counts_per_credited_merchant() -> None:
    rule = Rule(RuleKind.VISITED_INDUSTRY, industry=Industry.FITNESS, min_count=2)
    visits = [arrival(GYM, Industry.FITNESS, 5, referrer=CENTRE), order(GYM, Industry.FITNESS, 4),
              order(GYM, Industry.FITNESS, 3)]
    assert domain.evaluate(rule, visits, AT) == {GYM: 2}


def test_repeat_visits_within_the_window_only() -> None:
    rule = Rule(RuleKind.REPEAT_VISITS, min_count=3, within_days=30)
    visits = [order(CAFE, Industry.DINING, d) for d in (1, 10, 40)]
    assert domain.evaluate(rule, visits, AT) == {}
    visits.append(order(CAFE, Industry.DINING, 29))
    assert domain.evaluate(rule, visits, AT) == {CAFE: 3}


def test_visits_after_the_moment_do_not_count() -> None:
    rule = Rule(RuleKind.VISITED_INDUSTRY, industry=Industry.DINING)
    assert domain.evaluate(rule, [order(CAFE, Industry.DINING, -1)], AT) == {}
    with pytest.raises(ValueError):
        domain.evaluate(rule, [], AT.replace(tzinfo=None))


def test_parse_rule_round_trips_and_refuses_nonsense() -> None:
    for seed in DEFAULT_TAXONOMY:
        if seed.rule is not None:
            assert domain.parse_rule(seed.rule.as_dict()) == seed.rule
    bad = [{"kind": "astrology"}, {"kind": "bought_keyword", "keywords": []},
           {"kind": "bought_keyword", "keywords": ["a", "a"]}, {"kind": "visited_industry", "industry": "spa"},
           {"kind": "repeat_visits", "min_count": 3}, {"kind": "repeat_visits", "min_count": 1, "within_days": 9},
           {"kind": "visited_industry", "industry": "fitness", "min_count": True},
           {"kind": "visited_industry", "industry": "fitness", "within_days": 0}]
    for raw in bad:
        with pytest.raises(ValueError):
            domain.parse_rule(raw)


def test_the_default_taxonomy_has_the_three_groups_and_only_interests_are_declarable() -> None:
    codes = [s.code for s in DEFAULT_TAXONOMY]
    assert len(codes) == len(set(codes))
    assert {s.group for s in DEFAULT_TAXONOMY} == set(TagGroup)
    assert {"fitness", "parenting", "dining", "travel", "beauty", "education"} <= {
        s.code for s in DEFAULT_TAXONOMY if s.declarable}
    assert all(domain.may_declare(s.group, s.declarable) == s.declarable for s in DEFAULT_TAXONOMY)
    assert not domain.may_declare(TagGroup.VEHICLE, True)


def test_describe_says_the_rule_in_both_languages() -> None:
    names = {"fitness": ("健身", "Fitness")}
    rule = Rule(RuleKind.VISITED_INDUSTRY, industry=Industry.FITNESS, min_count=2, within_days=365)
    assert domain.describe(rule, "zh-CN", names) == "到访健身商户 ≥ 2 次(近 365 天)"
    assert domain.describe(rule, "en", names) == "visited Fitness merchants at least 2× in the last 365 days"
