"""``valuecenter nps``: the Net Promoter Score of a file of survey answers, with its 95%
interval, overall and by group (issue 20), without a database.

Reads CSV (any single-character separator, ``--sep``), Parquet or XLSX through the importer's
reader. Every cell of the score column is sorted into a valid answer (a whole number 0–10;
"8.0" counts as 8) or a rejection — blank, not a number, or a number off the 0–10 scale
(7.5 included) — and rejections are counted and, in the text output, the first few shown with
their row (the header is row 1); none is dropped silently. The statistics are those of
:mod:`valuecenter.analytics.nps` (Tango's score interval by default).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from valuecenter.cli.datafile import column
from valuecenter.errors import InvalidInput
from valuecenter.formatting import grouped
from valuecenter.i18n import N_, _, format_number, ngettext

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from valuecenter.analytics.nps import NpsEstimate

HELP = N_(
    "Net Promoter Score of the answers in a file, with its 95% interval, overall and by group.\n"
    "\n"
    "9–10 promote, 7–8 are passive, 0–6 detract; the NPS is the share of promoters minus the\n"
    "share of detractors, ×100. Blank, non-numeric and out-of-range scores are rejected and\n"
    "counted, never dropped silently."
)
"""The help of the command (--help)."""

SHOWN_REJECTS = 5
"""Rejected rows listed in the text output."""
INTERVALS = {"score": "score", "adjusted-wald": "adjusted_wald", "wald": "wald"}
BLANK, NON_NUMERIC, OUT_OF_RANGE = "blank", "non_numeric", "out_of_range"


@dataclass(frozen=True)
class Answers:
    """The valid scores of the file (with their group labels) and what was rejected."""

    scores: npt.NDArray[np.int64]
    groups: list[str | None] | None
    rejected: dict[str, int]
    examples: list[tuple[int, str, str]]  # (row, kind, the cell as text) of the first few


def _text(column: pd.Series) -> pd.Series:
    """The cells as stripped text; an empty cell (null, NaN, or only spaces) is missing."""
    import pandas as pd
    import pyarrow as pa

    arrow_text = isinstance(column.dtype, pd.ArrowDtype) and pa.types.is_string(
        column.dtype.pyarrow_dtype
    )
    # Arrow's own strip when the reader gave Arrow text (CSV, XLSX); text otherwise.
    text: pd.Series = (column if arrow_text else column.astype("string")).str.strip()
    return text.mask(text == "")


def classify(cells: pd.Series, groups: pd.Series | None, first_row: int) -> Answers:
    """Sort every cell into a valid score (a whole number 0–10) or one of the three kinds of
    rejection: blank, not a number, off the 0–10 scale."""
    import numpy as np
    import pandas as pd

    text = _text(cells)
    blank = text.isna().to_numpy()
    number = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    finite = np.isfinite(number)
    non_numeric = ~blank & ~finite
    valid = finite & (number >= 0) & (number <= 10) & (number == np.round(number))
    out_of_range = finite & ~valid
    kinds = np.full(len(number), "", dtype=object)
    kinds[blank], kinds[non_numeric], kinds[out_of_range] = BLANK, NON_NUMERIC, OUT_OF_RANGE
    examples = [
        (int(i) + first_row, str(kinds[i]), "" if blank[i] else str(text.iloc[i]))
        for i in np.flatnonzero(~valid)[:SHOWN_REJECTS]
    ]
    labels = None
    if groups is not None:
        named = _text(groups)[valid].astype(object)
        labels = list(named.where(named.notna(), None))
    return Answers(
        scores=number[valid].astype(np.int64),
        groups=labels,
        rejected={
            NON_NUMERIC: int(non_numeric.sum()),
            OUT_OF_RANGE: int(out_of_range.sum()),
            BLANK: int(blank.sum()),
        },
        examples=examples,
    )


def _column(frame: pd.DataFrame, name: str, option: str) -> pd.Series:
    return column(frame, name, option)


def _read(data: Path, sep: str | None) -> pd.DataFrame:
    from valuecenter.cli.value import _read as read_any

    try:
        frame = read_any(data, sep)
    except InvalidInput as exc:
        raise InvalidInput("--data" if exc.field == "file" else exc.field, exc.detail) from None
    if len(frame) == 0:
        raise InvalidInput("--data", _("%(file)s: has no rows below the header", file=data))
    return frame


def _points(x: float) -> str:
    return format_number(x, decimals=1)


def _reason(kind: str, cell: str) -> str:
    if kind == BLANK:
        return _("blank")
    if kind == NON_NUMERIC:
        return _("'%(value)s' is not a number", value=cell)
    return _("'%(value)s' is not a whole number from 0 to 10", value=cell)


def _figures_line(figures: NpsEstimate) -> str:
    lo, hi = figures.ci
    counts = figures.counts
    return ngettext(
        "NPS %(nps)s, 95%% interval %(lo)s to %(hi)s · %(n)s answer: promoters %(promoters)s, "
        "passives %(passives)s, detractors %(detractors)s",
        "NPS %(nps)s, 95%% interval %(lo)s to %(hi)s · %(n)s answers: promoters %(promoters)s, "
        "passives %(passives)s, detractors %(detractors)s",
        counts.n,
        nps=_points(100 * figures.nps),
        lo=_points(100 * lo),
        hi=_points(100 * hi),
        n=grouped(counts.n),
        promoters=grouped(counts.promoters),
        passives=grouped(counts.passives),
        detractors=grouped(counts.detractors),
    )


def text_lines(report: Report, answers: Answers, group_col: str | None) -> list[str]:
    """The text output: the score, the rejections with their first rows, the groups."""
    lines = []
    if report.overall is not None:
        lines.append(_figures_line(report.overall))
    else:
        lines.append(_("no valid answer, so no NPS"))
    rejected = answers.rejected
    total = sum(rejected.values())
    if total:
        lines.append(
            _(
                "%(total)s rejected and not counted: %(non_numeric)s not a number, "
                "%(out_of_range)s off the 0–10 scale, %(blank)s blank",
                total=grouped(total),
                non_numeric=grouped(rejected[NON_NUMERIC]),
                out_of_range=grouped(rejected[OUT_OF_RANGE]),
                blank=grouped(rejected[BLANK]),
            )
        )
        for row, kind, cell in answers.examples:
            lines.append("  " + _("row %(row)s: %(reason)s", row=row, reason=_reason(kind, cell)))
        if total > len(answers.examples):
            lines.append("  …")
    if group_col is not None and report.groups:
        lines.append(_("By %(column)s:", column=group_col))
        width = max(len(_label(label)) for label, _figures in report.groups)
        for label, figures in report.groups:
            lines.append(f"  {_label(label).ljust(width)}  {_figures_line(figures)}")
    return lines


def _label(group: str | None) -> str:
    return _("(blank)") if group is None else group


def nps(
    data: Path = typer.Option(
        ..., "--data", help=N_("The answers: CSV, Parquet (.parquet) or XLSX (.xlsx).")
    ),
    score_col: str = typer.Option(..., "--score-col", help=N_("Column of the 0–10 answers.")),
    group_col: str | None = typer.Option(
        None,
        "--group-col",
        help=N_("Column to group by (segment, channel, reason, agent, team): an NPS per value."),
    ),
    sep: str | None = typer.Option(None, "--sep", help=N_("CSV separator (default: sniffed).")),
    interval: str = typer.Option(
        "score",
        "--interval",
        help=N_(
            "Interval method: score (Tango 1998; the default), adjusted-wald (Rocks 2016) or wald."
        ),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    method = INTERVALS.get(interval)
    if method is None:
        raise InvalidInput(
            "--interval",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=interval,
                choices=", ".join(INTERVALS),
            ),
        )
    frame = _read(data, sep)
    cells = _column(frame, score_col, "--score-col")
    labels = _column(frame, group_col, "--group-col") if group_col is not None else None
    first_row = 1 if data.suffix.lower() == ".parquet" else 2
    answers = classify(cells, labels, first_row)
    report = compute(answers, method)
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
        return
    for line in text_lines(report, answers, group_col):
        typer.echo(line)


@dataclass(frozen=True)
class Report:
    """The figures of one run: the overall NPS (None without a valid answer), each group's
    and the rejections."""

    overall: NpsEstimate | None
    groups: list[tuple[str | None, NpsEstimate]]
    rejected: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        """The JSON of the command: ``n``, ``nps``, ``ci95``, the three counts (the score and
        its limits on the −100…100 scale), ``groups`` (each with its label under ``group`` and
        the same figures; empty without ``--group-col``) and the ``rejected`` counts."""
        result: dict[str, Any] = (
            self.overall.as_json()
            if self.overall is not None
            else {
                "n": 0,
                "nps": None,
                "ci95": None,
                "promoters": 0,
                "passives": 0,
                "detractors": 0,
            }
        )
        result["groups"] = [{"group": label, **figures.as_json()} for label, figures in self.groups]
        result["rejected"] = dict(self.rejected)
        return result


def compute(answers: Answers, method: str) -> Report:
    """The NPS of the valid answers, overall and (when grouped) per group label."""
    from valuecenter.analytics.nps import count_scores, estimate, nps_by_group

    if answers.scores.size == 0:
        return Report(None, [], dict(answers.rejected))
    overall = estimate(count_scores(answers.scores), method)
    groups: list[tuple[str | None, NpsEstimate]] = []
    if answers.groups is not None:
        for label, figures in nps_by_group(answers.scores, answers.groups, method):
            groups.append((None if label is None else str(label), figures))
    return Report(overall, groups, dict(answers.rejected))
