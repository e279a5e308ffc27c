"""The pure rules of a prospect's overlap: salt, normalisation, keyed hash, reading an upload, the release."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pytest

from lianmeng.kit import crypto
from lianmeng.members.domain import normalize_phone
from lianmeng.overlap.domain import K_MIN
from lianmeng.prospects import domain
from lianmeng.prospects.domain import UploadProblem

KEY = bytes(range(32))


def test_each_salt_is_a_fresh_random_key_of_its_own() -> None:
    salts = {domain.new_salt() for _ in range(50)}
    assert len(salts) == 50
    keys = [domain.salt_key(s) for s in salts]
    assert all(k is not None and len(k) == 32 for k in keys)
    assert crypto.derive_key("phone-lookup") not in keys  # never the platform's lookup key


@pytest.mark.parametrize("bad", ["", "short", "x" * 80, "不是盐值", "!!!!"])
def test_a_salt_that_is_not_one_is_refused(bad: str) -> None:
    assert domain.salt_key(bad) is None


@pytest.mark.parametrize("raw", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "8613812345678",
                                 "(+86)13812345678"])
def test_phones_normalise_to_e164_like_the_members_stored_form(raw: str) -> None:
    assert domain.normalize_e164(raw) == "+8613812345678"
    stored = normalize_phone(raw)
    assert stored is not None and domain.member_e164(stored) == domain.normalize_e164(raw)


@pytest.mark.parametrize("raw", ["", "12345", "not a phone", "1381234567", "+1 202-555-01"])
def test_what_is_not_a_number_is_none(raw: str) -> None:
    assert domain.normalize_e164(raw) is None


def test_the_digest_is_the_standard_hmac_sha256() -> None:
    expected = hmac.new(KEY, b"+8613812345678", hashlib.sha256).digest()
    assert domain.overlap_digest(KEY, "+8613812345678") == expected
    assert domain.overlap_digest(bytes(32), "+8613812345678") != expected  # another invitation, another hash


def test_customer_file_reading_finds_the_phone_column_and_skips_bad_lines() -> None:
    text = "name,手机号\n张三,138 1234 5678\n李四,not-a-phone\n王五,+8613812345678\n赵六,13912345678\n"
    read = domain.read_customers(text)
    assert read.numbers == ["+8613812345678", "+8613912345678"]
    assert read.skipped_lines == [3]
    assert read.duplicates == 1
    lines = domain.hash_file_lines(KEY, read.numbers)
    assert lines[0] == "hash" and len(lines) == 3
    assert all(len(x) == 64 and "138" not in x[:3] for x in lines[1:])
    with pytest.raises(ValueError):
        domain.read_customers(text, column="email")


def _hashes(n: int) -> list[str]:
    return [hashlib.sha256(str(i).encode()).hexdigest() for i in range(n)]


def test_a_well_formed_upload_reads_every_hash() -> None:
    raw = ("\ufeffHASH\r\n" + "\r\n".join(h.upper() for h in _hashes(120)) + "\r\n\r\n").encode()
    read = domain.read_upload(raw)
    assert read.problems == []
    assert len(read.digests) == 120 and len(set(read.digests)) == 120


def test_a_malformed_upload_is_reported_line_by_line_and_keeps_nothing() -> None:
    good = _hashes(3)
    raw = "\n".join(["hash", good[0], "13812345678", "zz" * 32, good[1] + ",x", good[0], good[2]]).encode()
    read = domain.read_upload(raw)
    assert read.digests == []
    assert [(p.line, p.problem, p.first_line) for p in read.problems] == [
        (3, UploadProblem.PHONE_NOT_HASH, None), (4, UploadProblem.BAD_HASH, None),
        (5, UploadProblem.WRONG_COLUMNS, None), (6, UploadProblem.DUPLICATE, 2)]


@pytest.mark.parametrize(("raw", "problem"), [
    (b"\xff\xfe\x00bad", UploadProblem.NOT_UTF8), (b"", UploadProblem.WRONG_COLUMNS),
    (b"hash\n", UploadProblem.EMPTY), (b"phone,hash\n" + _hashes(1)[0].encode(), UploadProblem.WRONG_COLUMNS)])
def test_files_that_are_no_upload(raw: bytes, problem: UploadProblem) -> None:
    read = domain.read_upload(raw)
    assert read.digests == [] and read.problems[0].problem is problem


def test_size_rules_refuse_below_k_and_below_the_minimum() -> None:
    assert domain.size_refusal(K_MIN - 1) == "overlap_upload_below_k"
    assert domain.size_refusal(K_MIN) == "overlap_upload_too_small"
    assert domain.size_refusal(domain.MIN_UPLOAD - 1) == "overlap_upload_too_small"
    assert domain.size_refusal(domain.MIN_UPLOAD) is None


def test_release_suppresses_every_cell_below_k_and_clamps() -> None:
    rng = np.random.default_rng(1)
    for _ in range(200):
        cells = domain.release([0, 3, 9, 500, 2_000], rng, ceiling=1_000)
        assert all(c is None or K_MIN <= c <= 1_000 for c in cells)
        assert cells[3] is not None and cells[4] is not None and cells[4] <= 1_000
    assert domain.shown(None) == "< 10" and domain.shown(12_345) == "12,345"
    assert domain.share_pct(None, 100) is None and domain.share_pct(25, 200) == 12.5


def test_noise_is_centred_with_the_documented_scale() -> None:
    rng = np.random.default_rng(2)
    scale = domain.noise_scale(9)
    assert scale == 9 / domain.EPSILON
    draws = domain.discrete_laplace(rng, scale, 200_000)
    alpha = np.exp(-1 / scale)
    assert abs(draws.mean()) < 0.1
    assert draws.var() == pytest.approx(2 * alpha / (1 - alpha) ** 2, rel=0.03)  # ≈ 2b² for large b


def test_budget_and_status() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 7, tzinfo=UTC)
    assert domain.budget_left(0) == domain.QUERY_BUDGET and domain.budget_left(99) == 0
    assert domain.invitation_status(now, now + timedelta(hours=1), 0) is domain.InvitationStatus.OPEN
    assert domain.invitation_status(now, now, 0) is domain.InvitationStatus.EXPIRED
    assert domain.invitation_status(now, now + timedelta(hours=1), domain.QUERY_BUDGET) is \
        domain.InvitationStatus.SPENT
    assert domain.advantage_bound(1.0) == pytest.approx((np.e - 1) / (np.e + 1))


@pytest.mark.parametrize(("enum", "labels"), [
    (domain.InvitationStatus, domain.INVITATION_STATUS_LABELS), (domain.AuditEvent, domain.AUDIT_EVENT_LABELS),
    (domain.UploadProblem, domain.UPLOAD_PROBLEM_LABELS)])
def test_every_value_has_both_labels(enum: type, labels: dict) -> None:  # type: ignore[type-arg]
    assert set(labels) == set(enum)
    assert all(zh and en and zh != en for zh, en in labels.values())
