"""Thin doors (docs/architecture.md, issue 15 "No queries in `web.py`"): a door — `api.py`, `web.py`, `mobile.py` —
parses, checks who asks, calls a service or a repository function and renders. Every query lives in the
capability's `repository.py`, scoped by tenant. A door that builds a statement (`select`, `insert`, `update`,
`delete`) or runs one on a session (`session.execute`, `.scalar`, `.scalars`, `.get`, `.query`) fails here, by file
and line."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.sources import PACKAGE, texts, trees_mentioning

DOORS = {"api.py", "web.py", "mobile.py"}
#: Statement builders of SQLAlchemy; a door imports none of them.
STATEMENTS = {"select", "insert", "update", "delete"}
#: What a session runs; a door asks a repository function instead.
RUNS = {"execute", "scalar", "scalars", "get", "query"}

#: Doors that still query, and why. Empty: keep it so (a new entry needs a reason and a follow-up).
ALLOWED: dict[str, str] = {}


def _doors() -> list[Path]:
    return sorted(path for path in texts() if path.name in DOORS)


def _is_session(node: ast.expr) -> bool:
    """`session`, `page.session`, `writer.session`, `self._session` …: what a query runs on."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return name.lstrip("_").endswith("session")


def _sqlalchemy_names(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """(local name -> statement builder) imported from sqlalchemy, and the local names of sqlalchemy modules."""
    builders: dict[str, str] = {}
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlalchemy":
            builders.update({alias.asname or alias.name: alias.name for alias in node.names
                             if alias.name in STATEMENTS})
        elif isinstance(node, ast.Import):
            modules.update(alias.asname or alias.name for alias in node.names
                           if alias.name.split(".")[0] == "sqlalchemy")
    return builders, modules


def _queries(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, what) for every statement built or run in the module."""
    builders, modules = _sqlalchemy_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in builders:
            found.append((node.lineno, f"{builders[func.id]}()"))
        elif isinstance(func, ast.Attribute) and func.attr in STATEMENTS and isinstance(func.value, ast.Name) \
                and func.value.id in modules:
            found.append((node.lineno, f"{func.value.id}.{func.attr}()"))
        elif isinstance(func, ast.Attribute) and func.attr in RUNS and _is_session(func.value):
            found.append((node.lineno, f"session.{func.attr}()"))
    return found


def test_the_scan_sees_every_door() -> None:
    doors = _doors()
    assert len(doors) > 40
    assert PACKAGE / "withdrawals" / "web.py" in doors and PACKAGE / "members" / "mobile.py" in doors
    assert all(path.name in DOORS for path in doors)


def test_the_scan_finds_a_query_in_a_door() -> None:
    door = ast.parse(
        "import sqlalchemy as sa\n"
        "from sqlalchemy import select, delete as remove\n"
        "def page(page, session, writer):\n"
        "    page.session.scalars(select(A))\n"
        "    session.get(A, 1)\n"
        "    writer.session.execute(remove(A))\n"
        "    sa.update(A)\n"
        "    session.scalar(x); session.query(A)\n"
        "    errors.update({}); service.update(session, 1); values.get('a')\n")
    assert sorted(_queries(door)) == [
        (4, "select()"), (4, "session.scalars()"), (5, "session.get()"), (6, "delete()"),
        (6, "session.execute()"), (7, "sa.update()"), (8, "session.query()"), (8, "session.scalar()")]


def test_the_allow_list_names_real_doors() -> None:
    doors = {path.relative_to(PACKAGE).as_posix() for path in _doors()}
    assert set(ALLOWED) <= doors, "remove from ALLOWED what is no longer a door"


def test_no_door_queries() -> None:
    words = (*STATEMENTS, *RUNS)
    queries = [f"{path.relative_to(PACKAGE).as_posix()}:{line} {what}"
               for path, tree in trees_mentioning(*words).items()
               if path.name in DOORS and path.relative_to(PACKAGE).as_posix() not in ALLOWED
               for line, what in sorted(_queries(tree))]
    assert not queries, "move these queries into the capability's repository.py:\n" + "\n".join(queries)
