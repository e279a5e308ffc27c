"""The per-process principal cache: time to live, size bound, and a clear that a slow lookup cannot undo."""

from __future__ import annotations

from lianmeng.auth.domain import Role
from lianmeng.auth.principal_cache import PrincipalCache
from lianmeng.tenancy import Principal

CLERK = Principal(kind="user", id=7, role=Role.STORE_STAFF, alliance_id=1, merchant_id=2)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_lives_its_seconds_then_is_gone() -> None:
    clock = Clock()
    cache = PrincipalCache(clock=clock)
    cache.put("t", CLERK, 30, cache.generation())
    assert cache.get("t") == CLERK
    clock.now += 29.9
    assert cache.get("t") == CLERK
    clock.now += 0.2
    assert cache.get("t") is None
    assert len(cache) == 0


def test_nothing_is_kept_for_zero_seconds() -> None:
    cache = PrincipalCache()
    cache.put("t", CLERK, 0, cache.generation())
    assert cache.get("t") is None


def test_the_least_recently_used_entry_leaves_first() -> None:
    cache = PrincipalCache(max_entries=2)
    for key in ("a", "b"):
        cache.put(key, CLERK, 30, cache.generation())
    assert cache.get("a") == CLERK  # "b" is now the least recently used
    cache.put("c", CLERK, 30, cache.generation())
    assert cache.get("b") is None and cache.get("a") == CLERK and cache.get("c") == CLERK


def test_a_lookup_that_began_before_a_clear_is_not_stored() -> None:
    cache = PrincipalCache()
    began = cache.generation()
    cache.clear()  # e.g. a logout committed while the lookup was reading the old rows
    cache.put("t", CLERK, 30, began)
    assert cache.get("t") is None
    cache.put("t", CLERK, 30, cache.generation())
    assert cache.get("t") == CLERK
