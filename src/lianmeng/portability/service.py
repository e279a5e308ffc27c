"""Export one alliance with all its history to a file, import it into another database, and check it there.

Which rows belong to the alliance is read from the schema (repository.AllianceScope); the file's shape is in
domain.py. The guarantees:

- the export is one consistent snapshot (REPEATABLE READ on PostgreSQL) and refuses when the alliance's rows point
  to rows that would not travel with them;
- the import refuses, before writing anything, a file made under another secret key (personal data travels as
  ciphertext), at another database revision, or for an alliance code the target has; it then inserts every row
  with its own id, parents first, in the caller's one transaction, and refuses (rolls back) on the first id or
  unique key already taken: it never writes over existing data;
- the import ends with `verify` in the same transaction (row counts equal to the header's, every posting balanced,
  every balance equal to its entries, points equal to their grants, every settlement run equal to the ledger), and
  a failure rolls it all back.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lianmeng.db import Base
from lianmeng.db_shard import identity_columns
from lianmeng.kit import clock
from lianmeng.kit.crypto import derive_key
from lianmeng.kit.errors import AppError, Conflict, Invalid
from lianmeng.ledger.repository import invariant_problems
from lianmeng.points.repository import grant_problems
from lianmeng.portability import codec, repository
from lianmeng.portability.domain import FORMAT, VERSION, Header, key_fingerprint
from lianmeng.portability.errors import Problem
from lianmeng.portability.repository import AllianceScope
from lianmeng.settlement import service as settlement
from lianmeng.tenancy.principal import SYSTEM

BATCH = 2_000
GZIP_MAGIC = b"\x1f\x8b"

#: told how many rows of which table have just been written or read
Progress = Callable[[str, int], None]


def _quiet(_table: str, _rows: int) -> None:
    return None


def installation_fingerprint() -> str:
    """The fingerprint of this installation's secret key, as the header carries it."""
    return key_fingerprint(derive_key("alliance-export-fingerprint"))


@contextmanager
def open_for_writing(path: str | None) -> Iterator[IO[str]]:
    """The export's text stream: standard output for None or '-', gzip for a name ending in .gz."""
    if path in (None, "-"):
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    with ExitStack() as stack:
        if target.suffix == ".gz":
            yield stack.enter_context(gzip.open(target, "wt", encoding="utf-8", compresslevel=6))
        else:
            yield stack.enter_context(target.open("w", encoding="utf-8"))


@contextmanager
def open_for_reading(path: str) -> Iterator[IO[str]]:
    """An export's text stream, gzip or not (told by its first bytes, whatever its name); '-' for standard input."""
    with ExitStack() as stack:
        raw = cast(io.BufferedReader, sys.stdin.buffer if path == "-" else stack.enter_context(Path(path).open("rb")))
        if not isinstance(raw, io.BufferedReader):
            raw = io.BufferedReader(raw)
        binary = cast(IO[bytes], stack.enter_context(gzip.GzipFile(fileobj=raw))) if raw.peek(2)[:2] == GZIP_MAGIC \
            else raw
        yield stack.enter_context(io.TextIOWrapper(binary, encoding="utf-8"))


