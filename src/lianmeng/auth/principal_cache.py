"""Who a bearer token or API key belongs to, remembered for a few seconds per server process.

Resolving a caller costs 2-3 queries (revoked tokens, the user, their staff row) on every request; a till sends
the same token all day. Staff logins and API keys are kept for `LIANMENG_PRINCIPAL_CACHE_SECONDS` (default 30 s,
never past the token's own expiry), at most `MAX_ENTRIES`, least recently used first out. Member tokens are not
kept (members change cards and statuses through several services; their requests are few).

What changes a caller in this process empties the cache at once and again when its transaction commits (so a
request that read the old row in between does not put it back for long): logout, a user disabled or their
password changed (their token version moves), an API key revoked. In ANOTHER worker process the change is seen
within the TTL. A token is the key together with the token version it carries, so a new login is a new entry.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from lianmeng.tenancy import Principal

MAX_ENTRIES = 10_000
FORGET_ON_COMMIT = "lianmeng_forget_principals"


class PrincipalCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()
        self._generation = 0  # moves on every clear: a lookup that began before a clear is not stored

    def generation(self) -> int:
        with self._lock:
            return self._generation

    def get(self, key: str) -> Principal | None:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            if found[1] <= self._clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
            return found[0]

    def put(self, key: str, principal: Principal, seconds: float, generation: int) -> None:
        if seconds <= 0:
            return
        with self._lock:
            if generation != self._generation:
                return
            self._entries[key] = (principal, self._clock() + seconds)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def __len__(self) -> int:
        return len(self._entries)


CACHE = PrincipalCache()


def forget_all(session: Session) -> None:
    """A caller changed (logout, disabled, new password, key revoked): forget every cached caller now, and again
    when `session` commits."""
    CACHE.clear()
    session.info[FORGET_ON_COMMIT] = True


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session: Session) -> None:
    if session.info.pop(FORGET_ON_COMMIT, False):
        CACHE.clear()


@event.listens_for(Session, "after_soft_rollback")
def _keep_after_rollback(session: Session, previous_transaction: Any) -> None:
    session.info.pop(FORGET_ON_COMMIT, None)
