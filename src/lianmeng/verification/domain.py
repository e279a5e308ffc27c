"""Verification (验真) of merchants and prospects, in pure rules: no session, clock or I/O.

The unified social credit code (统一社会信用代码, GB 32100-2015) is 18 characters from a 31-character alphabet
(digits and capitals without I, O, S, V, Z):

    position 1       registration authority (登记管理部门): 9 market regulation, 5 civil affairs, 1 establishment
                     office, Y others, and the few later assigned (2-8, A, G, N)
    position 2       organisation type within that authority (9 → 1 enterprise, 2 sole trader, 3 co-operative)
    positions 3-8    administrative division (行政区划, GB/T 2260) of the registering office
    positions 9-17   organisation code (组织机构代码, GB 11714): 8 characters and its own check character
    position 18      check character over the first 17 (weights 3^i mod 31, modulus 31)

Both check characters are verified, so a single mistyped character is always caught (the weights are nonzero mod
a prime modulus), as is any swap of two neighbouring characters of different values.

The automatic rules each return a `Finding` (rule, passed, words in zh and en). All passing → `auto_verified`;
otherwise the record stays `unverified` with what every rule found, for the operator's queue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from lianmeng.kit.vocab import LabelledEnum, pairs

# --- the credit code ---------------------------------------------------------------------------------------------

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUE = {char: index for index, char in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
MODULUS = 31

ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714 organisation code
ORG_MODULUS = 11

# authority → organisation types it assigns; authorities without a listed table accept any digit 1-9
TYPES_OF_AUTHORITY: dict[str, str] = {"1": "1239", "5": "1239", "9": "123", "Y": "1"}
AUTHORITIES = "12345678AGNY9"
# first two digits of a GB/T 2260 division (provinces; 10 = registered at national level)
PROVINCES = frozenset({"10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
                       "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
                       "71", "81", "82"})
CODE_LENGTH = 18


class CodeProblem(LabelledEnum):
    """Why a credit code is refused (shown as words: the codes never reach a page)."""

    LENGTH = "code_length", "统一社会信用代码应为 18 位", "A unified social credit code has 18 characters"
    ALPHABET = "code_alphabet", "含有不允许的字符(不用 I、O、S、V、Z)", "A character is not allowed (no I, O, S, V, Z)"
    AUTHORITY = "code_authority", "第 1 位登记管理部门代码无效", "Position 1 (registration authority) is invalid"
    ORG_TYPE = "code_org_type", "第 2 位机构类别代码无效", "Position 2 (organisation type) is invalid"
    DIVISION = "code_division", "第 3-8 位行政区划代码无效", "Positions 3-8 (administrative division) are invalid"
    ORG_CHECK = (
        "code_org_check", "第 9-17 位组织机构代码校验位不符",
        "The organisation code (positions 9-17) fails its check",
    )
    CHECK = "code_check", "第 18 位校验码不符", "The check character (position 18) does not match"


CODE_PROBLEM_LABELS: dict[CodeProblem, tuple[str, str]] = pairs(CodeProblem)


def normalise_code(text: str) -> str:
    """What people type: spaces, dashes, lower case. The code itself is never guessed at (no O → 0)."""
    return re.sub(r"[\s\-]", "", text).upper()


def check_character(first17: str) -> str:
    """The 18th character of a code whose first 17 are given (all from ALPHABET)."""
    total = sum(VALUE[char] * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(MODULUS - total % MODULUS) % MODULUS]


def _org_value(char: str) -> int:
    return int(char) if char.isdigit() else ord(char) - ord("A") + 10


def org_check_character(body8: str) -> str:
    """GB 11714: C9 = 11 - (Σ value × weight mod 11); 10 is written X, 11 is 0. Letters count A=10 … Z=35."""
    total = sum(_org_value(char) * weight for char, weight in zip(body8, ORG_WEIGHTS, strict=True))
    check = ORG_MODULUS - total % ORG_MODULUS
    return {10: "X", 11: "0"}.get(check, str(check))


def code_problem(code: str) -> CodeProblem | None:
    """The first thing wrong with a (normalised) credit code, or None when it is well formed."""
    if len(code) != CODE_LENGTH:
        return CodeProblem.LENGTH
    if any(char not in VALUE for char in code):
        return CodeProblem.ALPHABET
    authority, org_type, division = code[0], code[1], code[2:8]
    if authority not in AUTHORITIES:
        return CodeProblem.AUTHORITY
    if org_type not in TYPES_OF_AUTHORITY.get(authority, "123456789"):
        return CodeProblem.ORG_TYPE
    if not division.isdigit() or division[:2] not in PROVINCES:
        return CodeProblem.DIVISION
    if org_check_character(code[8:16]) != code[16]:
        return CodeProblem.ORG_CHECK
    if check_character(code[:17]) != code[17]:
        return CodeProblem.CHECK
    return None


def valid_code(code: str) -> bool:
    return code_problem(code) is None


# --- statuses and the automatic rules ----------------------------------------------------------------------------


class VerificationStatus(LabelledEnum):
    UNVERIFIED = "unverified", "未验真", "Not verified"
    AUTO_VERIFIED = "auto_verified", "自动验真通过", "Passed the automatic checks"
    VERIFIED = "verified", "人工验真通过", "Verified by hand"
    REJECTED = "rejected", "验真未通过", "Rejected"


STATUS_LABELS: dict[VerificationStatus, tuple[str, str]] = pairs(VerificationStatus)

# the queue: what no person has decided yet
AWAITING = (VerificationStatus.UNVERIFIED, VerificationStatus.AUTO_VERIFIED)


class VerificationRule(LabelledEnum):
    CHECK_DIGIT = "check_digit", "信用代码校验", "Credit code check"
    CODE_UNIQUE = "code_unique", "信用代码联盟内唯一", "Credit code unique in the alliance"
    LEGAL_PERSON = "legal_person", "法定代表人", "Legal person"
    REGISTERED_ADDRESS = "registered_address", "注册地址", "Registered address"
    LICENCE_REF = "licence_ref", "营业执照编号", "Licence reference"


RULE_LABELS: dict[VerificationRule, tuple[str, str]] = pairs(VerificationRule)


class SubjectKind(LabelledEnum):
    """What is verified: an alliance merchant or a prospect (a partner candidate)."""

    MERCHANT = "merchant", "联盟商户", "Alliance merchant"
    PROSPECT = "prospect", "潜在伙伴", "Prospect"


SUBJECT_LABELS: dict[SubjectKind, tuple[str, str]] = pairs(SubjectKind)


class VerificationAction(LabelledEnum):
    """What an audit event records."""

    ENTERED = "fields_entered", "录入/修改资料并自动校验", "Details entered; automatic checks run"
    HAND_VERIFIED = "hand_verified", "人工验真通过", "Verified by hand"
    REJECTED = "hand_rejected", "驳回", "Rejected"


ACTION_LABELS: dict[VerificationAction, tuple[str, str]] = pairs(VerificationAction)


@dataclass(frozen=True)
class Finding:
    rule: VerificationRule
    passed: bool
    zh: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "rule": self.rule.value}


@dataclass(frozen=True)
class Entry:
    """What was entered about a merchant or prospect (normalised)."""

    credit_code: str | None
    legal_person: str | None
    registered_address: str | None
    licence_ref: str | None


def _blank(text: str | None) -> bool:
    return text is None or not text.strip()


def rule_check_digit(code: str | None) -> Finding:
    rule = VerificationRule.CHECK_DIGIT
    if _blank(code):
        return Finding(rule, False, "未填写统一社会信用代码", "No unified social credit code entered")
    problem = code_problem(normalise_code(code or ""))
    if problem is not None:
        zh, en = CODE_PROBLEM_LABELS[problem]
        return Finding(rule, False, zh, en)
    return Finding(rule, True, "18 位代码及两个校验位均正确", "All 18 characters and both check characters are right")


def rule_code_unique(code: str | None, others: Sequence[str]) -> Finding:
    """`others`: names of the alliance's other merchants/prospects that carry the same code."""
    rule = VerificationRule.CODE_UNIQUE
    if _blank(code):
        return Finding(rule, False, "无代码,无法核对唯一性", "No code, so uniqueness cannot be checked")
    if others:
        names = "、".join(others[:3])
        return Finding(rule, False, f"与联盟内其他主体重复:{names}",
                       f"The same code is held by: {', '.join(others[:3])}")
    return Finding(rule, True, "联盟内无其他主体使用此代码", "No one else in the alliance holds this code")


