"""The credit code (GB 32100-2015 with its GB 11714 organisation code) and the automatic rules, without a database."""

from __future__ import annotations

import pytest

from lianmeng.verification.domain import (
    ALPHABET,
    CodeProblem,
    Entry,
    VerificationRule,
    VerificationStatus,
    check_character,
    city_stem,
    code_problem,
    may_reject,
    may_verify,
    normalise_code,
    org_check_character,
    rule_check_digit,
    rule_code_unique,
    rule_legal_person,
    rule_licence_ref,
    rule_registered_address,
    run_rules,
    status_after_rules,
    valid_code,
)

# published codes of real companies (their business licences and annual reports)
REAL = [
    "91350100M000100Y43",  # the example printed in GB 32100-2015
    "9144030071526726XG",  # 深圳市腾讯计算机系统有限公司
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91110000710925462X",  # 中国石油天然气股份有限公司
]


@pytest.mark.parametrize("code", REAL)
def test_real_published_codes_are_valid(code: str) -> None:
    assert code_problem(code) is None
    assert check_character(code[:17]) == code[17]
    assert org_check_character(code[8:16]) == code[16]


@pytest.mark.parametrize("code", REAL)
def test_every_single_character_corruption_is_caught(code: str) -> None:
    for position in range(18):
        for char in ALPHABET:
            if char == code[position]:
                continue
            corrupted = code[:position] + char + code[position + 1:]
            assert not valid_code(corrupted), corrupted


def test_the_problem_is_named() -> None:
    good = "91350100M000100Y43"
    assert code_problem(good[:17]) is CodeProblem.LENGTH
    assert code_problem("91350100M000100YO3") is CodeProblem.ALPHABET  # letter O is not in the alphabet
    assert code_problem("Z1350100M000100Y43") is CodeProblem.ALPHABET
    assert code_problem("B1350100M000100Y43") is CodeProblem.AUTHORITY
    assert code_problem("96350100M000100Y43") is CodeProblem.ORG_TYPE  # market regulation assigns 1-3 only
    assert code_problem("91990100M000100Y43") is CodeProblem.DIVISION  # no province 99
    assert code_problem("91350100M000100Y53") is CodeProblem.ORG_CHECK
    assert code_problem("91350100M000100Y44") is CodeProblem.CHECK


def test_check_characters_map_the_edge_values() -> None:
    # GB 11714: 11 - 0 = 11 is written 0, 10 is written X (Tencent's organisation code ends in X)
    assert org_check_character("71526726") == "X"
    assert org_check_character("00000000") == "0"
    # GB 32100: 31 - 0 = 31 is written 0
    assert check_character("0" * 17) == "0"


def test_typing_is_forgiven_but_not_guessed() -> None:
    assert normalise_code(" 9135 0100-m000100y43 ") == "91350100M000100Y43"
    assert not valid_code(normalise_code("91350100M000100Y4O"))  # O is never read as 0


def test_check_digit_rule() -> None:
    assert rule_check_digit("91350100M000100Y43").passed
    missing = rule_check_digit(None)
    assert not missing.passed and missing.rule is VerificationRule.CHECK_DIGIT and "代码" in missing.zh
    wrong = rule_check_digit("91350100M000100Y44")
    assert not wrong.passed and "18" in wrong.en


def test_uniqueness_rule_names_who_else_holds_the_code() -> None:
    assert rule_code_unique("91350100M000100Y43", []).passed
    clash = rule_code_unique("91350100M000100Y43", ["乐刻健身"])
    assert not clash.passed and "乐刻健身" in clash.zh and "乐刻健身" in clash.en
    assert not rule_code_unique(None, []).passed


def test_presence_rules() -> None:
    assert rule_legal_person("张三").passed and not rule_legal_person(" ").passed and not rule_legal_person("张").passed
    assert rule_licence_ref("深市监注字 0123").passed and not rule_licence_ref(None).passed


def test_address_must_be_plausible_and_in_the_alliance_city() -> None:
    address = "深圳市南山区科技园科苑路 15 号"
    assert rule_registered_address(address, "深圳市").passed
    assert rule_registered_address(address, "").passed  # an alliance without a city checks plausibility only
    elsewhere = rule_registered_address("广州市天河区天河路 385 号", "深圳市")
    assert not elsewhere.passed and "深圳" in elsewhere.zh
    assert not rule_registered_address("深圳", "深圳市").passed  # too short
    assert not rule_registered_address("Room 1, Some Street 15", "").passed  # no Chinese: not a registered address
    assert not rule_registered_address(None, "深圳市").passed
    assert city_stem("深圳市") == "深圳" and city_stem("Shenzhen") == "Shenzhen"


def test_all_rules_passing_is_auto_verified_otherwise_unverified() -> None:
    full = Entry("91350100M000100Y43", "张三", "深圳市南山区科技园科苑路 15 号", "深市监注字 0123")
    findings = run_rules(full, [], "深圳市")
    assert [f.rule for f in findings] == list(VerificationRule)
    assert status_after_rules(findings) is VerificationStatus.AUTO_VERIFIED
    assert status_after_rules(run_rules(full, ["另一家"], "深圳市")) is VerificationStatus.UNVERIFIED
    no_licence = Entry("91350100M000100Y43", "张三", "深圳市南山区科技园科苑路 15 号", None)
    assert status_after_rules(run_rules(no_licence, [], "深圳市")) is VerificationStatus.UNVERIFIED
    assert status_after_rules([]) is VerificationStatus.UNVERIFIED


def test_decisions() -> None:
    assert may_verify(VerificationStatus.UNVERIFIED) and may_verify(VerificationStatus.AUTO_VERIFIED)
    assert not may_verify(VerificationStatus.VERIFIED) and not may_verify(VerificationStatus.REJECTED)
    assert may_reject(VerificationStatus.VERIFIED) and not may_reject(VerificationStatus.REJECTED)
