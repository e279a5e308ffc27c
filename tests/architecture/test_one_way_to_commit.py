"""One way to commit (docs/architecture.md): a request, a page, a CLI command and a job each run in ONE unit of
work, `lianmeng.db.transaction` (or `unit_of_work`, which opens a session for it). No door, service or job
commits, rolls back or opens a write transaction by hand; a new place that does fails here, by file and line."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.sources import PACKAGE, texts, trees_mentioning

#: Where a hand-written commit or rollback is allowed, and why.
ALLOWED = {
    "db.py": "the unit of work itself, and `begin_write`, which ends a read transaction before a write",
    "bench/": "benchmarks measure transactions: they commit as the load they imitate would",
    "migrations/": "Alembic runs each migration in a transaction of its own",
}
BY_HAND = {"commit", "rollback"}


def _allowed(path: Path) -> bool:
    relative = path.relative_to(PACKAGE).as_posix()
    return any(relative == place or (place.endswith("/") and relative.startswith(place)) for place in ALLOWED)


WORDS = (*BY_HAND, "begin_write")


def _sources() -> list[Path]:
    return sorted(path for path in texts() if not _allowed(path))


def _calls(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) for every `x.commit()`, `x.rollback()` and `begin_write(…)` in the module."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr in BY_HAND:
            found.append((node.lineno, f".{node.func.attr}()"))
        elif isinstance(node.func, ast.Name | ast.Attribute) and \
                (node.func.id if isinstance(node.func, ast.Name) else node.func.attr) == "begin_write":
            found.append((node.lineno, "begin_write()"))
    return found


def test_the_scan_sees_the_package() -> None:
    sources = _sources()
    assert len(sources) > 100
    assert PACKAGE / "web" / "console.py" in sources and PACKAGE / "db.py" not in sources


def test_the_scan_finds_a_commit_by_hand() -> None:
    door = ast.parse("def save(session):\n    begin_write(session)\n    session.commit()\n    session.rollback()\n")
    assert sorted(_calls(door)) == [(2, "begin_write()"), (3, ".commit()"), (4, ".rollback()")]


def test_nothing_commits_by_hand() -> None:
    by_hand = [f"{path.relative_to(PACKAGE)}:{line} {what}" for path, tree in trees_mentioning(*WORDS).items()
               if not _allowed(path) for line, what in _calls(tree)]
    assert not by_hand, "commit through lianmeng.db.transaction / unit_of_work, not by hand:\n" + "\n".join(by_hand)
