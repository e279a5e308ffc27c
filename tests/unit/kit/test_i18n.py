"""Accept-Language negotiation and message templates."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lianmeng
from lianmeng.kit import i18n
from lianmeng.kit.errors import ErrorCode
from lianmeng.kit.i18n import (
    LANGUAGES,
    MESSAGES,
    WORDS,
    UnknownErrorCode,
    all_messages,
    error_enums,
    pick_language,
    translate,
    word,
)

SOURCE = Path(lianmeng.__file__).parent


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("zh-CN", "zh-CN"),
        ("fr", "zh-CN"),
        ("en;q=0.1, zh;q=0.9", "zh-CN"),
        ("en, zh;q=0.5", "en"),
        ("zh-TW,en;q=0.5", "zh-CN"),
        ("fr-FR,fr;q=0.9,en;q=0.8", "en"),
        ("en;q=0", "zh-CN"),
        ("zh;q=0.8,en;q=0.8", "zh-CN"),
        ("en;q=0.8,zh;q=0.8", "en"),
        (None, "zh-CN"),
        ("", "zh-CN"),
    ],
)
def test_pick_language(header: str | None, expected: str) -> None:
    assert pick_language(header) == expected


@pytest.mark.parametrize("header", ["q=abc", "en;q=abc", ";;;,,,", "*", "en;q=", "zh;q=1;q=2"])
def test_pick_language_survives_garbage(header: str) -> None:
    assert pick_language(header) in LANGUAGES


def test_unparseable_weight_counts_as_zero() -> None:
    assert pick_language("en;q=abc, zh;q=0.1") == "zh-CN"


@given(st.text(max_size=100))
def test_pick_language_never_raises(header: str) -> None:
    assert pick_language(header) in LANGUAGES


def test_whitespace_before_q_is_allowed() -> None:
    assert pick_language("zh;q=0.9, en; q=0.5") == "zh-CN"


def test_translate_fills_params_and_translates_what() -> None:
    assert translate("not_found", "en", what="member") == "Member not found"
    assert translate("not_found", "zh-CN", what="member") == "未找到会员"
    assert translate("duplicate", "en", what="card") == "Alliance card already exists"
    assert translate("body_too_large", "en", limit=1024) == "Request body too large (limit 1024 bytes)"


def test_unknown_word_is_used_as_is() -> None:
    assert translate("not_found", "en", what="widget") == "widget not found"
    assert word("widget", "zh-CN") == "widget"


def test_missing_params_render_empty_not_raw_braces() -> None:
    assert translate("agreement_transition", "en") == "Agreement is ''; cannot ''"
    assert translate("not_found", "en") == "not found"


def test_unknown_code_falls_back_in_production_and_says_so_in_the_log(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(i18n.STRICT_ENV, raising=False)
    with caplog.at_level(logging.ERROR, logger="lianmeng.i18n"):
        assert translate("no_such_code", "en") == all_messages()["validation_error"]["en"]
        assert translate("no_such_code", "zh-CN") == all_messages()["validation_error"]["zh-CN"]
    assert [r.getMessage() for r in caplog.records].count(
        "no message for error code 'no_such_code'; answering with validation_error") == 2


def test_unknown_code_fails_loudly_in_tests(caplog: pytest.LogCaptureFixture) -> None:
    """The suite runs with LIANMENG_STRICT_MESSAGES=1 (tests/conftest.py): a code without messages raises, so the
    test that reaches it fails instead of showing "the request is invalid"."""
    with caplog.at_level(logging.ERROR, logger="lianmeng.i18n"), pytest.raises(UnknownErrorCode):
        translate("no_such_code", "en")
    assert "no message for error code 'no_such_code'" in caplog.text


def test_an_error_code_enum_member_translates_itself() -> None:
    from lianmeng.kit.errors import Common

    assert translate(Common.NOT_FOUND, "en", what="member") == "Member not found"
    assert translate(Common.FORBIDDEN, "zh-CN") == Common.FORBIDDEN.zh


def test_each_code_is_defined_once() -> None:
    """A code lives in one ErrorCode enum or in MESSAGES, never in two places."""
    seen: dict[str, str] = {code: "kit/i18n.py MESSAGES" for code in MESSAGES}
    twice: list[str] = []
    for enum in error_enums():
        for member in enum:
            where = f"{enum.__module__}.{enum.__name__}"
            if member.value in seen:
                twice.append(f"{member.value}: {seen[member.value]} and {where}")
            seen[member.value] = where
    assert twice == []


@pytest.mark.parametrize("enum", error_enums(), ids=lambda e: f"{e.__module__}.{e.__name__}")
def test_every_error_code_enum_member_has_both_messages(enum: type[ErrorCode]) -> None:
    for member in enum:
        assert member.zh.strip() and member.en.strip(), f"{enum.__name__}.{member.name} lacks a message"
        assert member.value == member.name.lower(), f"{enum.__name__}.{member.name} is named after another code"


def test_the_capabilities_error_enums_are_found() -> None:
    modules = {e.__module__ for e in error_enums()}
    assert "lianmeng.kit.errors" in modules and len(modules) > 1


# the errors and the domain refusals that carry a code, raised with the code as a literal (not an enum member)
_RAISED = re.compile(r'\b(?:Conflict|Invalid|Forbidden|Unauthorized|AppError|\w*Refused|Refusal)\(\s*"([a-z0-9_]+)"')


def _raised_codes() -> dict[str, str]:
    """Every error code the product raises by name (a literal in the source), with the first file raising it."""
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for code in _RAISED.findall(path.read_text(encoding="utf-8")):
            found.setdefault(code, str(path.relative_to(SOURCE)))
    return found


def test_the_source_scan_finds_the_codes() -> None:
    codes = _raised_codes()
    # most codes are raised as their capability's enum members now; the ones shared between capabilities by name
    assert len(codes) > 10 and "validation_error" in codes and "wrong_merchant" in codes


def test_every_code_the_product_raises_has_its_messages() -> None:
    """A code without messages would reach the user as "the request is invalid": each one raised by name has both
    (codes raised as enum members have theirs by construction)."""
    missing = {code: where for code, where in _raised_codes().items() if code not in all_messages()}
    assert missing == {}


def test_unknown_language_falls_back_to_chinese() -> None:
    assert translate("forbidden", "fr") == all_messages()["forbidden"]["zh-CN"]


def test_unknown_code_in_unknown_language_does_not_raise_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(i18n.STRICT_ENV, raising=False)
    assert translate("no_such_code", "fr") == all_messages()["validation_error"]["zh-CN"]


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_has_both_languages(code: str) -> None:
    assert set(MESSAGES[code]) == set(LANGUAGES)
    assert all(MESSAGES[code][lang].strip() for lang in LANGUAGES)


@pytest.mark.parametrize("key", sorted(WORDS))
def test_every_word_has_both_languages(key: str) -> None:
    assert set(WORDS[key]) == set(LANGUAGES)
