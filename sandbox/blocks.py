"""Marked blocks of generated text in the docs, and the checkout they live in: the few helpers
that every module writing a generated block needs (:mod:`sandbox.docs`, :mod:`sandbox.targets`,
:mod:`sandbox.allowed`, :mod:`sandbox.calibration_record`), kept apart so that none of them has
to import another to write its block."""

from __future__ import annotations

from pathlib import Path


def project_root() -> Path:
    """The checkout holding README.md, docs/ and scenarios/ (the package is installed editable)."""
    from .scenario import scenarios_dir

    return scenarios_dir().parent


def start_marker(block: str) -> str:
    return f"<!-- {block}:start -->"


def end_marker(block: str) -> str:
    return f"<!-- {block}:end -->"


class DocsError(Exception):
    """A documentation file is missing or its markers are broken."""


def replace_block(text: str, block: str, body: str, where: str = "text") -> str:
    """``text`` with the part between the block's start and end markers replaced by ``body``."""
    start, end = start_marker(block), end_marker(block)
    if text.count(start) != 1 or text.count(end) != 1:
        raise DocsError(f"{where}: expected exactly one {start} and one {end} (found {text.count(start)} and {text.count(end)})")
    i = text.index(start) + len(start)
    j = text.index(end)
    if j < i:
        raise DocsError(f"{where}: {end} comes before {start}")
    return text[:i] + "\n" + body.strip("\n") + "\n" + text[j:]
