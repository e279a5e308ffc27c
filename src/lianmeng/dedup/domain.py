"""Pure rules of duplicate candidates (查重): how names, phones and addresses are normalised, how two records are
compared field by field, and what a score means (docs/dedup.md). No session, clock or I/O.

* Names: traditional characters become simplified (zhconv); Chinese names are also read as toneless pinyin, the
  first character as a surname (曾 zeng, 单 shan, 解 xie …: pypinyin reads characters, not names, so the surname
  readings come from SURNAME_READINGS); a name typed in pinyin ("Zhang San", "zhangsan", "ZHANG-SAN") reads as the
  same pinyin. Fuzzy similarity is rapidfuzz's, never hand-rolled.
* Members: the batch scorer is splink (dedup/linking.py); `compare_members` is the same field-by-field reading for
  one pair, used to show the reviewer which fields agree and disagree.
* Thresholds per alliance: at or above `auto` merge automatically, from `review` up to `auto` queue for review,
  below `review` ignore.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin
from pypinyin.contrib.tone_convert import to_normal
from pypinyin.pinyin_dict import pinyin_dict
from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler
from zhconv import convert

from lianmeng.kit.geo import distance_m
from lianmeng.kit.vocab import LabelledEnum, pairs


class DedupKind(LabelledEnum):
    MEMBER = "member", "会员", "Member"
    MERCHANT = "merchant", "商户", "Merchant"
    STORE = "store", "门店", "Store"


class CandidateState(LabelledEnum):
    PENDING = "pending", "待审核", "Awaiting review"  # queued for review
    CONFIRMED = "confirmed", "已确认重复", "Confirmed"  # a reviewer said "the same", merge not yet done
    REJECTED = "rejected", "不是重复", "Not a duplicate"  # a reviewer said "not a duplicate": never proposed again
    MERGED = "merged", "已合并", "Merged"  # merged after review
    # merged by the job, score at or above the alliance's auto threshold
    AUTO = "auto_merged", "已自动合并", "Merged automatically"


OPEN = (CandidateState.PENDING, CandidateState.CONFIRMED)

KIND_LABELS: dict[DedupKind, tuple[str, str]] = pairs(DedupKind)
STATE_LABELS: dict[CandidateState, tuple[str, str]] = pairs(CandidateState)


class FieldAgreement(LabelledEnum):
    """How one field of two records compares."""

    SAME = "same", "一致", "Same"
    CLOSE = "close", "相近", "Close"
    DIFFERENT = "different", "不一致", "Different"
    UNKNOWN = "unknown", "缺失", "Missing"  # missing on either side: no evidence either way


AGREEMENT_LABELS: dict[FieldAgreement, tuple[str, str]] = pairs(FieldAgreement)
#: The compared fields, as the reviewer reads them.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "name": ("姓名", "Name"), "pinyin": ("拼音", "Pinyin"), "birth_year": ("出生年份", "Birth year"),
    "gender": ("性别", "Gender"), "origin_store": ("开卡门店", "Origin store"), "phone": ("手机号", "Phone"),
    "credit_code": ("统一社会信用代码", "Credit code"), "address": ("地址", "Address"),
    "location": ("位置(100 米内)", "Location (within 100 m)"), "vehicle": ("车辆(车牌)", "Vehicle (plate)")}

GENDER_LABELS: dict[str, tuple[str, str]] = {
    "female": ("女", "Female"), "male": ("男", "Male"), "other": ("其他", "Other"),
    "undisclosed": ("未填写", "Not given")}


# --- thresholds ----------------------------------------------------------------------------------------------

#: Defaults (match probability, splink's Fellegi–Sunter posterior; docs/dedup.md has the bench's curve).
#: 0.999 to merge automatically: at 1 M generated records the pairs above 0.99 were 99.94% true, and merging is
#: off unless the alliance turns it on. 0.6 to queue for review: the first point of the bench's curve where
#: precision passes 0.95 (0.959 at 1 M, recall 0.66; at 0.5 it was 0.949); below it a reviewer reads namesakes.
DEFAULT_AUTO = 0.999
DEFAULT_REVIEW = 0.6
AUTO_MERGE_ENABLED_BY_DEFAULT = False  # an alliance opts in: a merge moves money, and undo has a window


@dataclass(frozen=True)
class Thresholds:
    review: float = DEFAULT_REVIEW
    auto: float = DEFAULT_AUTO
    auto_merge: bool = AUTO_MERGE_ENABLED_BY_DEFAULT

    def __post_init__(self) -> None:
        if not 0.0 < self.review <= self.auto <= 1.0:
            raise ValueError("thresholds must satisfy 0 < review ≤ auto ≤ 1")


class ThresholdDecision(LabelledEnum):
    AUTO_MERGE = "auto_merge", "自动合并", "Merge automatically"
    REVIEW = "review", "人工审核", "Review"
    IGNORE = "ignore", "忽略", "Ignore"


DECISION_LABELS: dict[ThresholdDecision, tuple[str, str]] = pairs(ThresholdDecision)


def decide(score: float, thresholds: Thresholds) -> ThresholdDecision:
    """Above auto → merge automatically (if the alliance allows it, else review); between → review; below →
    ignore."""
    if score >= thresholds.auto:
        return ThresholdDecision.AUTO_MERGE if thresholds.auto_merge else ThresholdDecision.REVIEW
    if score >= thresholds.review:
        return ThresholdDecision.REVIEW
    return ThresholdDecision.IGNORE


# --- names ---------------------------------------------------------------------------------------------------

#: Surnames whose surname reading differs from pypinyin's most common reading of the character.
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao", "盖": "ge",
    "尉": "yu", "乐": "yue", "缪": "miao", "秘": "bi", "繁": "po", "覃": "qin", "召": "shao", "种": "chong",
    "翟": "zhai", "折": "she", "员": "yun", "长孙": "zhangsun", "尉迟": "yuchi", "万俟": "moqi", "重": "chong",
    "宿": "su", "纪": "ji", "句": "gou", "黑": "he", "过": "guo", "华": "hua", "任": "ren",
    "沈": "shen", "贾": "jia", "葛": "ge", "燕": "yan", "隗": "wei", "臧": "zang", "牟": "mou", "蕃": "pi",
}
_COMPOUND = sorted((s for s in SURNAME_READINGS if len(s) > 1), key=len, reverse=True)
_HAN = re.compile(r"[\u3400-\u9fff]")
_NOT_LETTER = re.compile(r"[^a-z0-9]")  # digits stay: 2号店 is not 3号店
_SPACES = re.compile(r"[\s·・.\-_'’]+")


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


def simplified(name: str) -> str:
    """NFKC, spaces and middle dots removed, traditional characters as simplified: 張三 → 张三."""
    text = unicodedata.normalize("NFKC", name).strip()
    text = _SPACES.sub("", text) if has_han(text) else " ".join(text.split())
    return str(convert(text, "zh-cn"))


def _surname_split(name: str) -> tuple[str, str]:
    for compound in _COMPOUND:
        if name.startswith(compound):
            return compound, name[len(compound):]
    return name[:1], name[1:]


_HONORIFIC = re.compile(r"^[\u3400-\u9fff]{1,2}(先生|女士|小姐|太太|老师|师傅)$")


def is_honorific(name: str) -> bool:
    """"付女士", "王先生": how a clerk writes a customer who gave no name — a surname and a courtesy, not a name.
    Such names say nothing about who is who and are not compared."""
    return bool(_HONORIFIC.match(simplified(name)))


def pinyin_syllables(name: str) -> list[str]:
    """A name's toneless pinyin syllables. Chinese: the surname read as a surname (曾 → zeng, not ceng).
    Latin: the words as typed, lower case ("Zhang San" → ["zhang", "san"]; "zhangsan" stays one word)."""
    text = simplified(name)
    if not has_han(text):
        words = [_NOT_LETTER.sub("", w) for w in unicodedata.normalize("NFKD", text.lower()).split()]
        return [syllable for w in words if w for syllable in split_syllables(w)]
    surname, given = _surname_split(text)
    head = [SURNAME_READINGS[surname]] if surname in SURNAME_READINGS else [_char(c) for c in surname]
    return [s for s in head + [_char(c) for c in given] if s]


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    """Every toneless pinyin syllable (about 420), read from pypinyin's own dictionary."""
    found = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            plain = to_normal(reading).replace("ü", "v")
            if plain.isascii() and plain.isalpha():
                found.add(plain)
    return frozenset(found)


