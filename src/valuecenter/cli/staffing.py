"""``valuecenter staffing``: how many agents the calls need (issue 21), without a database.

``erlang`` sizes one interval with Erlang C, or Erlang A when ``--patience`` gives the
callers' mean patience (:mod:`valuecenter.analytics.erlang`). Shares (``--service-level``,
``--max-occupancy``, ``--shrinkage``) are fractions (0.8) or percentages (80): a value above 1
is read as a percentage, so 1 is 100%.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer

from valuecenter.errors import InvalidInput
from valuecenter.i18n import N_, _, format_number, format_percent

app = typer.Typer(
    help=N_("Staffing: the agents the calls need (Erlang C and Erlang A)."),
    no_args_is_help=True,
)

ERLANG_HELP = N_(
    "Agents needed for the calls of one interval: Erlang C, or Erlang A with --patience.\n"
    "\n"
    "Shares are fractions (0.8) or percentages (80): a value above 1 is a percentage.\n"
    "\n"
    "With --patience abandoned calls count as failures: answered within the target ÷ offered."
)
"""The help of ``staffing erlang``."""

_OPTION_OF = {
    "calls": "--calls",
    "traffic": "--calls",
    "interval_seconds": "--interval",
    "aht_seconds": "--aht",
    "target_seconds": "--target-seconds",
    "service_level": "--service-level",
    "max_occupancy": "--max-occupancy",
    "shrinkage": "--shrinkage",
    "patience_seconds": "--patience",
}


@contextmanager
def _analytics_errors() -> Iterator[None]:
    """An analytics :class:`InputError` ("field: message") as :class:`InvalidInput` naming the
    option, in the command's language."""
    from valuecenter.analytics.errors import InputError

    try:
        yield
    except InputError as exc:
        field, message = exc.field, exc.translated()
        if not field:
            raise InvalidInput("", message) from None
        raise InvalidInput(
            _OPTION_OF.get(field, field), message.removeprefix(f"{field}: ")
        ) from None


def share(value: float) -> float:
    """A fraction, or a percentage when above 1 (80 → 0.8)."""
    return value / 100 if value > 1 else value


def _seconds(x: float, decimals: int | None = None) -> str:
    return _("%(seconds)s s", seconds=format_number(x, decimals=decimals))


def text_lines(
    result: dict[str, Any],
    calls: float,
    interval: float,
    aht: float,
    target: float,
    shrinkage: float,
) -> list[str]:
    """The readable summary, numbers in the user's locale."""
    lines = [
        _(
            "Offered load: %(erlangs)s Erlangs (%(calls)s calls in %(interval)s, AHT %(aht)s)",
            erlangs=format_number(result["traffic_erlangs"], decimals=2),
            calls=format_number(calls),
            interval=_seconds(interval),
            aht=_seconds(aht),
        ),
        _("Agents needed: %(agents)s", agents=format_number(result["agents"])),
    ]
    if shrinkage:
        lines.append(
            _(
                "Agents to schedule with %(shrinkage)s shrinkage: %(agents)s",
                shrinkage=format_percent(shrinkage, decimals=1),
                agents=format_number(result["agents_with_shrinkage"]),
            )
        )
    lines += [
        _(
            "Service level: %(level)s answered within %(target)s",
            level=format_percent(result["service_level"], decimals=1),
            target=_seconds(target),
        ),
        _("Probability of waiting: %(p)s", p=format_percent(result["p_wait"], decimals=1)),
        _("Average speed of answer: %(asa)s", asa=_seconds(result["asa_seconds"], 1)),
        _("Occupancy: %(occupancy)s", occupancy=format_percent(result["occupancy"], decimals=1)),
    ]
    if "abandon_rate" in result:
        lines.append(
            _("Abandoned: %(rate)s", rate=format_percent(result["abandon_rate"], decimals=1))
        )
    return lines


@app.command("erlang", help=ERLANG_HELP)
def erlang(
    calls: float = typer.Option(..., "--calls", help=N_("Calls offered in the interval.")),
    interval: float = typer.Option(
        ..., "--interval", help=N_("Length of the interval in seconds (1800 = 30 minutes).")
    ),
    aht: float = typer.Option(..., "--aht", help=N_("Average handling time in seconds.")),
    target_seconds: float = typer.Option(
        ..., "--target-seconds", help=N_("Answer within this many seconds (the T of 80/20).")
    ),
    service_level: float = typer.Option(
        ..., "--service-level", help=N_("Share of calls to answer within the target (0.8 or 80).")
    ),
    max_occupancy: float | None = typer.Option(
        None, "--max-occupancy", help=N_("Highest share of time an agent is busy (0.85 or 85).")
    ),
    shrinkage: float = typer.Option(
        0.0,
        "--shrinkage",
        help=N_("Share of paid time off the phones: breaks, training, absence (0.3 or 30)."),
    ),
    patience: float | None = typer.Option(
        None,
        "--patience",
        help=N_("Callers' mean patience in seconds: Erlang A, abandoned calls counted."),
    ),
    as_json: bool = typer.Option(False, "--json", help=N_("Print one JSON object on stdout.")),
) -> None:
    from valuecenter.analytics.erlang import size_agents

    shrink = share(shrinkage)
    with _analytics_errors():
        sized = size_agents(
            calls,
            interval_seconds=interval,
            aht_seconds=aht,
            target_seconds=target_seconds,
            service_level=share(service_level),
            max_occupancy=None if max_occupancy is None else share(max_occupancy),
            shrinkage=shrink,
            patience_seconds=patience,
        )
    result: dict[str, Any] = {
        "traffic_erlangs": float(sized.traffic_erlangs),
        "agents": int(sized.agents),
        "service_level": float(sized.service_level),
        "p_wait": float(sized.p_wait),
        "asa_seconds": float(sized.asa_seconds),
        "occupancy": float(sized.occupancy),
        "agents_with_shrinkage": int(sized.agents_with_shrinkage),
    }
    if sized.abandon_rate is not None:
        result["abandon_rate"] = float(sized.abandon_rate)
    if as_json:
        typer.echo(json.dumps(result))
        return
    for line in text_lines(result, calls, interval, aht, target_seconds, shrink):
        typer.echo(line)
