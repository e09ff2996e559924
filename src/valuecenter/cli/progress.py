"""Shared pieces of the commands' terminal output: progress on stderr (stdout stays clean for
``--json``) and the parsing of day options.

Progress of a long job (bootstrap, demo, score, alerts, imports) is a Rich bar when stderr is a
terminal; when it is not (a log file, a pipe, cron, CI) the same progress is written as plain
lines, one per step, each with its counts and the time elapsed since the job began
(:class:`StepLines`), so a redirected run is never silent for minutes.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date

from valuecenter.errors import InvalidInput
from valuecenter.i18n import _, format_number, ngettext

Update = Callable[[int, int], None]


def interactive() -> bool:
    """True when stderr is a terminal: progress is drawn as Rich bars; else as lines."""
    return sys.stderr.isatty()


class StepLines:
    """A long job's progress as lines on stderr: ``JOB: STEP · 12.3 s`` (elapsed since start).

    ``step`` writes one line per step; ``rows`` (the shape of the loaders' row callbacks)
    writes a line when a new entity starts loading, with its row count, and one when it is done.
    """

    def __init__(self, job: str) -> None:
        self.job = job
        self.began = time.perf_counter()
        self._label: str | None = None
        self._finished: str | None = None

    def step(self, message: str) -> None:
        seconds = format_number(time.perf_counter() - self.began, decimals=1)
        print(
            _("%(job)s: %(step)s · %(seconds)s s", job=self.job, step=message, seconds=seconds),
            file=sys.stderr,
            flush=True,
        )

    def rows(self, label: str, done: int, total: int) -> None:
        if label != self._label:
            self._label, self._finished = label, None
            self.step(
                ngettext(
                    "loading %(label)s: %(count)s row…",
                    "loading %(label)s: %(count)s rows…",
                    total,
                    label=label,
                    count=format_number(total),
                )
            )
        if total and done >= total and self._finished != label:
            self._finished = label
            self.step(
                ngettext(
                    "loaded %(label)s: %(count)s row",
                    "loaded %(label)s: %(count)s rows",
                    done,
                    label=label,
                    count=format_number(done),
                )
            )

    def counter(self, label: str) -> Update:
        """An ``update(done, total)`` for one counted step (the importers' callback)."""
        return lambda done, total: self.rows(label, done, total)


@contextmanager
def counting_bar(label: str, unit: str) -> Iterator[Update]:
    """A transient bar "label ━━━ done/total unit" on stderr; yields ``update(done, total)``."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.fields[counts]} " + unit),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, counts="")

        def update(done: int, total: int) -> None:
            counts = f"{format_number(done)}/{format_number(total)}"
            bar.update(task, completed=done, total=total, counts=counts)

        yield update


def parse_day(option: str, value: str | None) -> date | None:
    """An ISO day given on the command line, or a one-line error naming the option."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            option,
            _("'%(value)s' is not a date like %(example)s", value=value, example="2026-11-01"),
        ) from None
