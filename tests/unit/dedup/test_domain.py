"""Pure rules of duplicate candidates: names, phones, field-by-field comparison, places, thresholds."""

from __future__ import annotations

import pytest

from lianmeng.dedup import domain
from lianmeng.dedup.domain import FieldAgreement, MemberRecord, PlaceRecord, ThresholdDecision, Thresholds


@pytest.mark.parametrize(("name", "pinyin"), [
    ("曾小凡", "zengxiaofan"),  # not ceng
    ("单田芳", "shantianfang"),  # not dan
    ("解晓东", "xiexiaodong"),  # not jie
    ("仇英", "qiuying"),  # not chou
    ("区志强", "ouzhiqiang"),  # not qu
    ("查良镛", "zhaliangyong"),  # not cha
    ("长孙无忌", "zhangsunwuji"),  # a compound surname
    ("吕绿", "lvlv"),
])
def test_surnames_read_as_surnames(name: str, pinyin: str) -> None:
    assert domain.pinyin_key(name) == pinyin


def test_a_surname_character_later_in_the_name_is_read_as_usual() -> None:
    assert domain.pinyin_key("王单") == "wangdan"


@pytest.mark.parametrize("typed", ["Zeng Xiaofan", "zengxiaofan", "ZENG XIAO FAN", "zeng-xiaofan", " zeng  xiaofan "])
def test_pinyin_as_people_type_it(typed: str) -> None:
    assert domain.pinyin_key(typed) == domain.pinyin_key("曾小凡") == "zengxiaofan"


def test_traditional_characters_read_as_simplified() -> None:
    assert domain.simplified("張偉") == "张伟"
    assert domain.simplified("陳 麗華") == "陈丽华"
    assert domain.pinyin_key("張偉") == domain.pinyin_key("张伟")
    assert domain.name_similarity("張偉", "张伟") == 1.0
    assert domain.name_similarity("张伟", "Zhang Wei") == 1.0
    assert domain.name_similarity("张伟", "李娜") < 0.7


def test_initials() -> None:
    assert domain.initials("张三丰") == "zsf"
    assert domain.initials("Zhang San") == "zs"


@pytest.mark.parametrize(("raw", "digits"), [
    ("+86 138-1234-5678", "13812345678"), ("8613812345678", "13812345678"), ("138 1234 5678", "13812345678"),
    ("12345", ""), ("02012345678", ""),
])
def test_phone_digits(raw: str, digits: str) -> None:
    assert domain.phone_digits(raw) == digits


def test_phone_tail_reads_the_masked_copy() -> None:
    assert domain.phone_tail("138****5678") == "5678"
    assert domain.phone_tail("***") == ""


def _m(id_: int, name: str | None, year: int | None = 1985, gender: str = "female", store: int | None = 1,
       tail: str = "1234") -> MemberRecord:
    return MemberRecord(id_, name, year, gender, store, tail)


def test_members_compared_field_by_field() -> None:
    same = domain.compare_members(_m(1, "曾小凡"), _m(2, "Zeng Xiaofan", store=2, tail="9999"))
    fields = {f.field: f.agreement for f in same.fields}
    assert fields["name"] is FieldAgreement.UNKNOWN  # one side has no characters to compare
    assert fields["pinyin"] is FieldAgreement.SAME
    assert fields["birth_year"] is FieldAgreement.SAME
    assert fields["origin_store"] is FieldAgreement.DIFFERENT
    assert fields["phone"] is FieldAgreement.DIFFERENT
    assert "pinyin" in same.agree and "phone" in same.disagree
    other = domain.compare_members(_m(1, "曾小凡"), _m(2, "李娜", year=1960, gender="male", store=2, tail="9999"))
    assert other.score < same.score
    assert other.agree == []


def test_birth_year_swapped_or_one_off_is_close() -> None:
    for a, b in ((1985, 1958), (1985, 1986)):
        fields = {f.field: f.agreement for f in domain.compare_members(_m(1, "张三", a), _m(2, "张三", b)).fields}
        assert fields["birth_year"] is FieldAgreement.CLOSE
    fields = {f.field: f.agreement for f in domain.compare_members(_m(1, "张三", 1985), _m(2, "张三", 1970)).fields}
    assert fields["birth_year"] is FieldAgreement.DIFFERENT