_VOWELS = frozenset("aeo")


@lru_cache(maxsize=65536)
def split_syllables(word: str) -> tuple[str, ...]:
    """A pinyin word typed without spaces, split into its syllables: zengxiaofan → zeng·xiao·fan, so that a name
    typed in pinyin blocks and compares like the same name in characters. Fewest syllables wins; between equals,
    the split whose later syllables start with a consonant (pinyin writes fang'an when it means fang-an, so an
    unmarked fangan reads fan·gan as names do). A word that is not pinyin (john) stays whole."""
    known = _syllables()
    best: dict[int, tuple[float, tuple[str, ...]]] = {0: (0.0, ())}
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            piece = word[start:end]
            if start not in best or piece not in known:
                continue
            cost = best[start][0] + 1 + (0.1 if start and piece[0] in _VOWELS else 0.0)
            if end not in best or cost < best[end][0]:
                best[end] = (cost, best[start][1] + (piece,))
    return best[len(word)][1] if len(word) in best and word.isalpha() else (word,)


@lru_cache(maxsize=65536)
def _char(char: str) -> str:
    """One character's toneless pinyin, read alone: a given name is not a word, so pypinyin's phrase readings
    would mislead (and per-character caching makes a million names fast)."""
    if not has_han(char):
        return char.lower() if char.isascii() and char.isalnum() else ""
    reading = lazy_pinyin(char, style=Style.NORMAL, v_to_u=False, errors="ignore")
    return reading[0].replace("ü", "v") if reading and reading[0].isalpha() else ""


