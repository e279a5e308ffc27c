"""`lianmeng bench dedup`: duplicate members found at scale, precision and recall against a generated truth.

It generates N member records, 5% of them duplicates of another record with the variation real enrolments carry,
and runs `dedup.linking.find_member_pairs` on them — the function `dedup.service.run` runs on an alliance's
members — at the default review threshold. No database: the rows the product reads from PostgreSQL are made here.

* People: a surname drawn from 100 surnames with a skew (王, 李, 张 … are common), a given name of one (10%) or
  two characters: 300 name characters with a skew (70% of draws), the rest of GB 2312 level 1 as a long tail (30%);
  birth years 1950–2006; gender; one of 3,000 stores; a phone's last 4 digits.
* Households (2% of people): a relative with the same surname, store and a birth year far apart — a hard
  non-duplicate.
* Duplicates (5% of records): the same person enrolled again, nearly always at another store and always with
  another phone (a phone is unique per alliance): a mistyped number (same last digits, 40%), a relative's phone
  (a household's, when there is one) or a new one. Each carries one or two of: a typo in the name (a homophone
  mostly, as a pinyin input method makes them), the name in pinyin ("Zeng Xiaofan", "zengxiaofan") or in
  traditional characters, a birth year with its last digits swapped or one off, gender not given.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from zhconv import convert

from lianmeng.dedup import domain
from lianmeng.dedup.domain import MemberRecord
from lianmeng.dedup.linking import ScoredPair, find_member_pairs

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向单解")
GIVEN = ("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红鹏辉建林波宁飞斌宇浩凯健俊帆帅旭晨阳鑫琳婷雪"
         "慧颖欣怡佳梅莉倩晶燕丹蕾薇瑶璐晓文博志海东峰成亮龙云天翔子轩涵睿思雨萱泽宏彬兵鸿昊然嘉瑞瑾琪琦毅晖"
         "诚坤立国庆春秋冬夏兴安岩石松柏竹菊荷莲凤凰鹤鹰龙虎豹熊猫金银铜铁锋锐勋章彤丰露霏霖雯雅蓉蕊馨茜媛"
         "清澄澈洁净润泽源渊淼森栋梓桐楠楷杉槐榕桦樱桃杏梨橙柚青蓝紫朱赤丹彩虹星月日晴朗昕晞曦旭昭晗暄")
SHARE = 0.05


def _common_characters() -> str:
    """GB 2312 level 1: the 3,755 most common characters, the long tail of given names."""
    chars = []
    for high in range(0xB0, 0xD8):
        for low in range(0xA1, 0xFF):
            try:
                chars.append(bytes((high, low)).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(chars)


@dataclass(frozen=True)
class DedupConfig:
    records: int = 1_000_000
    seed: int = 14
    stores: int = 3_000


def _zipf_weights(n: int, s: float) -> list[float]:
    return [1.0 / (i + 1) ** s for i in range(n)]


class _Generator:
    def __init__(self, config: DedupConfig) -> None:
        self.rng = random.Random(config.seed)
        self.config = config
        self.surname_w = _zipf_weights(len(SURNAMES), 0.6)  # 王 ≈ 5%, the top 100 as in the census
        tail = "".join(c for c in _common_characters() if c not in GIVEN)
        self.given = GIVEN + tail  # name characters first (skewed), the common characters after them
        named = _zipf_weights(len(GIVEN), 0.4)
        self.given_w = named + [sum(named) * 0.3 / 0.7 / len(tail)] * len(tail)  # the long tail: 30% of draws
        by_sound: dict[str, list[str]] = {}
        for char in GIVEN:
            by_sound.setdefault(domain.pinyin_key(char), []).append(char)
        self.homophones = {c: [o for o in by_sound[domain.pinyin_key(c)] if o != c] for c in GIVEN}

    def name(self, surname: str | None = None) -> str:
        rng = self.rng
        surname = surname or rng.choices(SURNAMES, self.surname_w)[0]
        length = 1 if rng.random() < 0.1 else 2
        return surname + "".join(rng.choices(self.given, self.given_w, k=length))

    def person(self, member_id: int) -> MemberRecord:
        rng = self.rng
        return MemberRecord(member_id, self.name(), rng.randint(1950, 2006), rng.choice(("male", "female")),
                            rng.randint(1, self.config.stores), f"{rng.randint(0, 9999):04d}")

    def relative(self, member_id: int, of: MemberRecord) -> MemberRecord:
        rng = self.rng
        year = (of.birth_year or 1980) + rng.choice((-1, 1)) * rng.randint(20, 30)
        return MemberRecord(member_id, self.name((of.name or "王")[0]), year, rng.choice(("male", "female")),
                            of.origin_store_id, f"{rng.randint(0, 9999):04d}")

    def _typo(self, name: str) -> str:
        """A wrong character in the given name: a homophone mostly (a pinyin input method's slip), another
        character sometimes."""
        rng = self.rng
        at = rng.randint(1, len(name) - 1)
        options = self.homophones.get(name[at]) or []
        swap = rng.choice(options) if options and rng.random() < 0.8 else rng.choice(self.given)
        return name[:at] + swap + name[at + 1:]

    def _script(self, name: str) -> str:
        """The name typed in pinyin ("Zeng Xiaofan", "zengxiaofan", "ZENG XIAO FAN") or in traditional
        characters (a Hong Kong or Taiwan clerk's keyboard)."""
        rng = self.rng
        style = rng.random()
        syllables = domain.pinyin_syllables(name)
        if style < 0.25:
            return syllables[0].capitalize() + " " + "".join(syllables[1:]).capitalize()
        if style < 0.5:
            return "".join(syllables)
        if style < 0.6:
            return " ".join(s.upper() for s in syllables)
        return str(convert(name, "zh-tw"))

    def duplicate(self, member_id: int, of: MemberRecord, household: MemberRecord | None) -> MemberRecord:
        rng = self.rng
        name, year, gender = of.name or "", of.birth_year or 1980, of.gender
        variations = set(rng.sample(("typo", "script", "year", "gender"), k=1 if rng.random() < 0.75 else 2))
        if "typo" in variations:
            name = self._typo(name)
        if "script" in variations:
            name = self._script(name)
        if "year" in variations:
            text = str(year)
            year = int(text[:2] + text[3] + text[2]) if rng.random() < 0.5 else year + rng.choice((-1, 1))
        if "gender" in variations:
            gender = "undisclosed"
        roll = rng.random()
        if roll < 0.4:
            tail = of.phone_tail  # the number mistyped in the middle
        elif roll < 0.7 and household is not None:
            tail = household.phone_tail  # a relative's phone
        else:
            tail = f"{rng.randint(0, 9999):04d}"
        store = of.origin_store_id if rng.random() < 0.15 else rng.randint(1, self.config.stores)
        return MemberRecord(member_id, name, year, gender, store, tail)

    def generate(self) -> tuple[list[MemberRecord], set[tuple[int, int]]]:
        n = self.config.records
        duplicates = int(n * SHARE)
        people: list[MemberRecord] = []
        households: dict[int, MemberRecord] = {}
        while len(people) < n - duplicates:
            person = self.person(len(people) + 1)
            people.append(person)
            if self.rng.random() < 0.02 and len(people) < n - duplicates:
                relative = self.relative(len(people) + 1, person)
                people.append(relative)
                households[person.id] = relative
        truth: set[tuple[int, int]] = set()
        records = list(people)
        for original in self.rng.sample(people, duplicates):
            dup = self.duplicate(len(records) + 1, original, households.get(original.id))
            records.append(dup)
            truth.add((original.id, dup.id))
        self.rng.shuffle(records)
        return records, truth


#: The review thresholds the bench also reports, to show the trade-off the default sits on.
CURVE = (0.05, 0.2, 0.5, 0.6, 0.8, 0.95, 0.99)


def run_dedup_bench(config: DedupConfig) -> dict[str, Any]:
    """Generate, find candidates as the product does, compare with the truth."""
    started = time.perf_counter()
    records, truth = _Generator(config).generate()
    generated_s = time.perf_counter() - started
    started = time.perf_counter()
    found = find_member_pairs(records, min(CURVE), seed=config.seed)
    seconds = time.perf_counter() - started
    predicted = {(p.left_id, p.right_id) for p in found if p.score >= domain.DEFAULT_REVIEW}
    hits = len(predicted & truth)
    auto = {(p.left_id, p.right_id) for p in found if p.score >= domain.DEFAULT_AUTO}
    return {
        "records": len(records),
        "duplicates": len(truth),
        "seconds": round(seconds, 2),
        "generate_seconds": round(generated_s, 2),
        "pairs": len(predicted),
        "precision": round(hits / len(predicted), 4) if predicted else 1.0,
        "recall": round(hits / len(truth), 4) if truth else 1.0,
        "auto_pairs": len(auto),
        "auto_precision": round(len(auto & truth) / len(auto), 4) if auto else 1.0,
        "curve": [_point(found, truth, threshold) for threshold in CURVE],
    }


def _point(found: list[ScoredPair], truth: set[tuple[int, int]], threshold: float) -> dict[str, float]:
    """Precision and recall had the review threshold been `threshold` (how docs/dedup.md chose the default)."""
    kept = {(p.left_id, p.right_id) for p in found if p.score >= threshold}
    hits = len(kept & truth)
    return {"threshold": threshold, "pairs": len(kept), "precision": round(hits / len(kept), 4) if kept else 1.0,
            "recall": round(hits / len(truth), 4) if truth else 1.0}
