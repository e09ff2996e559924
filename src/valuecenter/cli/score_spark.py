"""``valuecenter score --engine spark``: the score run with its features and per-customer
columns on a Spark cluster (issue 24; docs/scale-out.md). Reads ``--source db`` (PostgreSQL
through JDBC, each table in id ranges) or ``--source parquet:DIR`` (a data lake); writes the
run into the database in one transaction (``--out db``) or as Parquet (``--out
parquet:DIR``: ``customer_scores/`` and ``score_run.json``, written whole or not at all)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import typer
from sqlalchemy import func, select

from valuecenter.cli import context
from valuecenter.db.base import utcnow
from valuecenter.db.parquet import check_new_folder, written_whole
from valuecenter.db.uow import unit_of_work
from valuecenter.errors import InvalidInput
from valuecenter.i18n import N_, _, format_number
from valuecenter.value.models import ScoreRun
from valuecenter.value.segments import Segmentation
from valuecenter.value.service import ScoreOptions

Step = Callable[[str], None]
ENGINES = ("database", "spark")
# The options of every command with a Spark path (score, alerts run, offers features).
ENGINE_OPTION: Any = typer.Option(
    "database",
    "--engine",
    help=N_("database (one machine) or spark (a Spark cluster: docs/scale-out.md)."),
)
MASTER_OPTION: Any = typer.Option(
    None,
    "--master",
    help=N_("With --engine spark: the Spark master (default: spark-submit's, else local[*])."),
)
SOURCE_OPTION: Any = typer.Option(
    None,
    "--source",
    help=N_("With --engine spark: db (JDBC, PostgreSQL) or parquet:DIR (default db)."),
)


def check_engine(engine: str, spark_only: dict[str, str | None]) -> None:
    """``--engine`` is one of :data:`ENGINES`; the options of ``spark_only`` (name: value)
    are given only with ``--engine spark``."""
    if engine not in ENGINES:
        raise InvalidInput(
            "--engine",
            _(
                "'%(value)s' is not one of %(choices)s",
                value=engine[:100],
                choices=", ".join(ENGINES),
            ),
        )
    if engine != "spark" and (given := [k for k, v in spark_only.items() if v is not None]):
        raise InvalidInput(given[0], _("only with --engine spark"))


def _lake_out(text: str) -> Path | None:
    """None for ``db``; the folder of ``parquet:DIR`` (new or empty)."""
    if text == "db":
        return None
    kind, _sep, rest = text.partition(":")
    if kind != "parquet" or not rest:
        raise InvalidInput("--out", _("use db or parquet:DIR"))
    folder = Path(rest)
    check_new_folder("--out", folder)
    return folder


def _bounds() -> dict[str, tuple[int, int]]:
    from sqlalchemy import Table

    from valuecenter.cli.export import lake_tables

    tables: dict[str, Table] = lake_tables()
    with unit_of_work(context.sessions()) as session:
        out = {}
        for name, table in tables.items():
            low, high = session.execute(select(func.min(table.c.id), func.max(table.c.id))).one()
            out[name] = (int(low or 0), int(high or 0))
    return out


def _write_parquet(folder: Path, summary: dict[str, Any], frame: Any) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with written_whole(folder) as partial:
        (partial / "customer_scores").mkdir()
        pq.write_table(
            pa.Table.from_pandas(frame, preserve_index=False),
            partial / "customer_scores" / "part-00000.parquet",
        )
        (partial / "score_run.json").write_text(json.dumps(summary, indent=2, default=str))


_UNKNOWN = {
    "score": N_(
        "%(n)s customers of the source are not in the database (the first: id %(id)s); "
        "write the scores with --out parquet:DIR"
    ),
    "alerts": N_(
        "%(n)s customers of the source are not in the database (the first: id %(id)s); an "
        "alert run reads the company whose database it writes"
    ),
    "offers": N_(
        "%(n)s customers of the source are not in the database (the first: id %(id)s); "
        "feature rows are written for the database's customers"
    ),
}


def check_known_customers(ids: np.ndarray, job: str) -> None:
    """What a job writes into the database is only for customers it has (the lake may be
    another company's): a one-line error naming how many are not and the first."""
    from valuecenter.customers.models import Customer

    with unit_of_work(context.sessions()) as session:
        known = np.asarray(session.scalars(select(Customer.id)).all(), dtype=np.int64)
    missing = ids[~np.isin(ids, known)]
    if len(missing):
        raise InvalidInput(
            "--source", _(_UNKNOWN[job], n=format_number(len(missing)), id=int(missing[0]))
        )


@contextmanager
def spark_for(master: str | None, source_text: str, app: str, step: Step) -> Iterator[Any]:
    """A Spark session on ``master`` with the ``--source`` tables registered, after the
    checks that make a wrong master, a missing PySpark or Java one line each."""
    from valuecenter.spark.engine import (
        DEFAULT_MASTER,
        check_java,
        check_master,
        check_pyspark,
        spark_session,
        submitted,
    )
    from valuecenter.spark.features import Source

    if master is not None:
        check_master(master)
    check_pyspark()
    if not submitted():
        check_java()
    if source_text == "db":
        source = Source.database(context.settings().database_url, _bounds())
    else:
        source = Source.parse(source_text)
    shown = master or ("spark-submit" if submitted() else DEFAULT_MASTER)
    step(_("starting Spark on %(master)s…", master=shown))
    with spark_session(master, app, source.jars) as spark:
        source.register(spark)
        yield spark


def run_summary(run: ScoreRun) -> dict[str, Any]:
    """What ``score`` prints of a stored run (``--json``: this object)."""
    return {
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "customers": run.customers,
        "scored": run.scored,
        "models": run.models,
        "seconds": run.seconds,
    }


def score_on_spark(
    segmentation: Segmentation,
    options: ScoreOptions,
    master: str | None,
    source_text: str,
    out_text: str,
    step: Step,
) -> dict[str, Any]:
    """Run the score on Spark and store it; the summary the CLI prints."""
    from valuecenter.spark.score import spark_score
    from valuecenter.value.service import store

    if master is not None:
        from valuecenter.spark.engine import check_master

        check_master(master)
    out = _lake_out(out_text)
    began, started = time.perf_counter(), utcnow()
    with spark_for(master, source_text, "valuecenter-score", step) as spark:
        result = spark_score(spark, segmentation, options, step)
    frame = result.frame
    scored = int(frame["clv_cents"].notna().sum())
    if out is not None:
        run_id = f"score-{started:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
        summary: dict[str, Any] = {
            "run_id": run_id,
            "as_of": result.as_of.isoformat(),
            "customers": len(frame),
            "scored": scored,
            "models": result.params,
            "segments": segmentation.model_dump(),
            "risk_model": result.axis.model,
            "risk_auc": None if result.axis.auc is None else round(result.axis.auc, 4),
            "engine": "spark",
            "out": str(out),
        }
        step(_("writing %(path)s…", path=str(out)))
        summary["seconds"] = round(time.perf_counter() - began, 3)
        _write_parquet(out, summary, frame.assign(run_id=run_id))
        return summary
    check_known_customers(frame["customer_id"].to_numpy(np.int64), "score")
    step(_("storing %(count)s scores in the database…", count=format_number(len(frame))))
    with unit_of_work(context.sessions()) as session:
        run = store(
            session, frame, result.params, result.axis, result.as_of, segmentation, options,
            started, began,
        )  # fmt: skip
        return run_summary(run) | {"engine": "spark"}
