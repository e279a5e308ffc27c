"""How often a name occurs by chance (the term-frequency table splink's name comparisons read)."""

from __future__ import annotations

import pandas as pd
import pytest

from lianmeng.dedup.linking import name_frequencies


def _frame(names: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"name_chars": names})


def _tf(table: pd.DataFrame, name: str) -> float:
    return float(table.set_index("name_chars").loc[name, "tf_name_chars"])


def test_a_rare_name_seen_twice_is_read_from_its_parts_not_its_count() -> None:
    names = ["王伟"] * 50 + ["李芳"] * 46 + ["王芳"] * 2 + ["单田芳"] * 2
    table = name_frequencies(_frame(names), "name_chars")
    # surnames 王 52, 李 46, 单 2 of 100; lengths 2: 98, 3: 2; given characters 伟 50, 芳 50, 田 2 of 102
    assert _tf(table, "王芳") == pytest.approx(0.52 * 0.98 * 50 / 102)  # common parts: common by chance
    assert _tf(table, "单田芳") == pytest.approx(1 / 100 / 100)  # rare parts: the floor, not 2 in 100


def test_a_common_name_keeps_its_count_less_the_duplicate_it_may_hold() -> None:
    names = ["王伟"] * 50 + ["李娜"] * 50
    table = name_frequencies(_frame(names), "name_chars")
    assert _tf(table, "王伟") == pytest.approx(max(48 / 100, 0.5 * 1.0 * 0.5 * 0.5))


def test_pinyin_names_are_split_into_syllables() -> None:
    frame = pd.DataFrame({"pinyin": ["wangwei"] * 10 + ["zengxiaofan"]})
    table = name_frequencies(frame, "pinyin").set_index("pinyin")
    # zeng is 1 of 11 surnames, three syllables 1 of 11 lengths, xiao and fan 1 of 21 given syllables each
    assert float(table.loc["zengxiaofan", "tf_pinyin"]) == pytest.approx(max((1 / 11) ** 2 / 21 / 21, 1 / 121))
