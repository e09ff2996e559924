"""Writing a benchmark's figures into its own section of docs/benchmarks.md."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"


def write_section(heading: str, section: str, doc: Path = DOC) -> None:
    """Replace the section that starts with ``heading`` (up to the next ``## ``), or append
    it; every other section is left as it is."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: section + "\n", current)
    else:
        updated = current.rstrip("\n") + "\n\n" + section
    doc.write_text(updated.rstrip("\n") + "\n", encoding="utf-8")


def publish(heading: str, section: str, *, no_write: bool, doc: Path = DOC) -> None:
    """Print the section (``--no-write``) or write it into docs/benchmarks.md and say so."""
    if no_write:
        print(section)
        return
    write_section(heading, section, doc)
    print(f"wrote the '{heading.removeprefix('## ')}' section of {doc.name}")
