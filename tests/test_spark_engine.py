"""What ``--engine spark`` checks before a JVM starts (issue 24's last "Done when"): a wrong
``--master``, a master nobody answers at, no Java, an old Java and no PySpark each give one line
naming what is missing. No Spark session is started here."""

from __future__ import annotations

import importlib.util
import socket
import stat
from pathlib import Path

import pytest

from valuecenter.errors import InvalidInput, Unavailable
from valuecenter.spark import engine


@pytest.mark.parametrize(
    "master",
    ["local", "local[2]", "local[*]", "local[4,2]", "yarn", "k8s://https://10.0.0.1:6443"],
)
def test_the_masters_spark_knows_pass(master: str) -> None:
    engine.check_master(master)


@pytest.mark.parametrize(
    "master", ["", "lokal[2]", "local[0]", "spark://", "http://x:7077", "x" * 5000]
)
def test_a_wrong_master_is_one_line_naming_the_option(master: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        engine.check_master(master)
    message = str(caught.value)
    assert message.startswith("--master: ")
    assert "\n" not in message
    assert "local[*]" in message  # says what would do
    assert len(message) < 400


def test_a_standalone_master_nobody_answers_at_is_named() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(Unavailable) as caught:
        engine.check_master(f"spark://127.0.0.1:{port}")
    assert str(caught.value) == f"--master: no Spark master answers at 127.0.0.1:{port}"


def test_a_standalone_master_that_answers_passes() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        engine.check_master(f"spark://127.0.0.1:{server.getsockname()[1]}")


def test_no_java_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(Unavailable) as caught:
        engine.check_java()
    message = str(caught.value)
    assert "Java 17" in message
    assert "no java on the PATH and JAVA_HOME is not set" in message
    assert "openjdk-17-jre-headless" in message
    assert "\n" not in message


def test_a_java_home_without_java_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(Unavailable, match=r"JAVA_HOME=.* has no bin/java"):
        engine.check_java()


def _fake_java(home: Path, version: str) -> None:
    java = home / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text(f"#!/bin/sh\necho 'openjdk version \"{version}\" 2019-01-15' >&2\n")
    java.chmod(java.stat().st_mode | stat.S_IEXEC)


@pytest.mark.parametrize(("version", "major"), [("11.0.2", 11), ("1.8.0_402", 8)])
def test_an_old_java_is_refused_with_its_version(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, version: str, major: int
) -> None:
    _fake_java(tmp_path, version)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(Unavailable) as caught:
        engine.check_java()
    assert f"is Java {major}; Spark needs Java 17 or newer" in str(caught.value)


def test_java_17_passes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _fake_java(tmp_path, "17.0.15")
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    engine.check_java()


def test_no_pyspark_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pyspark" else real(name, *a)
    )
    with pytest.raises(Unavailable) as caught:
        engine.check_pyspark()
    assert "pip install 'valuecenter[spark]'" in str(caught.value)
