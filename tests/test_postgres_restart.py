"""PostgreSQL restarts under decision load (issue 17): while the database is down the decision
API answers 503 with ``Retry-After`` — never 500, never a hang — and it recovers by itself
within seconds after the database is back, with no acknowledged decision lost.

The test starts its own PostgreSQL (``initdb`` and ``pg_ctl`` of PostgreSQL 15, its own port
and data directory under /tmp; as the ``postgres`` user when run as root, which PostgreSQL
refuses) and restarts that one with ``pg_ctl``; the shared server of the other tests is never
touched. It runs once, not per backend, and is skipped (with the reason) where ``initdb`` or
``pg_ctl`` is missing. The server is the real application under uvicorn in a thread; a caller
thread keeps sending decisions through the whole stop and start.
"""

from __future__ import annotations

import copy
import http.client
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from tests.test_web_nba_pages import CATALOGUE
from valuecenter.customers.models import Customer
from valuecenter.db.engine import make_engine, make_sessionmaker
from valuecenter.db.migrate import upgrade
from valuecenter.db.uow import unit_of_work
from valuecenter.offers import catalogue
from valuecenter.offers.models import Decision
from valuecenter.settings import Settings
from valuecenter.users import service as users
from valuecenter.users.models import Role
from valuecenter.web.app import create_app

PG_BIN = Path(os.environ.get("VALUECENTER_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
RECOVERY_LIMIT_S = 10.0
REQUEST_TIMEOUT_S = 20.0

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not ((PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()),
        reason=f"needs PostgreSQL's initdb and pg_ctl in {PG_BIN} (VALUECENTER_TEST_PG_BIN)",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A PostgreSQL of this test's own: its data directory, port and pg_ctl."""

    base: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _ctl(self, *args: str, check: bool = True) -> None:
        subprocess.run(
            [*self.as_user, str(PG_BIN / "pg_ctl"), "-D", str(self.base / "data"), *args],
            check=check, capture_output=True, timeout=120,
        )  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1"
        self._ctl("-o", options, "-l", str(self.base / "log"), "-w", "-t", "90", "start")

    def stop(self, *, check: bool = True) -> None:
        self._ctl("-m", "fast", "-w", "-t", "90", "stop", check=check)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    base = Path(tempfile.mkdtemp(prefix="vc-pg-restart-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        runuser = shutil.which("runuser")
        if runuser is None:
            pytest.skip("runs as root and there is no runuser to start PostgreSQL as postgres")
        as_user = [runuser, "-u", "postgres", "--"]
        shutil.chown(base, "postgres")
    subprocess.run(
        [*as_user, str(PG_BIN / "initdb"), "-D", str(base / "data"), "-A", "trust",
         "-U", "postgres", "--no-sync"],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    own = Cluster(base, _free_port(), as_user)
    own.start()
    try:
        yield own
    finally:
        try:
            own.stop(check=False)  # stopped already when the test failed while it was down
        finally:
            shutil.rmtree(base, ignore_errors=True)


@dataclass
class Answer:
    at: float
    status: int  # 0: no answer (connection error or timeout)
    seconds: float
    decision_id: int | None
    retry_after: str | None


class Caller(threading.Thread):
    """Sends decisions one after the other until stopped; records every answer."""

    def __init__(self, port: int, token: str, customer_id: int) -> None:
        super().__init__(daemon=True)
        self.port, self.token = port, token
        self.body = json.dumps({"customer_id": customer_id, "channel": "phone"})
        self.answers: list[Answer] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        conn: http.client.HTTPConnection | None = None
        while not self.stopped.is_set():
            began = time.monotonic()
            status, decision_id, retry_after = 0, None, None
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(
                        "127.0.0.1", self.port, timeout=REQUEST_TIMEOUT_S
                    )
                conn.request(
                    "POST", "/api/v1/decisions", body=self.body,
                    headers={"Authorization": f"Bearer {self.token}",
                             "Content-Type": "application/json"},
                )  # fmt: skip
                response = conn.getresponse()
                payload = json.loads(response.read() or b"{}")
                status = response.status
                retry_after = response.getheader("Retry-After")
                if status == 201:
                    decision_id = int(payload["decision_id"])
            except (OSError, http.client.HTTPException):
                conn = None
            self.answers.append(
                Answer(began, status, time.monotonic() - began, decision_id, retry_after)
            )
            if status != 201:
                time.sleep(0.05)

    def wait_for(self, what: str, test: object, timeout: float) -> Answer:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for answer in self.answers[seen:]:
                if test(answer):  # type: ignore[operator]
                    return answer
            seen = len(self.answers)
            time.sleep(0.05)
        statuses = [a.status for a in self.answers[-20:]]
        raise AssertionError(f"no {what} within {timeout:g} s; last statuses {statuses}")


def _world(url: str) -> tuple[str, int]:
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    with unit_of_work(sessions) as session:
        document = copy.deepcopy(CATALOGUE)
        document["actions"] = [a for a in document["actions"] if a["code"] == "thank-you"]  # type: ignore[index, union-attr]
        catalogue.import_catalogue(session, document)
        customer = Customer(external_id="C1", name="Bakkerij Jansen")
        session.add(customer)
        users.create_user(session, username="agent", password="p" * 16, role=Role.AGENT)
        token = users.issue_token(session, username="agent", days=1)
        session.flush()
        return token, customer.id


def test_the_decision_api_answers_503_while_postgresql_restarts_and_recovers_by_itself(
    cluster: Cluster,
) -> None:
    token, customer_id = _world(cluster.url)
    settings = Settings(
        database_url=cluster.url,
        environment="test",
        secret_key="restart-test-secret-key-0123456789abcdef",
        nba_engine_ttl_seconds=0.0,
    )
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    caller = Caller(port, token, customer_id)
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        caller.start()
        caller.wait_for("decision", lambda a: a.status == 201, 60)
        time.sleep(0.5)  # decisions under way when the database goes

        cluster.stop()
        down = time.monotonic()
        refused = caller.wait_for("503", lambda a: a.at > down and a.status == 503, 30)
        assert refused.retry_after is not None
        assert int(refused.retry_after) > 0
        time.sleep(1.0)  # more requests meet the stopped database

        cluster.start()
        up = time.monotonic()
        back = caller.wait_for(
            "decision after the restart", lambda a: a.at > up and a.status == 201, 30
        )
        time.sleep(0.5)
    finally:
        caller.stopped.set()
        caller.join(timeout=60)
        server.should_exit = True
        serving.join(timeout=60)

    answers = caller.answers
    assert {a.status for a in answers} <= {201, 503}, sorted({a.status for a in answers})
    assert all(a.retry_after for a in answers if a.status == 503)
    assert max(a.seconds for a in answers) < REQUEST_TIMEOUT_S  # no hang
    assert sum(a.status == 503 for a in answers if down <= a.at < up) >= 3
    recovery = back.at + back.seconds - up
    assert recovery <= RECOVERY_LIMIT_S, recovery
    acknowledged = {a.decision_id for a in answers if a.decision_id is not None}
    assert len(acknowledged) >= 3
    with make_sessionmaker(make_engine(cluster.url))() as session:
        logged = set(session.scalars(select(Decision.id)))
    assert acknowledged <= logged, sorted(acknowledged - logged)