def rule_legal_person(name: str | None) -> Finding:
    rule = VerificationRule.LEGAL_PERSON
    if _blank(name) or len((name or "").strip()) < 2:
        return Finding(rule, False, "未填写法定代表人", "No legal person entered")
    return Finding(rule, True, "已填写法定代表人", "Legal person entered")


MIN_ADDRESS_CHARS = 8
_HAN = re.compile(r"[\u4e00-\u9fff]")


def city_stem(city: str) -> str:
    """深圳市 → 深圳, "Shenzhen" stays: the part an address must contain."""
    stem = city.strip()
    return stem[:-1] if len(stem) > 2 and stem.endswith("市") else stem


def rule_registered_address(address: str | None, city: str) -> Finding:
    """Plausible: at least 8 characters with Chinese in them, and in the alliance's city when it has one (a
    registration office of another city is possible but worth a look, so it is a finding, not a refusal)."""
    rule = VerificationRule.REGISTERED_ADDRESS
    text = (address or "").strip()
    if not text:
        return Finding(rule, False, "未填写注册地址", "No registered address entered")
    if len(text) < MIN_ADDRESS_CHARS or not _HAN.search(text):
        return Finding(rule, False, "注册地址过短或不像中国地址", "The registered address is too short to be real")
    stem = city_stem(city)
    if stem and stem.lower() not in text.lower():
        return Finding(rule, False, f"注册地址不在联盟所在城市({stem})",
                       f"The registered address is not in the alliance's city ({stem})")
    return Finding(rule, True, "注册地址完整", "Registered address looks complete")


def rule_licence_ref(reference: str | None) -> Finding:
    rule = VerificationRule.LICENCE_REF
    if _blank(reference):
        return Finding(rule, False, "未填写营业执照编号", "No licence reference entered")
    return Finding(rule, True, "已填写营业执照编号", "Licence reference entered")


def run_rules(entry: Entry, others_with_code: Sequence[str], city: str) -> list[Finding]:
    return [rule_check_digit(entry.credit_code), rule_code_unique(entry.credit_code, others_with_code),
            rule_legal_person(entry.legal_person), rule_registered_address(entry.registered_address, city),
            rule_licence_ref(entry.licence_ref)]


def status_after_rules(findings: Sequence[Finding]) -> VerificationStatus:
    """Entering or changing the details re-runs the rules and undoes any earlier decision: what a person verified
    was the old details."""
    if findings and all(f.passed for f in findings):
        return VerificationStatus.AUTO_VERIFIED
    return VerificationStatus.UNVERIFIED


def may_verify(status: VerificationStatus) -> bool:
    return status in AWAITING


def may_reject(status: VerificationStatus) -> bool:
    """A verified record may still be rejected later (a licence revoked); a rejected one waits for new details."""
    return status is not VerificationStatus.REJECTED
