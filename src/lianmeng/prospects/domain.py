"""Pure rules of a prospect's overlap: the invitation's salt and the keyed hash, reading an upload line by line, the
noised and suppressed release of the counts, and the per-prospect query budget. No session, clock or I/O: the
prospect's own machine runs the hashing half of this module (`lianmeng overlap hash`).

The numbers are documented (and argued) in docs/prospect-overlap.md:

* k = 10 (`overlap.domain.K_MIN`): an upload with fewer distinct hashes is refused (it would single people out) and
  every released cell below k reads "< 10".
* MIN_UPLOAD = 100 distinct hashes: the smallest list whose overlap is computed at all (differencing needs small,
  hand-made lists; this makes every one of them carry at least 100 entries).
* EPSILON = 1.0 per computation, spread over all the cells it releases: one person in the upload changes each
  merchant cell and the alliance-wide cell by at most 1, so the L1 sensitivity is (merchants + 1) and each cell gets
  discrete Laplace noise of scale (merchants + 1) / EPSILON.
* QUERY_BUDGET = 3 computations per prospect, ever: the privacy loss a prospect can accumulate is 3 × EPSILON.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hmac
import io
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import phonenumbers

from lianmeng.kit.vocab import LabelledEnum, pairs
from lianmeng.overlap.domain import K_MIN

MIN_UPLOAD = 100
MAX_HASHES = 200_000
HASH_HEADER = "hash"
HASH_HEX_LENGTH = 64  # HMAC-SHA256, hex
MAX_UPLOAD_BYTES = (MAX_HASHES + 1) * (HASH_HEX_LENGTH + 2) + 1024  # CRLF lines, a header and a BOM
PURGE_WITHIN_HOURS = 24  # no member index outlives its invitation's start by more than this
INVITATION_HOURS = PURGE_WITHIN_HOURS - 1  # an invitation is open this long at most; the jobs purge it the next run
EPSILON = 1.0
QUERY_BUDGET = 3
SALT_BYTES = 32
SUPPRESSED = f"< {K_MIN}"


# --- vocabularies ---------------------------------------------------------------------------------------------


class InvitationStatus(LabelledEnum):
    OPEN = "open", "可上传", "Open"
    SPENT = "spent", "查询次数已用完", "Query budget spent"  # the prospect's query budget is used up
    EXPIRED = "expired", "已过期", "Expired"


class AuditEvent(LabelledEnum):
    INVITED = "invited", "发出邀请", "Invited"
    COMPUTED = "computed", "计算重合度", "Overlap computed"
    PURGED = "purged", "清除哈希", "Hashes purged"


class UploadProblem(LabelledEnum):
    NOT_UTF8 = "not_utf8", "文件不是 UTF-8 文本", "The file is not UTF-8 text"
    WRONG_COLUMNS = (
        "wrong_columns", f"应只有一列,表头为 {HASH_HEADER}", f"Expected exactly one column, headed {HASH_HEADER}",
    )
    BAD_HASH = "bad_hash", "不是 64 位十六进制哈希值", "Not a 64-character hexadecimal hash"
    PHONE_NOT_HASH = (
        "phone_not_hash", "这一行像是手机号:只能上传哈希值,请先用 lianmeng overlap hash 处理",
        "This line looks like a phone number: upload only hashes made by `lianmeng overlap hash`",
    )
    DUPLICATE = "duplicate", "与前面某行重复", "Duplicates an earlier line"
    EMPTY = "empty", "文件中没有哈希值", "The file holds no hashes"
    TOO_MANY = "too_many", f"哈希值超过 {MAX_HASHES:,} 个", f"More than {MAX_HASHES:,} hashes"


INVITATION_STATUS_LABELS: dict[InvitationStatus, tuple[str, str]] = pairs(InvitationStatus)
AUDIT_EVENT_LABELS: dict[AuditEvent, tuple[str, str]] = pairs(AuditEvent)
UPLOAD_PROBLEM_LABELS: dict[UploadProblem, tuple[str, str]] = pairs(UploadProblem)


# --- the salt and the keyed hash ------------------------------------------------------------------------------


def new_salt() -> str:
    """A fresh random key for one invitation (32 bytes from the OS, URL-safe base64): never derived from the
    platform's secret, so a prospect's hashes are useless against any other invitation or table."""
    return base64.urlsafe_b64encode(secrets.token_bytes(SALT_BYTES)).decode().rstrip("=")


def salt_key(salt: str) -> bytes | None:
    """The key bytes of a salt as printed on an invitation, or None when it is not one."""
    text = salt.strip()
    if not text or len(text) > 64 or not text.isascii():
        return None
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == SALT_BYTES else None


def normalize_e164(raw: str, region: str = "CN") -> str | None:
    """A phone number as E.164 ('+8613812345678'), or None when phonenumbers does not find a valid number."""
    text = raw.strip()
    if not text or len(text) > 32:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def member_e164(national: str) -> str:
    """A member's stored phone (members keep mainland mobiles as 11 national digits) in E.164, as
    `normalize_e164` writes it: parsing 2 M numbers one by one would cost a minute, so the prefix is added."""
    return f"+86{national}"


def overlap_digest(key: bytes, e164: str) -> bytes:
    """HMAC-SHA256 of the E.164 number under the invitation's key (the standard library's one-shot HMAC)."""
    return hmac.digest(key, e164.encode(), "sha256")


def digest_key(digest: bytes) -> int:
    """The first 64 bits of a hash, as the signed BIGINT the member index is keyed by. Two different phones share a
    key with probability 2⁻⁶⁴: for 100,000 uploaded hashes against 2 M members, ~10⁻⁸ expected false matches."""
    return int.from_bytes(digest[:8], "big", signed=True)


@dataclass(frozen=True)
class CustomerList:
    """What `lianmeng overlap hash` read from a customer file: E.164 numbers (deduplicated) and the lines it
    skipped, by number (never echoing their content)."""

    numbers: list[str]
    skipped_lines: list[int]
    duplicates: int


PHONE_HEADERS = ("phone", "mobile", "tel", "telephone", "手机", "手机号", "手机号码", "电话")


def read_customers(text: str, column: str | None = None, region: str = "CN") -> CustomerList:
    """Phones from a customer CSV: the column named `column`, else the first whose header reads like a phone
    column, else (no such header) the first column of every line."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    index, start = 0, 0
    if rows:
        header = [cell.strip().lower() for cell in rows[0]]
        wanted = [column.strip().lower()] if column else list(PHONE_HEADERS)
        found = next((i for i, name in enumerate(header) if name in wanted), None)
        if found is not None:
            index, start = found, 1
        elif column:
            raise ValueError(f"no column named {column!r}")
    numbers: dict[str, None] = {}
    skipped: list[int] = []
    duplicates = 0
    for line_no, row in enumerate(rows[start:], start + 1):
        if not any(cell.strip() for cell in row):
            continue
        number = normalize_e164(row[index], region) if index < len(row) else None
        if number is None:
            skipped.append(line_no)
        elif number in numbers:
            duplicates += 1
        else:
            numbers[number] = None
    return CustomerList(sorted(numbers), skipped, duplicates)