def pinyin_key(name: str) -> str:
    """The pinyin as people type it: no tones, no spaces, lower case.

    曾小凡 / Zeng Xiaofan / zengxiaofan → zengxiaofan."""
    return "".join(pinyin_syllables(name))


def initials(name: str) -> str:
    """First letters of the syllables (张三丰 → zsf). A pinyin name typed as one word gives only its first
    letter, so blocking also uses the first letter of the pinyin key (see linking)."""
    return "".join(s[0] for s in pinyin_syllables(name))


def name_similarity(a: str, b: str) -> float:
    """0..1: the better of the characters' and the pinyin's similarity (Jaro–Winkler, rapidfuzz), so 張三/张三 and
    张三/zhang san are both 1.0."""
    sa, sb = simplified(a), simplified(b)
    chars = JaroWinkler.similarity(sa, sb) if has_han(sa) and has_han(sb) else 0.0
    pa, pb = pinyin_key(a), pinyin_key(b)
    sound = JaroWinkler.similarity(pa, pb) if pa and pb else 0.0
    return max(chars, sound)


# --- phones --------------------------------------------------------------------------------------------------

_DIGITS = re.compile(r"\D")


def phone_digits(raw: str) -> str:
    """A mobile number's 11 digits (country code dropped), or '' when it is not one."""
    digits = _DIGITS.sub("", raw)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if len(digits) == 11 and digits.startswith("1") else ""


def phone_tail(masked_or_clear: str) -> str:
    """The last four digits, read from the masked copy ('138****5678' → '5678'): what the batch may see of a
    phone (the clear number never leaves the members table)."""
    digits = _DIGITS.sub("", masked_or_clear)
    return digits[-4:] if len(digits) >= 4 else ""


# --- members -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRecord:
    id: int
    name: str | None
    birth_year: int | None
    gender: str | None
    origin_store_id: int | None
    phone_tail: str
    phone_hash: str = ""
    #: the keyed hashes of the member's plates (vehicles.repository.plate_hash): the batch blinds them per run
    vehicles: tuple[str, ...] = ()


@dataclass(frozen=True)
class FieldComparison:
    field: str
    agreement: FieldAgreement


@dataclass(frozen=True)
class PairComparison:
    fields: tuple[FieldComparison, ...]
    score: float  # 0..1, the share of the weight of known fields that agree (closeness counts half)

    @property
    def agree(self) -> list[str]:
        return [f.field for f in self.fields if f.agreement in (FieldAgreement.SAME, FieldAgreement.CLOSE)]

    @property
    def disagree(self) -> list[str]:
        return [f.field for f in self.fields if f.agreement is FieldAgreement.DIFFERENT]


#: Relative weights for the one-pair reading (the batch scorer's own weights are splink's, in linking.py).
MEMBER_WEIGHTS: dict[str, float] = {"name": 3.0, "pinyin": 2.0, "birth_year": 2.0, "gender": 1.0,
                                    "origin_store": 0.5, "phone": 2.0, "vehicle": 3.0}
UNDISCLOSED = "undisclosed"


def _exact(a: object, b: object) -> FieldAgreement:
    if a in (None, "", UNDISCLOSED) or b in (None, "", UNDISCLOSED):
        return FieldAgreement.UNKNOWN
    return FieldAgreement.SAME if a == b else FieldAgreement.DIFFERENT


def _birth_year(a: int | None, b: int | None) -> FieldAgreement:
    """Same year; or the digits swapped or one year apart (a lunar/solar slip, a typo) count as close."""
    if a is None or b is None:
        return FieldAgreement.UNKNOWN
    if a == b:
        return FieldAgreement.SAME
    if abs(a - b) == 1 or sorted(str(a)) == sorted(str(b)):
        return FieldAgreement.CLOSE
    return FieldAgreement.DIFFERENT


def _fuzzy(similarity: float, same: float = 0.999, close: float = 0.88) -> FieldAgreement:
    if similarity >= same:
        return FieldAgreement.SAME
    return FieldAgreement.CLOSE if similarity >= close else FieldAgreement.DIFFERENT


