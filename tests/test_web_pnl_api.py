"""``GET /api/v1/pnl`` (issue 23, point 5): the statement of ``finance/statement.py`` as JSON,
every line with its method and provenance; managers and admins only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_retention_desk import Desk
from tests.test_retention_ledger import books  # noqa: F401  (the fixture)
from tests.web_fixtures import World, bearer, make_client
from valuecenter.contacts.models import Contact
from valuecenter.finance.pnl import latest_month
from valuecenter.finance.schemas import PnlOut
from valuecenter.finance.statement import statement
from valuecenter.orders.models import Order
from valuecenter.users.models import Role, User
from valuecenter.users.service import issue_token

URL = "/api/v1/pnl"


def test_a_manager_gets_the_months_pnl_with_its_provenance(
    db_url: str,
    books: Desk,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    """The save desk's books (tests/test_retention_ledger.py): August is proven."""
    with sessions.begin() as session:
        token = issue_token(session, username="manager", days=1)
    with make_client(db_url) as client:
        response = client.get(URL, params={"month": "2026-08"}, headers=bearer(token))
    assert response.status_code == 200, response.text
    body = response.json()
    with sessions() as session:
        expected = PnlOut.of(statement(session, "2026-08")).model_dump(mode="json")
    assert body["month"] == "2026-08"
    assert body["period"]["start"] == "2026-08-01"
    assert body["period"]["end"] == "2026-09-01"
    assert body["year_to_date"]["start"] == "2026-01-01"
    # the same figures as the statement read in the test (only the moment of reading differs)
    for part in ("period", "year_to_date"):
        assert body[part]["totals"] == expected[part]["totals"]
        for got, want in zip(body[part]["yields"], expected[part]["yields"], strict=True):
            assert {k: v for k, v in got.items() if k != "provenance"} == {
                k: v for k, v in want.items() if k != "provenance"
            }
        assert [c["cents"] for c in body[part]["costs"]] == [
            c["cents"] for c in expected[part]["costs"]
        ]
    saves = body["period"]["yields"][0]
    assert saves["key"] == "saves"
    assert saves["proven"] is True
    assert saves["records"]["url"].startswith("/retention/desk?status=closed&since=2026-08-01")
    assert (
        saves["provenance"]["desk_cases"] + saves["provenance"]["control_cases"]
        == (saves["records"]["count"])
    )
    assert saves["method"]
    totals = body["period"]["totals"]
    proven = [y for y in body["period"]["yields"] if y["proven"]]
    assert totals["proven_cents"] == sum(y["incremental_cents"] for y in proven)
    assert totals["unproven_gross_cents"] == sum(
        y["gross_cents"] for y in body["period"]["yields"] if not y["proven"]
    )
    assert totals["net_cents"] == totals["proven_cents"] - totals["cost_cents"]
    seeds = body["seeds_saves"]
    assert seeds["gross_cents"] == saves["gross_cents"]
    assert seeds["incremental_cents"] == saves["incremental_cents"]
    assert seeds["kept"] == saves["provenance"]["gross_saves"]
    assert seeds["why"]
    assert [m["month"] for m in body["trend"]][-1] == "2026-08"
    assert len(body["trend"]) == 12


@pytest.mark.parametrize(
    ("role", "status"), [("agent", 403), ("account_manager", 403), ("admin", 200)]
)
def test_only_managers_and_admins_see_the_pnl(
    db_url: str, world: World, role: str, status: int
) -> None:
    with make_client(db_url) as client:
        response = client.get(URL, params={"month": "2026-08"}, headers=bearer(world.tokens[role]))
        anonymous = client.get(URL, params={"month": "2026-08"})
    assert response.status_code == status
    assert anonymous.status_code == 401


@pytest.mark.parametrize("month", ["2026-13", "9999-01", "1999-12", "2026-1", "x" * 5000])
def test_a_bad_month_is_refused(db_url: str, world: World, month: str) -> None:
    with make_client(db_url) as client:
        response = client.get(URL, params={"month": month}, headers=bearer(world.tokens["manager"]))
    assert response.status_code == 422


def test_without_a_month_the_last_complete_month_of_the_data(
    db_url: str, world: World, sessions: sessionmaker[Session]
) -> None:
    """The web world's last contact or order lies in this month or the last: the latest
    complete month is the one before that day's month (or its own, on a month's last day)."""
    with sessions() as session:
        latest = latest_month(session)
        last = max(
            session.scalar(select(func.max(Contact.started_at))),
            session.scalar(select(func.max(Order.ordered_at))),
        )
    assert latest is not None
    assert latest < f"{last:%Y-%m}" or (last + timedelta(days=1)).day == 1
    with make_client(db_url) as client:
        response = client.get(URL, headers=bearer(world.tokens["manager"]))
    assert response.status_code == 200
    assert response.json()["month"] == latest


def test_without_data_there_is_no_month_to_show(
    db_url: str, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        session.add(User(username="boss", password_hash="x", role=Role.MANAGER))
        session.flush()
        token = issue_token(session, username="boss", days=1)
    with make_client(db_url) as client:
        response = client.get(URL, headers=bearer(token))
        given = client.get(URL, params={"month": "2026-10"}, headers=bearer(token))
    assert response.status_code == 404
    assert "no month" in response.json()["detail"]
    assert given.status_code == 200  # an empty month: zero costs, nothing proven
    assert given.json()["period"]["totals"]["cost_cents"] == 0
    assert given.json()["period"]["totals"]["proven_cents"] == 0
