"""The app factory sits on top of the house (docs/architecture.md): `lianmeng.main` imports every capability's
routers and builds the app; nothing inside the package imports it (`lianmeng serve` names it to uvicorn as
"lianmeng.main:create_app", a string, not an import)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.architecture.sources import PACKAGE, trees_mentioning

MAIN = "lianmeng.main"


def _modules_imported(path: Path, tree: ast.Module) -> list[tuple[int, str]]:
    """(line, dotted name) of every module the file imports, relative imports made absolute; `from a import b`
    counts as importing `a.b` too (b may be a module)."""
    package = ["lianmeng", *path.relative_to(PACKAGE).parent.parts]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join([*package[:len(package) - node.level + 1], *([base] if base else [])])
            found += [(node.lineno, base)] + [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _imports_of_main(path: Path, tree: ast.Module) -> list[int]:
    return sorted({line for line, name in _modules_imported(path, tree) if name == MAIN or name.startswith(f"{MAIN}.")})


def test_the_scan_finds_an_import_of_main() -> None:
    door = ast.parse("import lianmeng.main\nfrom lianmeng.main import create_app\nfrom lianmeng import main, db\n"
                     "from lianmeng.mainly import x\nfrom . import main\nfrom .main import create_app\n"
                     "from .. import main\n")
    assert _imports_of_main(PACKAGE / "cli.py", door) == [1, 2, 3, 5, 6]
    assert _imports_of_main(PACKAGE / "web" / "console.py", door) == [1, 2, 3, 7]


def test_nothing_in_the_package_imports_the_app_factory() -> None:
    importers = [f"{path.relative_to(PACKAGE)}:{line}" for path, tree in trees_mentioning("main").items()
                 if path != PACKAGE / "main.py" for line in _imports_of_main(path, tree)]
    assert not importers, "lianmeng.main is the top of the house; it is imported by:\n" + "\n".join(importers)

