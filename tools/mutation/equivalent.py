"""Known equivalent mutants: changes no test can see because no behaviour changes.

Each entry in the file names a mutant the way its report does (module, function, operator,
original and mutated text; ``occurrence`` only when the same change appears twice in one
function) and says in ``why`` what makes it equivalent. Line numbers are not used, so an
entry survives edits elsewhere in the file. ``id`` alone also works, but changes whenever
the mutated text does.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .mutants import Mutant

FIELDS = ("module", "function", "operator", "original", "mutated")


@dataclass(frozen=True)
class Entry:
    why: str
    id: str | None = None
    module: str | None = None
    function: str | None = None
    operator: str | None = None
    original: str | None = None
    mutated: str | None = None
    occurrence: int | None = None

    def matches(self, mutant: Mutant) -> bool:
        if self.id is not None:
            return self.id == mutant.id
        described = mutant.describe()
        if any(getattr(self, name) != described[name] for name in FIELDS):
            return False
        return self.occurrence is None or self.occurrence == mutant.occurrence


def load(path: Path) -> list[Entry]:
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries = []
    for number, raw in enumerate(data.get("equivalent", []), start=1):
        if not str(raw.get("why", "")).strip():
            raise SystemExit(f"{path}: entry {number} needs a `why`: what makes it equivalent")
        if "id" not in raw and any(name not in raw for name in FIELDS):
            raise SystemExit(f"{path}: entry {number} needs `id` or all of {', '.join(FIELDS)}")
        unknown = set(raw) - {*FIELDS, "id", "occurrence", "why"}
        if unknown:
            raise SystemExit(f"{path}: entry {number} has unknown keys {sorted(unknown)}")
        entries.append(Entry(**raw))
    return entries


def why_equivalent(mutant: Mutant, entries: list[Entry]) -> str | None:
    for entry in entries:
        if entry.matches(mutant):
            return entry.why
    return None
