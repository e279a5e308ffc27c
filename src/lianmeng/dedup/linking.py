"""Batch candidate finding for members with splink (Fellegi–Sunter record linkage, DuckDB in-process).

The one path both the product (`service.run`) and `lianmeng bench dedup` take: rows in, scored pairs out.

What DuckDB sees: the member id, the simplified name, its pinyin key and initials, birth year, gender, origin store
and the phone's last four digits (from the masked copy). Never a clear phone, never the phone's keyed hash. Plates
only as tokens blinded for one run (an HMAC of the stored keyed hash under a random key made for the run and then
forgotten): equal within the run, meaningless outside it, different in the next.

Scoring: the m probabilities (how often a field agrees when two records are the same person) are set here from
how duplicates arise (docs/dedup.md); the u probabilities (how often it agrees by chance) are measured on the
alliance's own members by random sampling, and name agreement is adjusted by the name's frequency (a shared
王伟 is weaker evidence than a shared 单田芳). The u probabilities written here serve a small alliance (below
FREQUENCIES_FROM members), where sampling would mostly see the duplicates themselves, and any level sampling never
meets. No training run: the scores are stable from one run to the next.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from lianmeng.dedup import domain
from lianmeng.dedup.domain import MemberRecord

#: Blocking rules: a pair is scored when it shares at least one. Together they catch a duplicate with any one
#: field wrong (a typo in the name, a swapped birth year, another phone, another store).
BLOCKING = (
    ("pinyin", "birth_year"),
    ("initials", "birth_year", "gender"),
    ("phone_tail", "birth_year"),
    ("phone_tail", "initials"),
    ("pinyin", "origin_store_id"),
    ("pinyin", "phone_tail"),
    ("pinyin", "gender"),
    ("head", "birth_year"),  # a typo in the last character keeps the first two
    ("ends", "birth_year"),  # a typo in the middle keeps the surname and the last
)
#: A pair sharing a plate is scored whatever else differs (each of a member's plates blocks on its own).
VEHICLE_BLOCKING = block_on("vehicles", arrays_to_explode=["vehicles"])
logging.getLogger("splink").setLevel(logging.WARNING)  # its INFO lines narrate every step of every run
SAMPLE_PAIRS = 2_000_000
#: Frequencies and chance agreement mean something only in a large population: among 11 members a name seen
#: twice would count as common, and the sampled pairs would include the duplicates themselves. Below this many
#: members the written u probabilities are used and every agreeing name weighs the same.
FREQUENCIES_FROM = 5_000  # u estimation; ≥ a million gives stable u even for the rare levels


@dataclass(frozen=True)
class ScoredPair:
    left_id: int  # the smaller id
    right_id: int
    score: float  # splink's match probability


def blind(run_key: bytes, plate_hash: str) -> str:
    """A plate's token for one run: stable within the run (equal plates meet), unlinkable across runs."""
    return hmac.new(run_key, plate_hash.encode(), hashlib.sha256).hexdigest()[:32]


def member_row(record: MemberRecord, run_key: bytes | None = None) -> dict[str, Any]:
    """The columns DuckDB gets for one member (nothing else leaves the database). Plates only with a run's key."""
    name = domain.simplified(record.name) if record.name and not domain.is_honorific(record.name) else ""
    chars = name if name and domain.has_han(name) else None
    syllables = domain.pinyin_syllables(name) if name else []
    pinyin = "".join(syllables)
    return {
        "unique_id": record.id,
        "name_chars": chars,
        "pinyin": pinyin or None,
        "initials": "".join(s[0] for s in syllables) or None,
        "head": "".join(syllables[:2]) if len(syllables) > 2 else None,
        "ends": syllables[0] + syllables[-1] if len(syllables) > 2 else None,
        "birth_year": record.birth_year,
        "gender": None if record.gender in (None, "", domain.UNDISCLOSED) else record.gender,
        "origin_store_id": record.origin_store_id,
        "phone_tail": record.phone_tail or None,
        "vehicles": sorted(blind(run_key, h) for h in record.vehicles) if run_key and record.vehicles else None,
    }


def _name_comparison(frequencies: bool) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.And(cll.NullLevel("pinyin"), cll.NullLevel("name_chars")),
            cll.ExactMatchLevel("name_chars", term_frequency_adjustments=frequencies).configure(
                m_probability=0.70, u_probability=0.0001),
            cll.ExactMatchLevel("pinyin", term_frequency_adjustments=frequencies).configure(
                m_probability=0.15, u_probability=0.0001),
            cll.JaroWinklerLevel("pinyin", 0.90).configure(m_probability=0.10, u_probability=0.005),
            cll.JaroWinklerLevel("name_chars", 0.80).configure(m_probability=0.03, u_probability=0.02),
            cll.ElseLevel().configure(m_probability=0.02, u_probability=0.974),
        ],
    )


def _birth_year_comparison() -> cl.CustomComparison:
    swapped = ("list_sort(string_split(CAST(birth_year_l AS VARCHAR), '')) = "
               "list_sort(string_split(CAST(birth_year_r AS VARCHAR), ''))")
    return cl.CustomComparison(
        output_column_name="birth_year",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_year").configure(m_probability=0.85, u_probability=0.018),
            cll.CustomLevel(f"abs(birth_year_l - birth_year_r) = 1 OR {swapped}", "close").configure(
                m_probability=0.12, u_probability=0.06),
            cll.ElseLevel().configure(m_probability=0.03, u_probability=0.922),
        ],
    )