def _line(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


# --- export --------------------------------------------------------------------------------------------------------


def plan_export(session: Session, code: str) -> tuple[AllianceScope, Header]:
    """The alliance's tables and row counts (the header), read in the snapshot the rows will be read in.
    Call first in a fresh session (the snapshot must be the transaction's first statement)."""
    repository.snapshot_for_export(session)
    found = repository.alliance_by_code(session, code)
    if found is None:
        raise AppError(Problem.EXPORT_NO_SUCH_ALLIANCE, status_code=404, alliance=code)
    scope = AllianceScope(found[0])
    checks = [check for table in scope.tables for check in scope.outside_references(table)]
    found_outside = repository.counts(session, [query for _, query in checks])
    outside = [f"{where}: {n}" for (where, _), n in zip(checks, found_outside, strict=True) if n]
    if outside:
        raise Conflict(Problem.EXPORT_POINTS_OUTSIDE, where="; ".join(outside[:5]), details=outside)
    header = Header(alliance=code, revision=repository.alembic_revision(session),
                    key_fingerprint=installation_fingerprint(), created_at=clock.now().isoformat(),
                    counts=dict(zip([t.name for t in scope.tables],
                                    repository.counts(session, [scope.count(t) for t in scope.tables]), strict=True)))
    return scope, header


def write_export(session: Session, scope: AllianceScope, header: Header, out: IO[str],
                 progress: Progress = _quiet) -> None:
    """Write the header and every table's rows, parents first, streamed."""
    out.write(_line(header.to_json()))
    for table in scope.tables:
        columns = list(table.c)
        out.write(_line({"table": table.name, "columns": [c.name for c in columns]}))
        encoders = [codec.encoder(c) for c in columns]
        if not header.counts.get(table.name):
            continue
        for batch in repository.stream(session, scope.rows(table), BATCH):
            out.write("".join(_line(codec.encode_row(encoders, row)) for row in batch))
            progress(table.name, len(batch))


# --- import --------------------------------------------------------------------------------------------------------


def read_header(lines: IO[str]) -> Header:
    first = lines.readline()
    try:
        data = json.loads(first)
        header = Header.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise Invalid(Problem.IMPORT_NOT_AN_EXPORT, reason=type(error).__name__) from None
    if header.format != FORMAT or header.version != VERSION:
        raise Invalid(Problem.IMPORT_NOT_AN_EXPORT, reason=f"{header.format} v{header.version}")
    return header


def check_importable(session: Session, header: Header) -> None:
    """Refuse, before writing anything, what cannot be imported here."""
    ours = installation_fingerprint()
    if header.key_fingerprint != ours:
        raise Conflict(Problem.IMPORT_KEY_MISMATCH, theirs=header.key_fingerprint, ours=ours)
    revision = repository.alembic_revision(session)
    if header.revision != revision:
        raise Conflict(Problem.IMPORT_REVISION_MISMATCH, theirs=header.revision or "-", ours=revision or "-")
    if repository.alliance_by_code(session, header.alliance) is not None:
        raise Conflict(Problem.IMPORT_ALLIANCE_EXISTS, alliance=header.alliance)


@dataclass
class _Section:
    """One table of the file being read: its columns in the file's order, and how to read them back."""

    table: Table
    names: list[str]
    decoders: list[codec.Encoder]
    self_pointers: list[str]
    rows: int = 0
    #: the target held rows of this table before the import: each batch's ids are checked against them
    held: bool = True

    @classmethod
    def start(cls, data: Any, held: set[str]) -> _Section:
        name = str(data.get("table")) if isinstance(data, dict) else ""
        if name not in Base.metadata.tables:
            raise Invalid(Problem.IMPORT_SCHEMA_DIFFERS, table=name, reason="unknown table")
        table = Base.metadata.tables[name]
        names = list(data.get("columns") or [])
        if sorted(names) != sorted(table.c.keys()):
            raise Invalid(Problem.IMPORT_SCHEMA_DIFFERS, table=name, reason="columns differ")
        self_pointers = [element.parent.name for constraint in table.foreign_key_constraints
                         if constraint.referred_table is table for element in constraint.elements
                         if element.parent.nullable]
        return cls(table, names, [codec.decoder(table.c[n]) for n in names], self_pointers, held=name in held)


def import_alliance(session: Session, lines: IO[str], header: Header, progress: Progress = _quiet) -> int:
    """Insert the file's rows (the header already read and checked) and verify; the new alliance's id.
    Runs in the caller's unit of work: any refusal leaves the database as it was."""
    check_importable(session, header)
    held = repository.holding_rows(session, [Base.metadata.tables[name] for name in header.counts
                                             if name in Base.metadata.tables])
    seen: dict[str, int] = {}
    section: _Section | None = None
    batch: list[dict[str, Any]] = []
    pointers: list[dict[str, Any]] = []

    def flush() -> None:
        if section is None or not batch:
            return
        _insert(session, section, batch, pointers)
        progress(section.table.name, len(batch))
        batch.clear()

    def close() -> None:
        flush()
        if section is not None:
            repository.restore_pointers(session, section.table, pointers, section.self_pointers)
            pointers.clear()
            seen[section.table.name] = section.rows

    for number, text in enumerate(lines, start=2):
        try:
            data = json.loads(text)
            if isinstance(data, dict):
                close()
                section = _Section.start(data, held)
                continue
            if section is None:
                raise Invalid(Problem.IMPORT_NOT_AN_EXPORT, reason="a row before its table")
            batch.append(codec.decode_row(section.names, section.decoders, data))
        except (ValueError, TypeError) as error:
            raise Invalid(Problem.IMPORT_NOT_AN_EXPORT, reason=f"line {number}: {type(error).__name__}") from None
        section.rows += 1
        if len(batch) >= BATCH:
            flush()
    close()
    for name, expected in header.counts.items():
        if seen.get(name, 0) != expected:
            raise Invalid(Problem.IMPORT_TRUNCATED, table=name, expected=expected, found=seen.get(name, 0))
    session.flush()
    repository.advance_id_sequences(session, [Base.metadata.tables[name] for name, rows in seen.items() if rows])
    found = repository.alliance_by_code(session, header.alliance)
    if found is None:
        raise Invalid(Problem.IMPORT_NOT_AN_EXPORT, reason="no alliance row")
    problems = verify(session, found[0], header)
    if problems:
        raise AppError(Problem.IMPORT_VERIFY_FAILED, count=len(problems), first=problems[0], details=problems)
    return found[0]


def _insert(session: Session, section: _Section, batch: list[dict[str, Any]], pointers: list[dict[str, Any]]) -> None:
    table = section.table
    key = [c.name for c in identity_columns(table)]
    taken = repository.existing_keys(session, table, [tuple(row[k] for k in key) for row in batch]) \
        if section.held else []
    if taken:
        raise Conflict(Problem.IMPORT_IDS_TAKEN, table=table.name, ids=", ".join(
            "/".join(str(part) for part in ids) for ids in taken))
    for row in batch:  # a row may point to a later row of its own table (merged into a newer merchant)
        if any(row[name] is not None for name in section.self_pointers):
            pointers.append(dict(row))
            for name in section.self_pointers:
                row[name] = None
    try:
        repository.insert_rows(session, table, batch)
    except IntegrityError as error:
        reason = str(error.orig).strip().splitlines()[0][:200] if error.orig else "integrity"
        raise Conflict(Problem.IMPORT_COLLIDES, table=table.name, reason=reason) from None


# --- verify --------------------------------------------------------------------------------------------------------


def verify(session: Session, alliance_id: int, header: Header) -> list[str]:
    """What is wrong with the alliance in this database against the export's header, in words (empty: all
    holds): row counts per table, the ledger's invariants, points against their grants, every settlement run."""
    session.flush()
    scope = AllianceScope(alliance_id)
    problems = []
    counted = dict(zip([t.name for t in scope.tables],
                       repository.counts(session, [scope.count(t) for t in scope.tables]), strict=True))
    for name in sorted(set(counted) | set(header.counts)):
        if counted.get(name, 0) != header.counts.get(name, 0):
            problems.append(f"{name}: {counted.get(name, 0)} rows, the export has {header.counts.get(name, 0)}")
    problems += invariant_problems(session, alliance_id)
    problems += grant_problems(session, alliance_id)
    for run_id in repository.settlement_runs_of(session, alliance_id):
        result = settlement.verify(session, SYSTEM, run_id)
        if not result.ok:
            problems.append(f"settlement {result.period}: {len(result.mismatches)} accounts differ from the ledger")
    return problems


def verify_existing(session: Session, header: Header) -> tuple[int, list[str]]:
    """`lianmeng import --verify-only`: the alliance of the header, already in this database, checked."""
    found = repository.alliance_by_code(session, header.alliance)
    if found is None:
        raise AppError(Problem.EXPORT_NO_SUCH_ALLIANCE, status_code=404, alliance=header.alliance)
    return found[0], verify(session, found[0], header)
