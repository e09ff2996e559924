"""``valuecenter report`` (issue 23, point 4; docs/finance.md, "The monthly report").

One telecom demo world per backend and module (1,500 customers, scored, six months of the save
desk, a budget and a staffing forecast), then: the HTML in English and Dutch shows the
statement's figures formatted in that language and references no file or URL; ``--latest``
takes the last complete month; a month without data still gives a report whose sections say
so; bad input is one line naming the option and leaves no file. The PDF (printed by Chromium,
checked by rendering its pages with poppler's ``pdftoppm``) is made on SQLite only: printing
does not depend on the backend.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import empty_all_tables
from valuecenter.cli.main import main
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.finance import report
from valuecenter.finance.pnl import latest_month
from valuecenter.finance.report_svg import Series, nice_ticks, trend_chart
from valuecenter.finance.statement import Statement, statement
from valuecenter.formatting import money_exact, money_short
from valuecenter.i18n import format_percent, use_locale
from valuecenter.settings import get_settings

MONTH = "2026-10"  # the telecom world's history ends on 31 October 2026
BUDGET = "year,line,amount_eur\n2026,agent-hours,9000\n2026,giveaways,4000\n2026,saves,60000\n"
SECTIONS = ("s_pnl", "s_value", "s_retention", "s_service", "s_staffing", "s_method")


def one_line(err: str, word: str) -> None:
    """A single line on stderr that names ``word``."""
    assert len(err.strip().splitlines()) == 1, err
    assert word in err, err


def cli(*args: str) -> tuple[int, str, str]:
    """``valuecenter ARGS`` in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
        pytest.raises(SystemExit) as done,
    ):
        main(list(args))
    code = done.value.code
    return (
        (code if isinstance(code, int) else 0 if code is None else 1),
        out.getvalue(),
        err.getvalue(),
    )


@pytest.fixture(scope="module")
def world(
    migrated_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sessionmaker[Session]]:
    """The demo world, built once per backend for the whole module; emptied afterwards."""
    patch = pytest.MonkeyPatch()
    patch.setenv("VALUECENTER_DATABASE_URL", migrated_url)
    get_settings.cache_clear()
    budget = tmp_path_factory.mktemp("budget") / "budget.csv"
    budget.write_text(BUDGET)
    engine = make_engine(migrated_url)
    try:
        for args in (
            ("demo", "--preset", "telecom", "--customers", "1500", "--seed", "4"),
            ("score",),
            ("demo", "savedesk", "--months", "6"),
            ("finance", "budget", "load", str(budget)),
            ("staffing", "forecast", "--queue", "phone-nl", "--model", "profile_mean",
             "--as-of", "2026-10-24"),
        ):  # fmt: skip
            code, _out, err = cli(*args)
            assert code == 0, (args, err)
        yield make_sessionmaker(engine)
    finally:
        empty_all_tables(engine)
        engine.dispose()
        patch.undo()
        get_settings.cache_clear()