def _exact(column: str, m_same: float, u_same: float) -> cl.CustomComparison:
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[cll.NullLevel(column),
                           cll.ExactMatchLevel(column).configure(m_probability=m_same, u_probability=u_same),
                           cll.ElseLevel().configure(m_probability=1 - m_same, u_probability=1 - u_same)],
    )


def _vehicle_comparison() -> cl.CustomComparison:
    """The same plate on both records. m: about 0.3 of duplicates that both have a plate share one (most of a
    person's second enrolments are at merchants that never see the car); u: two people share a plate only in a
    household (both drive the car) or through a mistyped record: rare among a million members."""
    return cl.CustomComparison(
        output_column_name="vehicle",
        comparison_levels=[
            cll.NullLevel("vehicles"),
            cll.ArrayIntersectLevel("vehicles", 1).configure(m_probability=0.3, u_probability=0.00001),
            cll.ElseLevel().configure(m_probability=0.7, u_probability=0.99999),
        ],
    )


def settings(records: int) -> SettingsCreator:
    """The model. The prior (two random members are the same person) assumes about 5% of members are
    duplicates: 0.05·n pairs among n(n−1)/2."""
    prior = min(0.5, 0.1 / max(records - 1, 1))
    return SettingsCreator(
        link_type="dedupe_only",
        probability_two_random_records_match=prior,
        blocking_rules_to_generate_predictions=[*(block_on(*rule) for rule in BLOCKING), VEHICLE_BLOCKING],
        comparisons=[
            _name_comparison(records >= FREQUENCIES_FROM),
            _birth_year_comparison(),
            _exact("gender", 0.97, 0.5),  # a clerk's slip, rarely
            _exact("origin_store_id", 0.15, 0.05),  # the same person mostly enrols again elsewhere
            _exact("phone_tail", 0.45, 0.0001),  # never the same phone (unique); a mistyped one keeps its tail
            _vehicle_comparison(),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )


def _parts(column: str, value: str) -> list[str]:
    """A name's parts: its characters, or its pinyin syllables (the first one the surname)."""
    return list(value) if column == "name_chars" else list(domain.split_syllables(value))


def name_frequencies(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """How often a name occurs by chance, for splink's term-frequency adjustment.

    Counted as is, a rare name seen twice has a frequency of 2/n — but the second holder is usually the duplicate
    itself, so the count says more about duplicates than about chance. The chance that another person carries the
    name is read instead from the name's parts: the surname's frequency among surnames times each given-name
    part's frequency among given-name parts, times how often given names have that length (parts are common, so
    their frequencies are well measured). A common name keeps its own count, less the one duplicate it may hold:
    the frequency is the larger of the two, max(parts, (count − 2)/n).
    """
    values = frame[column].dropna()
    n = max(len(frame), 1)
    counts = values.value_counts()
    parts = {value: _parts(column, value) for value in counts.index}
    weighted = [(parts[value], int(count)) for value, count in counts.items() if parts[value]]
    surnames: dict[str, int] = {}
    given: dict[str, int] = {}
    lengths: dict[int, int] = {}
    for split, count in weighted:
        surnames[split[0]] = surnames.get(split[0], 0) + count
        lengths[len(split)] = lengths.get(len(split), 0) + count
        for part in split[1:]:
            given[part] = given.get(part, 0) + count
    people, given_total = max(sum(surnames.values()), 1), max(sum(given.values()), 1)
    rows = []
    for value, count in counts.items():
        split = parts[value]
        chance = surnames.get(split[0], 0) / people * lengths.get(len(split), 0) / people if split else 0.0
        for part in split[1:]:
            chance *= given.get(part, 0) / given_total
        rows.append((value, max(chance, (int(count) - 2) / n, 1.0 / n / n)))
    return pd.DataFrame(rows, columns=[column, f"tf_{column}"])


def find_member_pairs(records: Iterable[MemberRecord], threshold: float, seed: int = 14) -> list[ScoredPair]:
    """Score every pair sharing a blocking key; keep those at or above `threshold` (the review threshold)."""
    run_key = secrets.token_bytes(32)  # blinds plates for this run only; never stored
    frame = pd.DataFrame([member_row(r, run_key) for r in records])
    if len(frame) < 2:
        return []
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    frame["origin_store_id"] = frame["origin_store_id"].astype("Int64")
    linker = Linker(frame, settings(len(frame)), db_api=DuckDBAPI())
    if len(frame) >= FREQUENCIES_FROM:
        for column in ("name_chars", "pinyin"):
            linker.table_management.register_term_frequency_lookup(  # type: ignore[no-untyped-call]
                name_frequencies(frame, column), column)
        linker.training.estimate_u_using_random_sampling(max_pairs=SAMPLE_PAIRS, seed=seed)
    predicted = linker.inference.predict(threshold_match_probability=threshold)
    rows = predicted.as_duckdbpyrelation().select("unique_id_l, unique_id_r, match_probability").fetchall()
    pairs = [ScoredPair(min(a, b), max(a, b), float(p)) for a, b, p in rows]
    pairs.sort(key=lambda pair: (-pair.score, pair.left_id, pair.right_id))
    return pairs
