"""orjson renders the same bytes as Starlette's JSONResponse, Chinese unescaped; what it cannot take falls back."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from lianmeng.web.responses import FastJSONResponse

BODIES = [
    {"error": {"code": "not_found", "message": "未找到该会员", "details": None}},
    {"id": 1, "amount_fen": 12_345, "rating": 4.7, "tags": ["高端", "亲子"], "ok": True, "nested": {"a": [1, 2.5]}},
    [], {}, "文字", 0,
    {"big": 2**70},
]


def test_the_same_bytes_as_the_standard_encoder() -> None:
    for body in BODIES:
        assert FastJSONResponse(body).body == JSONResponse(body).body, body


def test_integer_keys_become_strings_as_with_the_standard_encoder() -> None:
    assert FastJSONResponse({1: "a"}).body == JSONResponse({1: "a"}).body == b'{"1":"a"}'