class Tables(HTMLParser):
    """The text of each element with an id, and the rows (attributes, cell texts) of each
    table with an id."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, str] = {}
        self.rows: dict[str, list[tuple[dict[str, str], list[str]]]] = {}
        self._open: list[tuple[str, str | None]] = []
        self._text: dict[str, list[str]] = {}
        self._table: str | None = None
        self._row: tuple[dict[str, str], list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag in ("br", "col", "meta", "rect", "line"):
            return
        self._open.append((tag, found.get("id")))
        if found.get("id"):
            self._text[found["id"]] = []
        if tag == "table" and found.get("id"):
            self._table = found["id"]
            self.rows[self._table] = []
        elif tag == "tr" and self._table:
            self._row = (found, [])
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("br", "col", "meta", "rect", "line"):
            return
        while self._open:
            name, ident = self._open.pop()
            if ident:
                self.by_id[ident] = " ".join("".join(self._text.pop(ident)).split())
            if name == tag:
                break
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table:
            self.rows[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        for ident in self._text:
            self._text[ident].append(data)
        if self._cell is not None:
            self._cell.append(data)

    def row(self, table: str, **attrs: str) -> list[str]:
        (cells,) = [c for a, c in self.rows[table] if all(a.get(k) == v for k, v in attrs.items())]
        return cells


def parse(html: str) -> Tables:
    tables = Tables()
    tables.feed(html)
    return tables


def _percent(share: float | None) -> str:
    return "–" if share is None else format_percent(share)


def _interval(bounds: tuple[int, int] | None) -> str:
    return "–" if bounds is None else f"[{money_exact(bounds[0])}, {money_exact(bounds[1])}]"


def _check_statement(page: Tables, s: Statement) -> None:
    """The page's P&L figures are the statement's, formatted in the current language."""
    p, y = s.period, s.year_to_date
    assert page.by_id["month-cost"] == money_exact(p.cost_cents)
    assert page.by_id["month-proven"] == money_exact(p.proven_cents)
    assert page.by_id["month-net"] == money_exact(p.net_cents)
    assert page.by_id["month-roi"] == _percent(p.roi)
    assert page.by_id["month-unproven"] == money_exact(p.unproven_gross_cents)
    for line in p.costs:
        year = next(c.cents for c in y.costs if c.key == line.key)
        assert page.row("costs", **{"data-line": line.key}) == [
            line.label,
            money_exact(line.cents),
            money_exact(year),
        ]
    for table, pnl in (("yields-month", p), ("yields-ytd", y)):
        for line in pnl.yields:
            cells = page.row(table, **{"data-line": line.key})
            assert cells[:4] == [
                line.label,
                money_exact(line.gross_cents),
                money_exact(line.incremental_cents),
                _interval(line.interval_cents),
            ]
            assert cells[4].startswith(report.labels()["proven" if line.proven else "unproven"])
    totals = {cells[0]: cells[1:] for _a, cells in page.rows["totals"][1:]}
    labels = report.labels()
    assert totals[labels["proven_yield"]] == [
        money_exact(p.proven_cents),
        money_exact(y.proven_cents),
    ]
    assert totals[labels["ci95"]] == [
        _interval(p.proven_interval_cents),
        _interval(y.proven_interval_cents),
    ]
    assert totals[labels["net"]] == [money_exact(p.net_cents), money_exact(y.net_cents)]
    assert page.by_id["seeds-gross"] == money_exact(s.seeds.gross_cents)
    assert page.by_id["seeds-incremental"] == money_exact(s.seeds.incremental_cents)
    assert page.by_id["seeds-why"] == s.seeds.why
    assert s.budget, "the world has a budget"
    for b in s.budget:
        cells = page.row("budget", **{"data-line": b.line})
        assert cells[2:] == [
            money_short(v)
            for v in (
                b.year_cents,
                b.month_budget_cents,
                b.month_actual_cents,
                b.ytd_budget_cents,
                b.ytd_actual_cents,
                b.projection_cents,
            )
        ]
    assert [a["data-month"] for a, _c in page.rows["trend"][1:]] == [m.month for m in s.trend]


def self_contained(html: str) -> None:
    """No URL, no file, no script: everything the page shows is in it."""
    assert "http://" not in html
    assert "https://" not in html
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", html, re.I)
    assert not re.search(r"\bsrc\s*=", html, re.I)
    assert not re.search(r"url\((?!#)", html), "only in-page references (the SVG hatching)"
    assert not re.search(r"@import", html)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_html_shows_the_statement_in_the_language_asked(
    world: sessionmaker[Session], tmp_path: Path, lang: str
) -> None:
    out = tmp_path / f"report-{lang}.html"
    code, said, err = cli("report", "--month", MONTH, "--format", "html", "--out", str(out),
                          "--lang", lang)  # fmt: skip
    assert code == 0, err
    assert str(out) in said
    html = out.read_text(encoding="utf-8")
    self_contained(html)
    assert f'<html lang="{lang}">' in html
    page = parse(html)
    with use_locale(lang), world() as session:
        figures = statement(session, MONTH)
        labels = report.labels()
        for key in SECTIONS:
            assert re.search(rf"<h2>\d\. {re.escape(labels[key])}</h2>", html), key
        assert page.by_id["report-month"] == ("oktober 2026" if lang == "nl" else "October 2026")
        _check_statement(page, figures)
        assert labels["not_summed"] in unescape(html)
    # Money in the language's own way: nl '€ 1.234,56', en '€1,234.56'.
    cost = page.by_id["month-cost"]
    assert cost.startswith("€ ") if lang == "nl" else cost.startswith("€") and "€ " not in cost
    # Every section found its data in this world.
    assert page.rows["segments"]
    assert page.rows["desk"]
    assert page.rows["levels"]
    assert page.by_id["nps"]
    assert page.by_id["accuracy"]
    assert "staffing-none" not in page.by_id
    assert "budget-none" not in page.by_id


def test_latest_takes_the_last_complete_month(world: sessionmaker[Session], tmp_path: Path) -> None:
    with world() as session:
        assert latest_month(session) == MONTH
    out = tmp_path / "latest.html"
    code, said, err = cli("report", "--latest", "--out", str(out))
    assert code == 0, err
    assert MONTH in said
    page = parse(out.read_text(encoding="utf-8"))
    assert page.by_id["report-month"] == "October 2026"
    assert 'data-month="2026-10"' in out.read_text(encoding="utf-8")


def test_a_month_without_data_says_so_in_each_section(
    world: sessionmaker[Session], tmp_path: Path
) -> None:
    out = tmp_path / "empty.html"
    code, _said, err = cli("report", "--month", "2015-03", "--out", str(out))
    assert code == 0, err
    html = out.read_text(encoding="utf-8")
    self_contained(html)
    page = parse(html)
    assert page.by_id["month-cost"] == money_exact(0)
    assert page.by_id["month-roi"] == "–"  # no cost, no ROI
    no_data = report.labels()["no_data"]
    assert html.count(no_data) >= 3  # retention, NPS and service levels
    assert "No save-desk case was closed this month." in html
    assert page.by_id["budget-none"].startswith("No budget loaded for 2015")
    assert page.rows["segments"]  # the latest score run is the latest, whatever the month


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("--month", "2026-13"), "--month"),
        (("--month", "October"), "--month"),
        (("--month", "1999-12"), "--month"),
        (("--month", MONTH, "--latest"), "--month"),
        ((), "--month"),
        (("--month", MONTH, "--format", "docx"), "--format"),
        (("--month", MONTH, "--lang", "de"), "--lang"),
    ],
)
def test_bad_input_is_one_line_naming_the_option_and_writes_nothing(
    world: sessionmaker[Session], tmp_path: Path, args: tuple[str, ...], field: str
) -> None:
    out = tmp_path / "report.html"
    code, said, err = cli("report", *args, "--out", str(out))
    assert code == 2, err
    assert said == ""
    one_line(err, field)
    assert list(tmp_path.iterdir()) == []


def test_an_out_that_cannot_be_written_is_refused_and_nothing_is_left(
    world: sessionmaker[Session], tmp_path: Path
) -> None:
    for out in (tmp_path / "missing" / "report.html", tmp_path):
        code, _said, err = cli("report", "--month", MONTH, "--out", str(out))
        assert code == 2, err
        one_line(err, "--out")
    assert list(tmp_path.iterdir()) == []


def _pages(pdf: Path, folder: Path) -> list[Path]:
    """The PDF's pages as PNG at 50 dpi (poppler's pdftoppm)."""
    prefix = folder / pdf.stem
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(pdf), str(prefix)], check=True)
    return sorted(folder.glob(f"{pdf.stem}-*.png"))


def _spread(png: Path) -> float:
    """The standard deviation of the page's grey levels (0: a blank page): with PIL when it
    is installed, else from the same page rendered as a PGM by pdftoppm."""
    try:
        from PIL import Image  # type: ignore[import-not-found]
    except ImportError:
        return -1.0
    with Image.open(png) as image:
        return float(np.asarray(image.convert("L"), dtype=np.float64).std())


def _grey_spreads(pdf: Path, folder: Path) -> list[float]:
    prefix = folder / f"{pdf.stem}-grey"
    subprocess.run(["pdftoppm", "-gray", "-r", "50", str(pdf), str(prefix)], check=True)
    spreads = []
    for page in sorted(folder.glob(f"{pdf.stem}-grey-*.pgm")):
        data = page.read_bytes()
        header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", data)
        assert header is not None
        width, height = int(header[1]), int(header[2])
        grey = np.frombuffer(data[header.end() : header.end() + width * height], dtype=np.uint8)
        spreads.append(float(grey.std()))
    return spreads


@pytest.fixture(scope="module")
def png_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report-png")


@pytest.mark.sqlite_only("printing does not depend on the backend; the figures are checked on both")
@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_pdf_prints_every_section_on_a4_pages(
    world: sessionmaker[Session], tmp_path: Path, png_folder: Path, lang: str
) -> None:
    for tool, package in (("chromium", "chromium"), ("pdftoppm", "poppler-utils")):
        if shutil.which(tool) is None:
            missing = f"{tool} is not installed (Debian package {package})"
            if os.environ.get("VALUECENTER_REQUIRE_BROWSER") == "1":  # CI: .ci/run installs both
                pytest.fail(f"VALUECENTER_REQUIRE_BROWSER=1 but {missing}")
            pytest.skip(missing)
    out = tmp_path / f"report-{lang}.pdf"
    code, said, err = cli("report", "--month", MONTH, "--out", str(out), "--lang", lang)
    assert code == 0, err
    assert "PDF" in said
    assert out.read_bytes().startswith(b"%PDF-")
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True)
    assert re.search(r"Page size:\s+59[45](\.\d+)? x 84[12](\.\d+)? pts \(A4\)", info.stdout)
    pages = _pages(out, png_folder)
    print(f"pages of the {lang} PDF:", *pages, sep="\n  ")
    assert len(pages) >= len(SECTIONS)  # each section starts a page
    assert all(p.stat().st_size > 2_000 for p in pages)  # a blank A4 page at 50 dpi is ~1 kB
    spreads = [_spread(p) for p in pages]
    if spreads[0] < 0:  # no PIL: the same pages in grey, read by hand
        spreads = _grey_spreads(out, png_folder)
    assert len(spreads) == len(pages)
    assert all(spread > 5 for spread in spreads), spreads
    assert list(tmp_path.iterdir()) == [out]  # no temporary file left beside it


@pytest.mark.sqlite_only("the browser's absence and the atomic write do not depend on the backend")
def test_without_chromium_or_when_printing_fails_nothing_is_written(
    world: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "report.pdf"
    monkeypatch.setattr(report, "BROWSERS", ("no-such-chromium",))
    code, _said, err = cli("report", "--month", MONTH, "--out", str(out))
    assert code == 1
    one_line(err, "chromium is not installed")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()

    # A printer that dies half-way: the old report stays as it was, no temporary file is left.
    out.write_bytes(b"%PDF-1.7 the report of last month")

    def half_printed(command: list[str], **_kwargs: Any) -> subprocess.CompletedProcess[bytes]:
        target = next(arg.split("=", 1)[1] for arg in command if arg.startswith("--print-to-pdf="))
        Path(target).write_bytes(b"%PDF-1.7 half")
        return subprocess.CompletedProcess(command, 139, b"", b"Segmentation fault\n")

    monkeypatch.setattr(report, "BROWSERS", ("sh",))  # found; never run
    monkeypatch.setattr(report.subprocess, "run", half_printed)
    code, _said, err = cli("report", "--month", MONTH, "--out", str(out))
    assert code == 1
    one_line(err, "could not print")
    assert out.read_bytes() == b"%PDF-1.7 the report of last month"
    assert list(tmp_path.iterdir()) == [out]


def test_the_trend_chart_draws_negative_months_below_the_axis() -> None:
    assert nice_ticks(-1234, 5678) == [-2000, 0, 2000, 4000, 6000]
    assert nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    svg = trend_chart(
        ["a", "b"],
        [Series("cost", [500, 800], "#c00"), Series("yield", [-300, 900], "#0a0", hatched=True)],
        title="t",
        money=str,
    )
    bars = {
        title: (float(y), float(h))
        for y, h, title in re.findall(
            r'<rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"[^>]*><title>([^<]+)',
            svg,
        )
    }
    assert len(bars) == 4
    zero = float(re.findall(r'y1="([\d.]+)" y2="[\d.]+" stroke="#5b6577"', svg)[0])
    y, height = bars["a · yield: -300"]
    assert y == zero  # hangs from the axis
    assert height > 0
    for title in ("a · cost: 500", "b · cost: 800", "b · yield: 900"):
        y, height = bars[title]
        assert y + height == pytest.approx(zero, abs=0.11)  # stands on it
    assert "http" not in svg
    assert 'fill="url(#hatch-1)"' in svg
