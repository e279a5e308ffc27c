"""Audience rules: what is refused before any query (unknown class, bad ranges, unknown keys) and the words."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from lianmeng.audiences.domain import RFM_CLASSES, AudienceRules, describe


def test_empty_rules_select_every_own_member_without_refusals() -> None:
    rules = AudienceRules()
    assert rules.exclude_refused is True and not rules.classes
    assert describe(AudienceRules(exclude_refused=False)) == ("全部本店会员", "all own members")


@pytest.mark.parametrize("body", [
    {"classes": ["important_value", "vip"]},
    {"monetary_min_fen": 500_000, "monetary_max_fen": 100_000},
    {"stars_min": 7, "stars_max": 3},
    {"recency_min_days": 90, "recency_max_days": 30},
    {"stars_min": 10},
    {"monetary_min_fen": -1},
    {"monetary_min_fen": "500000"},
    {"marketing_consent": "yes"},
    {"everyone": True},
    {"tags_any": [""]},
])
def test_bad_rules_are_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AudienceRules.model_validate(body)


def test_classes_tags_and_stores_are_deduplicated_in_a_stable_order() -> None:
    rules = AudienceRules.model_validate({"classes": ["general_value", "important_value", "general_value"],
                                          "tags_any": ["parenting", "fitness", "fitness"], "store_ids": [3, 1, 3]})
    assert rules.classes == ["important_value", "general_value"]
    assert rules.tags_any == ["fitness", "parenting"] and rules.store_ids == [1, 3]
    assert len(RFM_CLASSES) == 8


def test_rules_in_words() -> None:
    zh, en = describe(AudienceRules(monetary_min_fen=500_000, classes=["important_value"], stars_min=7,
                                    tags_all=["fitness"], marketing_consent=True))
    assert "¥5,000.00" in zh and "重要价值" in zh and "星级 7–9" in zh and "同意营销" in zh
    assert "Important: value" in en and "all tags of: fitness" in en
    assert "共享" in describe(AudienceRules().with_sharing_consent())[0]
