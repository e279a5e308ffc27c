"""Key rotation use cases: move one batch of one table to the current key, and count values per key id. Never
commits: the job (jobs/rotate_keys.py) runs each batch in a unit of work of its own.

Safe while the app serves: a value is rewritten only if the row still holds what was read (compare and set), every
reader decrypts under any key on hand, and lookups search the hashes of every key on hand (kit.crypto)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from lianmeng.keys import repository
from lianmeng.keys.domain import SEALED_TABLES, KeyCount, SealedTable, hashed_text
from lianmeng.kit import crypto
from lianmeng.kit.errors import NotFound


@dataclass(frozen=True)
class BatchOutcome:
    last_id: int  # where the next batch of this table and alliance starts
    rotated: int
    skipped_changed: int
    unreadable: int
    done: bool  # fewer rows than asked for: nothing left past last_id


def alliance_ids(session: Session, code: str | None = None) -> list[int]:
    """Every alliance, or the one of this code (NotFound for a code no alliance has)."""
    ids = repository.alliance_ids(session, code)
    if code is not None and not ids:
        raise NotFound("alliance")
    return ids


def rotate_batch(session: Session, sealed: SealedTable, alliance_id: int | None, after_id: int,
                 limit: int) -> BatchOutcome:
    """Re-seal up to `limit` rows of one table (of one alliance) whose values are not under the current key, and
    re-hash their lookup hashes with it; the staff holding a rewritten phone hash follow. A value no key on hand
    opens is left as it is and counted; nothing of a plaintext is logged or returned."""
    rows = repository.stale_rows(session, sealed, alliance_id, after_id, limit)
    rotated = skipped = unreadable = 0
    for row in rows:
        values = row._mapping
        before: dict[str, str | None] = {}
        after: dict[str, str | None] = {}
        carried: list[tuple[str, str]] = []
        for column in sealed.columns:
            token = values[column.column]
            if not token or crypto.is_current(token, column.purpose):
                continue
            try:
                plaintext = crypto.decrypt(token, column.purpose)
            except crypto.UnreadableCiphertext:
                unreadable += 1
                continue
            before[column.column], after[column.column] = token, crypto.encrypt(plaintext, column.purpose)
            if column.hash_column is None or column.hash_purpose is None or alliance_id is None:
                continue
            old_hash = values[column.hash_column]
            hashed = hashed_text(alliance_id, plaintext)
            if old_hash not in crypto.lookup_hashes(hashed, column.hash_purpose):
                continue  # not a keyed hash of this value (synthetic data): not ours to rewrite
            new_hash = crypto.lookup_hash(hashed, column.hash_purpose)
            if new_hash != old_hash:
                before[column.hash_column], after[column.hash_column] = old_hash, new_hash
                carried.append((old_hash, new_hash))
        if not after:
            continue
        if not repository.rewrite(session, sealed, row.id, before, after):
            skipped += 1
            continue
        rotated += 1
        if sealed.carries_staff_hash and alliance_id is not None:
            for old_hash, new_hash in carried:
                repository.carry_staff_hash(session, alliance_id, old_hash, new_hash)
    session.flush()
    last_id = rows[-1].id if rows else after_id
    return BatchOutcome(last_id, rotated, skipped, unreadable, done=len(rows) < limit)


def key_counts(session: Session) -> list[KeyCount]:
    """Values per key id, per sealed column: what `lianmeng keys status` shows."""
    counts = []
    for sealed in SEALED_TABLES:
        for column in sealed.columns:
            ring = crypto.keyring(column.purpose)
            current = crypto.current_key_id(column.purpose)
            for key_id, rows in repository.key_counts(session, sealed, column):
                counts.append(KeyCount(sealed.name, column.column, key_id, rows, current=key_id == current,
                                       on_hand=key_id in ring or key_id == crypto.LEGACY))
    return counts
