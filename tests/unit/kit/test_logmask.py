"""Mobile numbers are masked in every log line (issue 11 item 11)."""

from __future__ import annotations

import io
import logging

import pytest

from lianmeng.kit import logmask
from lianmeng.kit.logmask import MaskMobiles, mask_mobiles


@pytest.mark.parametrize(("line", "masked"), [
    ("GET /api/v1/members?phone=13709000130 HTTP/1.1", "GET /api/v1/members?phone=137****0130 HTTP/1.1"),
    ("phone=137%200900%200130&page=1", "phone=137****0130&page=1"),
    ("phone=%2B8613709000130", "phone=137****0130"),
    ("+86 137-0900-0130 called", "137****0130 called"),
    ("138 1234 5678", "138****5678"),
])
def test_mobiles_are_masked(line: str, masked: str) -> None:
    assert mask_mobiles(line) == masked


@pytest.mark.parametrize("line", ["order 1234567890123 paid", "card 8860000000000000", "12345678901",
                                  "took 13709000130000 ns", "2026-12-06 21:24:13,123", "10.0.0.1:54321"])
def test_other_numbers_are_left_alone(line: str) -> None:
    assert mask_mobiles(line) == line


def test_the_filter_masks_arguments_and_keeps_uvicorns_access_arguments() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("lianmeng.test.logmask")
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskMobiles())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/api/v1/members?phone=13709000130",
                       "1.1", 200)
        try:
            raise ValueError("bad phone 13812345678")
        except ValueError:
            logger.exception("failed for %s", "13812345678")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert "13709000130" not in text and "13812345678" not in text
    assert "phone=137****0130" in text and "200" in text and "bad phone 138****5678" in text


def test_install_covers_the_root_and_uvicorn_loggers_and_their_handlers() -> None:
    logmask.install()
    for name in logmask.LOGGERS:
        logger = logging.getLogger(name)
        assert logmask.MASK in logger.filters
        assert all(logmask.MASK in h.filters for h in logger.handlers)
    config = logmask.uvicorn_log_config()
    assert all(h["filters"] == ["mask_mobiles"] for h in config["handlers"].values())
