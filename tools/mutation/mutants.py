"""Mutants of a module, found on its syntax tree and applied as splices of its source text.

Splicing keeps comments, layout and every other line as they were, so a mutant's report
shows the real line. Each splice is checked: the mutated text must parse to exactly the
original tree with the one node replaced, or the mutant is dropped.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .operators import Collector

OPERATORS: tuple[str, ...] = (
    "compare",
    "negate",
    "number",
    "boolop",
    "remove",
    "return_none",
    "bool",
    "default",
)


@dataclass
class Candidate:
    """A mutation found in the tree, not yet spliced into text."""

    module: str
    qualname: str
    operator: str
    line: int
    original: str
    mutated: str
    # The same change made on the tree, which the spliced text must parse back to.
    parent: ast.AST
    field: str
    index: int | None
    new_value: Any
    # Splices to try in turn, (start, end, text) in characters: the replacement as Python
    # writes it, then parenthesised for where the surrounding code binds tighter.
    edits: list[tuple[int, int, str]]
    occurrence: int = 0

    @property
    def key(self) -> str:
        return mutant_key(
            self.module, self.qualname, self.operator, self.original, self.mutated, self.occurrence
        )

    @property
    def id(self) -> str:
        return identify(self.key)


@dataclass(frozen=True)
class Mutant:
    module: str
    qualname: str
    operator: str
    line: int
    original: str
    mutated: str
    occurrence: int
    original_line: str
    mutated_line: str
    source: str = field(repr=False)

    @property
    def key(self) -> str:
        return mutant_key(
            self.module, self.qualname, self.operator, self.original, self.mutated, self.occurrence
        )

    @property
    def id(self) -> str:
        return identify(self.key)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "module": self.module,
            "line": self.line,
            "function": self.qualname,
            "operator": self.operator,
            "original": self.original,
            "mutated": self.mutated,
            "occurrence": self.occurrence,
            "original_line": self.original_line,
            "mutated_line": self.mutated_line,
        }


def mutant_key(module, qualname, operator, original, mutated, occurrence) -> str:
    """What names a mutant across edits elsewhere in the file: no line number in it."""
    return f"{module}|{qualname}|{operator}|{original}|{mutated}|{occurrence}"


def identify(key: str) -> str:
    """A short name for a mutant, to pass to --show and --only and to quote in reports."""
    return hashlib.sha1(key.encode()).hexdigest()[:10]  # noqa: S324 (a name, not a secret)


class Text:
    """Source text addressed the way ``ast`` addresses it (lines from 1, UTF-8 byte columns)."""

    def __init__(self, source: str):
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col: int) -> int:
        line = self.lines[lineno - 1]
        return self.starts[lineno - 1] + len(line.encode()[:col].decode())

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (
            self.offset(node.lineno, node.col_offset),
            self.offset(node.end_lineno, node.end_col_offset),
        )


def materialize(collector: Collector, cand: Candidate) -> Mutant | None:
    """Splice ``cand`` into the source; ``None`` if no splice gives exactly the mutated tree."""
    expected = _expected_dump(collector.tree, cand)
    source = collector.text.source
    for start, end, text in cand.edits:
        mutated = source[:start] + text + source[end:]
        try:
            tree = ast.parse(mutated)
        except SyntaxError:
            continue
        if ast.dump(tree) != expected:
            continue
        original_line = collector.text.lines[cand.line - 1].strip()
        mutated_line = mutated.splitlines()[cand.line - 1].strip()
        return Mutant(
            cand.module,
            cand.qualname,
            cand.operator,
            cand.line,
            cand.original,
            cand.mutated,
            cand.occurrence,
            original_line,
            mutated_line,
            mutated,
        )
    return None


def _expected_dump(tree: ast.Module, cand: Candidate) -> str:
    """The tree's dump with the candidate's one change made in place, then undone."""
    if cand.index is None:
        saved = getattr(cand.parent, cand.field)
        setattr(cand.parent, cand.field, cand.new_value)
        try:
            return ast.dump(tree)
        finally:
            setattr(cand.parent, cand.field, saved)
    holder = getattr(cand.parent, cand.field)
    saved = holder[cand.index]
    holder[cand.index] = cand.new_value
    try:
        return ast.dump(tree)
    finally:
        holder[cand.index] = saved
