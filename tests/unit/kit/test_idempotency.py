"""Request fingerprints and Idempotency-Key validation (the pure parts)."""

from __future__ import annotations

import pytest

from lianmeng.kit.idempotency import fingerprint, valid_key

BODY = {"phone": "13812345678", "name": "张三", "tags": {"b": 2, "a": 1}}


def test_fingerprint_is_a_stable_sha256() -> None:
    fp = fingerprint("POST", "/api/v1/members", BODY)
    assert fp == fingerprint("POST", "/api/v1/members", BODY)
    assert len(fp) == 64 and int(fp, 16) >= 0


def test_fingerprint_ignores_key_order_at_every_level() -> None:
    reordered = {"tags": {"a": 1, "b": 2}, "name": "张三", "phone": "13812345678"}
    assert fingerprint("POST", "/api/v1/members", reordered) == fingerprint("POST", "/api/v1/members", BODY)


def test_fingerprint_method_is_case_insensitive() -> None:
    assert fingerprint("post", "/x", BODY) == fingerprint("POST", "/x", BODY)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/api/v1/members", BODY),
        ("POST", "/api/v1/members/", BODY),
        ("POST", "/api/v1/merchants", BODY),
        ("POST", "/api/v1/members", {**BODY, "name": "李四"}),
        ("POST", "/api/v1/members", {**BODY, "extra": None}),
        ("POST", "/api/v1/members", None),
        ("POST", "/api/v1/members", [BODY]),
    ],
)
def test_fingerprint_differs_by_method_path_and_body(method: str, path: str, body: object) -> None:
    assert fingerprint(method, path, body) != fingerprint("POST", "/api/v1/members", BODY)


def test_fingerprint_distinguishes_types() -> None:
    assert fingerprint("POST", "/x", {"n": 1}) != fingerprint("POST", "/x", {"n": "1"})


@pytest.mark.parametrize(
    "key", ["a", "k" * 255, "order-2026-01-01/abc_123", "幂等键-1", "550e8400-e29b-41d4-a716-446655440000"]
)
def test_valid_keys(key: str) -> None:
    assert valid_key(key)


@pytest.mark.parametrize("key", ["", "k" * 256, "abc\n", "a\tb", "nul\x00", "bell\x07", "del\x7f"])
def test_invalid_keys(key: str) -> None:
    assert not valid_key(key)
