"""Shared pieces of the commands' terminal output: a Rich counting bar on stderr (stdout stays
clean for ``--json``) and the parsing of day options."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from valuecenter.errors import InvalidInput

Update = Callable[[int, int], None]


@contextmanager
def counting_bar(label: str, unit: str) -> Iterator[Update]:
    """A transient bar "label ━━━ done/total unit" on stderr; yields ``update(done, total)``."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn(f"{{task.completed:,}}/{{task.total:,}} {unit}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def parse_day(option: str, value: str | None) -> date | None:
    """An ISO day given on the command line, or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(option, f"'{value}' is not a date like 2026-11-01") from None