def hash_file_lines(key: bytes, numbers: Sequence[str]) -> list[str]:
    """The upload file's lines: the header, then one hex hash per number, sorted (the order of the customer file
    says nothing then)."""
    return [HASH_HEADER, *sorted(overlap_digest(key, n).hex() for n in numbers)]


# --- reading an upload ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineProblem:
    line: int  # 1-based; 0 = the file as a whole
    problem: UploadProblem
    first_line: int | None = None  # for a duplicate: where the value was first seen


@dataclass(frozen=True)
class ReadUpload:
    digests: list[bytes]
    problems: list[LineProblem]


_HEX = frozenset("0123456789abcdef")


def _looks_like_phone(value: str) -> bool:
    digits = value.replace("+", "").replace("-", "").replace(" ", "")
    return digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 15


def read_upload(raw: bytes) -> ReadUpload:
    """Every hash of an upload, or every problem, line by line. One column headed `hash`, one 64-character hex
    value per line (either case), no repeats; blank lines are ignored. The report never repeats a line's content
    (it might be a phone)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return ReadUpload([], [LineProblem(0, UploadProblem.NOT_UTF8)])
    lines = text.splitlines()
    problems: list[LineProblem] = []
    header = lines[0].strip().lower() if lines else ""
    if header != HASH_HEADER:
        problems.append(LineProblem(1, UploadProblem.WRONG_COLUMNS))
    seen: dict[bytes, int] = {}
    for line_no, line in enumerate(lines[1:], 2):
        value = line.strip().lower()
        if not value:
            continue
        if "," in value or ";" in value or "\t" in value:
            problems.append(LineProblem(line_no, UploadProblem.WRONG_COLUMNS))
        elif len(value) != HASH_HEX_LENGTH or not _HEX.issuperset(value):
            kind = UploadProblem.PHONE_NOT_HASH if _looks_like_phone(value) else UploadProblem.BAD_HASH
            problems.append(LineProblem(line_no, kind))
        else:
            digest = bytes.fromhex(value)
            if digest in seen:
                problems.append(LineProblem(line_no, UploadProblem.DUPLICATE, seen[digest]))
            else:
                seen[digest] = line_no
    if not seen and not problems:
        problems.append(LineProblem(0, UploadProblem.EMPTY))
    if len(seen) > MAX_HASHES:
        problems.append(LineProblem(0, UploadProblem.TOO_MANY))
    return ReadUpload([] if problems else list(seen), problems)


def size_refusal(distinct: int) -> str | None:
    """Why a well-formed upload is not computed: below k it would single people out; below MIN_UPLOAD it is the
    small hand-made list differencing needs."""
    if distinct < K_MIN:
        return "overlap_upload_below_k"
    if distinct < MIN_UPLOAD:
        return "overlap_upload_too_small"
    return None


# --- the release: noise, then suppression ---------------------------------------------------------------------


def noise_scale(cells: int, epsilon: float = EPSILON) -> float:
    """Laplace scale b = Δ₁ / ε, where Δ₁ = `cells`: one person changes every cell by at most 1."""
    return cells / epsilon


def secure_rng() -> np.random.Generator:
    """numpy's PCG64 seeded with 128 bits from the OS (`secrets`), a new one per computation."""
    return np.random.default_rng(secrets.randbits(128))