def compare_members(a: MemberRecord, b: MemberRecord) -> PairComparison:
    """Field by field: name (characters, simplified), pinyin, birth year, gender, origin store, phone, vehicle
    (the same plate on both: same; plates on both, none shared: different; none on either side: missing)."""
    if a.name and b.name and not is_honorific(a.name) and not is_honorific(b.name):
        sa, sb = simplified(a.name), simplified(b.name)
        name = (_fuzzy(JaroWinkler.similarity(sa, sb)) if has_han(sa) and has_han(sb) else FieldAgreement.UNKNOWN)
        pinyin = _fuzzy(JaroWinkler.similarity(pinyin_key(a.name), pinyin_key(b.name)))
    else:
        name = pinyin = FieldAgreement.UNKNOWN
    if a.phone_hash and a.phone_hash == b.phone_hash:
        phone = FieldAgreement.SAME
    elif a.phone_tail and b.phone_tail:
        phone = FieldAgreement.CLOSE if a.phone_tail == b.phone_tail else FieldAgreement.DIFFERENT
    else:
        phone = FieldAgreement.UNKNOWN
    fields = (FieldComparison("name", name), FieldComparison("pinyin", pinyin),
              FieldComparison("birth_year", _birth_year(a.birth_year, b.birth_year)),
              FieldComparison("gender", _exact(a.gender, b.gender)),
              FieldComparison("origin_store", _exact(a.origin_store_id, b.origin_store_id)),
              FieldComparison("phone", phone), FieldComparison("vehicle", _vehicle(a.vehicles, b.vehicles)))
    return PairComparison(fields, _weighted(fields, MEMBER_WEIGHTS))


def _vehicle(a: tuple[str, ...], b: tuple[str, ...]) -> FieldAgreement:
    if not a or not b:
        return FieldAgreement.UNKNOWN
    return FieldAgreement.SAME if set(a) & set(b) else FieldAgreement.DIFFERENT


def _weighted(fields: tuple[FieldComparison, ...], weights: dict[str, float]) -> float:
    known = [f for f in fields if f.agreement is not FieldAgreement.UNKNOWN]
    total = sum(weights[f.field] for f in known)
    if not total:
        return 0.0
    got = sum(weights[f.field] * (1.0 if f.agreement is FieldAgreement.SAME else 0.5) for f in known
              if f.agreement in (FieldAgreement.SAME, FieldAgreement.CLOSE))
    return round(got / total, 4)


# --- merchants and stores ------------------------------------------------------------------------------------

NEAR_METRES = 100.0
#: Places (merchants, stores) are few and reviewed by the operator: queue a pair from 0.6 of the weight of its
#: known fields — a similar name (the heaviest field) plus either the address or the location agreeing; a name
#: alone (e.g. two branches of one chain across town) stays below. Never merged automatically.
PLACE_REVIEW = 0.6


@dataclass(frozen=True)
class PlaceRecord:
    """A merchant or a store as compared: a merchant's coordinates are its first store's."""

    id: int
    name: str
    address: str = ""
    credit_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def address_similarity(a: str, b: str) -> float:
    """Token-set similarity of the simplified addresses (rapidfuzz), 0..1: word order and 号/號 do not matter."""
    sa, sb = simplified(a), simplified(b)
    if not sa or not sb:
        return 0.0
    return fuzz.token_set_ratio(" ".join(sa), " ".join(sb)) / 100.0


PLACE_WEIGHTS: dict[str, float] = {"credit_code": 5.0, "name": 3.0, "address": 2.0, "location": 2.0}


def compare_places(a: PlaceRecord, b: PlaceRecord) -> PairComparison:
    """Merchants and stores: the same credit code settles it (score 1.0); otherwise name (characters, pinyin,
    traditional/simplified), address and coordinates within NEAR_METRES."""
    code = _exact((a.credit_code or "").upper() or None, (b.credit_code or "").upper() or None)
    name = _fuzzy(name_similarity(a.name, b.name), close=0.85)
    address = (_fuzzy(address_similarity(a.address, b.address), same=0.95, close=0.8)
               if a.address and b.address else FieldAgreement.UNKNOWN)
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        location = FieldAgreement.UNKNOWN
    else:
        metres = distance_m(a.latitude or 0.0, a.longitude or 0.0, b.latitude or 0.0, b.longitude or 0.0)
        location = FieldAgreement.SAME if metres <= NEAR_METRES else FieldAgreement.DIFFERENT
    fields = (FieldComparison("credit_code", code), FieldComparison("name", name),
              FieldComparison("address", address), FieldComparison("location", location))
    if code is FieldAgreement.SAME:
        return PairComparison(fields, 1.0)
    return PairComparison(fields, _weighted(fields, PLACE_WEIGHTS))
