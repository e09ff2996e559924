"""One Spark session (``local[2]``) and one 20,000-customer wholesale world for the Spark tests.

PySpark and Java are part of the development install (``make install``; .ci/run installs
Java when the machine lacks it). A machine without them skips these tests with the reason,
unless ``VALUECENTER_REQUIRE_SPARK=1`` (CI), where that is a failure.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.cli_world import build_world, quiet_cli
from valuecenter.errors import Unavailable

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

WORLD = ("demo", "--preset", "wholesale", "--customers", "20000", "--seed", "1")


def require_spark() -> None:
    from valuecenter.spark.engine import check_java, check_pyspark

    try:
        check_pyspark()
        check_java()
    except Unavailable as exc:
        if os.environ.get("VALUECENTER_REQUIRE_SPARK") == "1":
            pytest.fail(f"VALUECENTER_REQUIRE_SPARK=1 but {exc}")
        pytest.skip(str(exc))


def spark_installed() -> bool:
    return importlib.util.find_spec("pyspark") is not None


def _jars() -> tuple[Path, ...]:
    from valuecenter.spark.features import JDBC_JAR

    return (JDBC_JAR,) if JDBC_JAR.is_file() else ()


@pytest.fixture(scope="module")
def jvm() -> None:
    """The process's JVM started with the JDBC driver on its class path: Spark starts one JVM
    per process, and a later session's driver class path cannot grow (the CLI's sessions in
    tests run in this process)."""
    require_spark()
    from valuecenter.spark.engine import spark_session

    with spark_session("local[2]", "valuecenter-tests", _jars()):
        pass


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    require_spark()
    from valuecenter.spark.engine import spark_session

    with spark_session("local[2]", "valuecenter-tests", _jars()) as session:
        yield session


@pytest.fixture(scope="module")
def wholesale_lake(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The world in a SQLite file of its own and exported to Parquet: (database, lake)."""
    folder = tmp_path_factory.mktemp("spark-world")
    database, lake = folder / "world.db", folder / "lake"
    build_world(database, WORLD)
    with pytest.MonkeyPatch.context() as patch:
        from valuecenter.settings import get_settings

        patch.setenv("VALUECENTER_DATABASE_URL", f"sqlite:///{database}")
        get_settings.cache_clear()
        try:
            quiet_cli("export", "parquet", str(lake))
        finally:
            get_settings.cache_clear()
    return database, lake