def discrete_laplace(rng: np.random.Generator, scale: float, size: int) -> np.ndarray:
    """Integer noise with P(x) ∝ exp(−|x| / scale) — the two-sided geometric mechanism (Ghosh, Roughgarden &
    Sundararajan 2009), the integer form of Laplace: the difference of two geometric draws."""
    p = 1.0 - math.exp(-1.0 / scale)
    return rng.geometric(p, size) - rng.geometric(p, size)


def release(exact: Sequence[int], rng: np.random.Generator, ceiling: int, epsilon: float = EPSILON,
            k: int = K_MIN) -> list[int | None]:
    """The published cells: each exact count plus noise of scale len(exact)/ε, clamped to [0, ceiling] (the upload's
    size), and None (shown "< 10") below k. Clamping and suppression come after the noise, so they cost no privacy.
    Exact counts are never kept."""
    noise = discrete_laplace(rng, noise_scale(len(exact), epsilon), len(exact))
    out: list[int | None] = []
    for count, e in zip(exact, noise.tolist(), strict=True):
        noisy = min(max(count + int(e), 0), ceiling)
        out.append(noisy if noisy >= k else None)
    return out


def shown(shared: int | None) -> str:
    """A released cell as every view and export prints it."""
    return SUPPRESSED if shared is None else f"{shared:,}"


def share_pct(shared: int | None, base: int) -> float | None:
    if shared is None or base <= 0:
        return None
    return round(min(100.0, 100.0 * shared / base), 1)


# --- the budget -----------------------------------------------------------------------------------------------


def budget_left(computations: int, budget: int = QUERY_BUDGET) -> int:
    return max(0, budget - computations)


def advantage_bound(epsilon_spent: float) -> float:
    """The most an ε-DP release can help anyone tell "member" from "not member" for one person: for any decision
    rule, P(yes | member) − P(yes | not) ≤ (e^ε − 1)/(e^ε + 1) = tanh(ε/2)."""
    return math.tanh(epsilon_spent / 2)


def invitation_status(now: datetime, expires_at: datetime, computations: int,
                      budget: int = QUERY_BUDGET) -> InvitationStatus:
    if budget_left(computations, budget) == 0:
        return InvitationStatus.SPENT
    if now >= expires_at:
        return InvitationStatus.EXPIRED
    return InvitationStatus.OPEN
