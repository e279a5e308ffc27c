"""Every vocabulary (a LabelledEnum anywhere in the package) has its words in both languages beside each value."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import lianmeng
from lianmeng.kit.errors import ErrorCode
from lianmeng.kit.vocab import LabelledEnum, label_of, pairs


def _all_subclasses(cls: type) -> list[type]:
    found: list[type] = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


def _vocabularies() -> list[type[LabelledEnum]]:
    for module in pkgutil.walk_packages(lianmeng.__path__, "lianmeng."):
        if not module.name.startswith("lianmeng.migrations"):
            importlib.import_module(module.name)
    return [cls for cls in _all_subclasses(LabelledEnum)
            if not issubclass(cls, ErrorCode) and len(cls.__members__) > 0]


VOCABULARIES = _vocabularies()


def test_the_walk_finds_the_vocabularies() -> None:
    names = {cls.__name__ for cls in VOCABULARIES}
    assert {"SettlementCycle", "PostingCause", "CommissionKind", "Tier", "CooperationMode", "AgreementStatus",
            "AgreementEventKind", "MergeEventKind", "AccountKind"} <= names


@pytest.mark.parametrize("vocabulary", VOCABULARIES, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_every_value_has_both_words_distinct_within_its_vocabulary(vocabulary: type[LabelledEnum]) -> None:
    members = list(vocabulary)
    for member in members:
        assert member.zh.strip() and member.en.strip(), f"{vocabulary.__name__}.{member.name} lacks a word"
        assert member.value == str(member)
    assert len({m.zh for m in members}) == len(members), f"{vocabulary.__name__}: two values share a Chinese word"
    assert len({m.en for m in members}) == len(members), f"{vocabulary.__name__}: two values share an English word"


def test_a_member_is_its_stored_string_and_carries_its_words() -> None:
    from lianmeng.members.domain import Tier

    assert Tier.GOLD == "gold" and Tier("gold") is Tier.GOLD and f"{Tier.GOLD}" == "gold"
    assert Tier.GOLD.label("zh-CN") == "金卡会员" and Tier.GOLD.label("en") == "Gold"
    assert pairs(Tier)[Tier.GOLD] == ("金卡会员", "Gold")
    assert label_of(Tier, "gold", "en") == "Gold"
    assert label_of(Tier, "VIP 尊享", "en") == "VIP 尊享"  # a merchant's own tier name, shown as typed
    assert label_of(Tier, None, "en") == ""


def test_pages_read_their_words_from_the_vocabularies() -> None:
    from lianmeng.ledger.domain import PostingCause
    from lianmeng.web import labels

    assert labels.label("tier", "silver", "en") == "Silver"
    assert labels.label("ledger_cause", PostingCause.TOP_UP, "zh-CN") == PostingCause.TOP_UP.zh
    assert labels.label("settlement_cycle", "weekly", "zh-CN") == "按周结算"