def test_undisclosed_gender_is_no_evidence() -> None:
    fields = {f.field: f.agreement for f in
              domain.compare_members(_m(1, "张三"), _m(2, "张三", gender="undisclosed")).fields}
    assert fields["gender"] is FieldAgreement.UNKNOWN


def test_places_with_the_same_credit_code_are_the_same() -> None:
    a = PlaceRecord(1, "老王汽修", "深南大道 1 号", "91440300MA5EXAMPLE", 22.54, 114.05)
    b = PlaceRecord(2, "王师傅汽车服务", "福田区 8 号", "91440300ma5example", 22.60, 114.10)
    assert domain.compare_places(a, b).score == 1.0


def test_places_by_name_address_and_distance() -> None:
    a = PlaceRecord(1, "張記茶餐廳", "深圳市福田區深南大道1號", None, 22.5400, 114.0500)
    b = PlaceRecord(2, "张记茶餐厅", "深圳市福田区深南大道1号", None, 22.5405, 114.0503)  # ~60 m away
    near = domain.compare_places(a, b)
    assert {f.field: f.agreement for f in near.fields}["location"] is FieldAgreement.SAME
    assert near.score >= domain.PLACE_REVIEW
    far = PlaceRecord(3, "张记茶餐厅", "深圳市南山区科技园 9 号", None, 22.5400, 113.9500)  # a branch ~10 km away
    assert domain.compare_places(a, far).score < domain.PLACE_REVIEW
    pinyin = PlaceRecord(4, "Zhangji Chacanting", "深圳市福田区深南大道1号", None, 22.5401, 114.0501)
    assert domain.compare_places(b, pinyin).score >= domain.PLACE_REVIEW


def test_thresholds() -> None:
    t = Thresholds(review=0.5, auto=0.99, auto_merge=True)
    assert domain.decide(0.995, t) is ThresholdDecision.AUTO_MERGE
    assert domain.decide(0.99, t) is ThresholdDecision.AUTO_MERGE
    assert domain.decide(0.7, t) is ThresholdDecision.REVIEW
    assert domain.decide(0.5, t) is ThresholdDecision.REVIEW
    assert domain.decide(0.49, t) is ThresholdDecision.IGNORE
    # an alliance that has not turned automatic merging on reviews even the surest pairs
    assert domain.decide(0.999, Thresholds(review=0.5, auto=0.99)) is ThresholdDecision.REVIEW
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(review=0.9, auto=0.5)
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(review=0.0, auto=0.5)


def test_a_courtesy_name_is_not_a_name() -> None:
    assert domain.is_honorific("付女士") and domain.is_honorific("王先生") and domain.is_honorific("歐陽小姐")
    assert not domain.is_honorific("付丽") and not domain.is_honorific("Wang Xiansheng")
    fields = {f.field: f.agreement for f in domain.compare_members(_m(1, "范女士"), _m(2, "范女士")).fields}
    assert fields["name"] is FieldAgreement.UNKNOWN and fields["pinyin"] is FieldAgreement.UNKNOWN


@pytest.mark.parametrize(("word", "syllables"), [
    ("zengxiaofan", ("zeng", "xiao", "fan")),
    ("zhangsan", ("zhang", "san")),
    ("xian", ("xian",)),  # one syllable beats xi·an
    ("fangan", ("fan", "gan")),  # unmarked, a name reads fan·gan (pinyin writes fang'an for the other)
    ("lvlv", ("lv", "lv")),
    ("john", ("john",)),  # not pinyin: stays whole
    ("abc123", ("abc123",)),
])
def test_pinyin_typed_without_spaces_splits_into_syllables(word: str, syllables: tuple[str, ...]) -> None:
    assert domain.split_syllables(word) == syllables


def test_a_name_in_pinyin_has_the_syllables_of_the_same_name_in_characters() -> None:
    assert domain.pinyin_syllables("zengxiaofan") == domain.pinyin_syllables("曾小凡") == ["zeng", "xiao", "fan"]
    assert domain.pinyin_syllables("Zeng Xiaofan") == ["zeng", "xiao", "fan"]
