"""Vocabularies: a stored code with its words in zh-CN and en beside it, defined once.

    class Tier(LabelledEnum):
        GOLD = "gold", "金卡会员", "Gold"

`Tier.GOLD == "gold"` (the value is the string the database stores), `Tier.GOLD.zh == "金卡会员"`,
`Tier.GOLD.label("en") == "Gold"`. Pages show a code in words through web/labels.py, which reads these enums; a
test (tests/unit/kit/test_vocab.py) walks every LabelledEnum in the package and checks each member has both words.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self, TypeVar

Pair = tuple[str, str]


class LabelledEnum(StrEnum):
    """A StrEnum whose members are `NAME = "value", "中文", "English"`."""

    _value_: str
    zh: str
    en: str

    def __new__(cls, value: str, zh: str = "", en: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.zh = zh
        member.en = en
        return member

    def label(self, lang: str) -> str:
        """The member in words: English for "en", Chinese otherwise (the default language)."""
        return self.en if lang == "en" else self.zh

    @property
    def pair(self) -> Pair:
        return (self.zh, self.en)


E = TypeVar("E", bound=LabelledEnum)


def pairs(enum: type[E]) -> dict[E, Pair]:
    """{member: (zh, en)} in declaration order, for code that reads a label table."""
    return {member: (member.zh, member.en) for member in enum}


def label_of(enum: type[LabelledEnum], code: str | None, lang: str) -> str:
    """A stored code in words; the code itself when the vocabulary has no such value (free text, old data)."""
    text = "" if code is None else str(code)
    try:
        return enum(text).label(lang)
    except ValueError:
        return text
