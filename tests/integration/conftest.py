"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine

from lianmeng.db import get_engine
from tests.conftest import IS_POSTGRES

WORKERS = 64  # concurrent threads (and, on PostgreSQL, connections) in the money-safety races


@pytest.fixture
def wide_engine(db_url: str) -> Iterator[Engine]:
    """A pool wide enough for WORKERS simultaneous transactions (PostgreSQL); SQLite's one writer otherwise."""
    if not IS_POSTGRES:
        yield get_engine(db_url)
        return
    engine = create_engine(db_url, pool_size=WORKERS + 2, max_overflow=0)
    yield engine
    engine.dispose()
