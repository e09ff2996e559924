"""A Spark session for the scale-out jobs, or a one-line error naming what is missing.

Before the JVM starts, three things are checked, each with its own message: PySpark is
installed (the optional extra ``valuecenter[spark]``), a Java 17 or newer runtime is found
(``JAVA_HOME``, else ``java`` on the path; Spark 4 runs on Java 17 and 21), and ``--master``
is one Spark accepts — ``local``, ``local[N]``, ``local[*]``, ``spark://HOST:PORT[,HOST:PORT]``
(reachable: a standalone master that does not answer would otherwise be retried for minutes),
``k8s://https://HOST[:PORT]`` or ``yarn``.

The executors' Python is the driver's own interpreter unless ``PYSPARK_PYTHON`` says otherwise
(on a cluster it must be an environment with valuecenter installed: docs/scale-out.md).
Sessions compute in UTC, so a day is a UTC day on every engine.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from valuecenter.errors import InvalidInput, Unavailable
from valuecenter.i18n import _

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
MIN_JAVA = 17
CONNECT_SECONDS = 5.0
_LOCAL = re.compile(r"local(\[(\*|[1-9][0-9]{0,3})(,[0-9]{1,3})?\])?")
_STANDALONE = re.compile(r"spark://([A-Za-z0-9.\-]+:[0-9]{1,5})(,[A-Za-z0-9.\-]+:[0-9]{1,5})*")
_KUBERNETES = re.compile(r"k8s://https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?(/.*)?")
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def check_pyspark() -> None:
    if importlib.util.find_spec("pyspark") is None:
        raise Unavailable(
            _(
                "--engine spark: PySpark is not installed; install the extra with "
                "pip install 'valuecenter[spark]'"
            )
        )


def java_binary() -> Path | None:
    """The ``java`` Spark will start: ``$JAVA_HOME/bin/java``, else the one on the path."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return candidate if candidate.is_file() else None
    found = shutil.which("java")
    return Path(found) if found else None


def java_version(binary: Path) -> int | None:
    """The major version ``java -version`` prints (8 for "1.8"), or None if it does not run."""
    try:
        done = subprocess.run(
            [str(binary), "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _VERSION.search(done.stderr + done.stdout)
    if match is None:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def check_java() -> None:
    binary = java_binary()
    if binary is None:
        where = (
            _("JAVA_HOME=%(home)s has no bin/java", home=os.environ["JAVA_HOME"])
            if os.environ.get("JAVA_HOME")
            else _("no java on the PATH and JAVA_HOME is not set")
        )
        raise Unavailable(
            _(
                "--engine spark: Spark needs a Java %(min)s or newer runtime (%(where)s); "
                "install one, e.g. apt-get install openjdk-17-jre-headless",
                min=MIN_JAVA,
                where=where,
            )
        )
    version = java_version(binary)
    if version is None or version < MIN_JAVA:
        raise Unavailable(
            _(
                "--engine spark: %(java)s is Java %(version)s; Spark needs Java %(min)s or newer",
                java=str(binary),
                version="?" if version is None else version,
                min=MIN_JAVA,
            )
        )


def _reachable(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_SECONDS):
            return True
    except (OSError, ValueError):
        return False


def check_master(master: str) -> None:
    """Refuse a master Spark does not know, and a standalone master nobody answers at."""
    if _LOCAL.fullmatch(master) or _KUBERNETES.fullmatch(master) or master == "yarn":
        return
    if _STANDALONE.fullmatch(master):
        addresses = master.removeprefix("spark://").split(",")
        if not any(_reachable(address) for address in addresses):
            raise Unavailable(
                _("--master: no Spark master answers at %(where)s", where=", ".join(addresses))
            )
        return
    raise InvalidInput(
        "--master",
        _(
            "'%(value)s' is not a Spark master; use local[*], local[N], spark://HOST:PORT, "
            "k8s://https://HOST:PORT or yarn",
            value=master[:200],
        ),
    )


def submitted() -> bool:
    """Whether this process was started by ``spark-submit`` (its JVM is already running and
    its master, jars and memory are the submit's: docs/scale-out.md)."""
    return bool(os.environ.get("PYSPARK_GATEWAY_PORT"))


@contextmanager
def spark_session(
    master: str | None = DEFAULT_MASTER, app: str = "valuecenter", jars: tuple[Path, ...] = ()
) -> Iterator[SparkSession]:
    """A started session on ``master`` after the checks above, with ``jars`` on its class path
    (a JDBC driver); stopped on leaving. ``master=None``: the master ``spark-submit`` gave,
    else :data:`DEFAULT_MASTER`."""
    if master is None and not submitted():
        master = DEFAULT_MASTER
    if master is not None:
        check_master(master)
    check_pyspark()
    if not submitted():
        check_java()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    if jars:
        # On the driver's class path too: the JDBC reader loads its driver class there.
        builder = builder.config("spark.jars", ",".join(str(jar) for jar in jars)).config(
            "spark.driver.extraClassPath", os.pathsep.join(str(jar) for jar in jars)
        )
    if master is not None:
        builder = builder.master(master)
    session = (
        builder.appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # toPandas frees each Arrow batch as it is converted: the driver holds one copy of a
        # collected frame, not two (its peak memory: docs/benchmarks.md, "Scale-out on Spark").
        .config("spark.sql.execution.arrow.pyspark.selfDestruct.enabled", "true")
        .config("spark.sql.shuffle.partitions", "8")
        # The driver collects the fits' inputs and the customer-days by design (a few GB at
        # millions of customers: docs/scale-out.md); Spark's default stops at 1 GB.
        .config("spark.driver.maxResultSize", "0")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()
