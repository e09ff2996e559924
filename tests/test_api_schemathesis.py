"""Property-based test of the whole JSON API against its own OpenAPI document (schemathesis,
issue 17): every operation of ``/openapi.json`` is called with generated valid and invalid
requests under a manager's token, and every check runs (no 5xx, only documented status
codes, content types and headers, answers that match their schema, invalid data refused,
valid data accepted, unsupported methods answered 405 with ``Allow``, …).

Bounded and deterministic so it stays a CI test: a fixed seed, derandomised generation and
at most :data:`MAX_EXAMPLES` generated cases per operation (plus schemathesis's coverage
cases: boundary and type-mutated values of each parameter).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import reject
from schemathesis.config import SchemathesisConfig

from tests.web_fixtures import World, bearer, make_client

MAX_EXAMPLES = 25
SEED = 17

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "mode": "all"},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": False},
        },
        "checks": {"enabled": True},
        # The campaign manager's writes carry facts JSON Schema cannot state: the action must
        # be in the catalogue, a goal's baseline + effect must stay a rate, a start day must be
        # 2000–2100, a CSV text must have its columns. Schema-valid bodies that break them are
        # refused with a 422 naming the field, which these operations therefore may answer.
        "operations": [
            {
                "include-path-regex": (
                    r"^/api/v1/campaigns(/\{campaign_id\}/(goal|responses|redemptions))?$"
                ),
                "include-method": "POST|PUT",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "403", "404", "409", "422"]
                    }
                },
            },
            # The cockpit: a manager must name the account manager (an AM sees only himself),
            # a rule on the caller's role that JSON Schema cannot state (422 naming the field).
            {
                "include-name": "GET /api/v1/pools/cockpit",
                "checks": {
                    "positive_data_acceptance": {
                        "expected-statuses": ["2xx", "401", "403", "404", "422"]
                    }
                },
            },
            # Routing: a call's time must lie in the years 2000–2099 (a date-time's range is
            # not a JSON Schema bound; 422 naming `time`).
            {
                "include-name": "POST /api/v1/routing/decide",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "422"]}
                },
            },
            # Erlang sizing: the offered load calls × AHT ÷ interval must stay within 100,000
            # Erlangs, a bound on a product of fields JSON Schema cannot state (422 naming it).
            {
                "include-name": "POST /api/v1/staffing/erlang",
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "422"]}
                },
            },
        ],
    }
)


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    """schemathesis 4.32's lazy schema reads ``node._nodeid``, which pytest 9 no longer has
    (it names each operation's subtest with it)."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture
def api_client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as client:
        client.headers.update(bearer(world.tokens["manager"]))
        yield client


@pytest.fixture
def api_schema(api_client: TestClient) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", api_client.app, config=CONFIG)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.sqlite_only("the API's SQL runs on PostgreSQL in tests/test_web_*.py")
@schema.parametrize()
def test_api_conforms_to_its_openapi(case: schemathesis.Case, world: World) -> None:
    if case.query and any(value == [] for value in case.query.values()):
        # A query parameter whose value is an empty list is not sent at all (httpx drops it),
        # so schemathesis' negative case "an unknown parameter named '' = []" arrives as the
        # valid request it was made from and would be counted as accepted bad data.
        reject()
    case.call_and_validate(headers=bearer(world.tokens["manager"]))
