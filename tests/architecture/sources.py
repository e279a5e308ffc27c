"""The package's source files, read once per test session, and parsed only where a word of interest appears (a
parse of all ~360 files costs seconds)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import lianmeng

PACKAGE = Path(lianmeng.__file__).parent


@cache
def texts() -> dict[Path, str]:
    return {path: path.read_text(encoding="utf-8") for path in sorted(PACKAGE.rglob("*.py"))}


def trees_mentioning(*words: str) -> dict[Path, ast.Module]:
    """The syntax tree of each source file where one of `words` appears as a word (the others cannot call or
    import it)."""
    pattern = re.compile("|".join(rf"\b{re.escape(word)}\b" for word in words))
    return {path: _tree(path) for path, text in texts().items() if pattern.search(text)}


@cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(texts()[path], filename=str(path))
