"""A customer imported after the last feature refresh has his feature row before his first
decision (issue 17): the import computes it in its own transaction, so no decision computes
one on the spot (about 0.5 s of a worker, with every request queued behind it waiting)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_importer_cli import cli, write
from tests.test_offers_decisions import offers  # noqa: F401  (the fixture)
from tests.web_fixtures import World, bearer, make_client
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.offers import decisions
from valuecenter.offers.features import add_missing_features, refresh_features
from valuecenter.offers.models import CustomerFeatures

NEW = (
    "customer_id,name,kind,segment,country\nN1,Nieuwe Bakker,b2b,bakery,NL\nN2,Verse Vis,b2c,,NL\n"
)


def _no_spot_computation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a decision computed a feature row on the spot")

    monkeypatch.setattr(decisions, "compute_features", refuse)
    monkeypatch.setattr(decisions, "write_features", refuse)


def test_imported_customers_get_their_feature_rows_with_the_import(
    db_url: str,
    offers: World,  # noqa: F811
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sessions() as session:
        refresh_features(session)  # the nightly run
        session.commit()
        before = len(session.scalars(select(CustomerFeatures.customer_id)).all())
    path = write(tmp_path / "customers.csv", NEW)
    code, out, err = cli(monkeypatch, capsys, "import", "customers", str(path), "--json")
    assert code == 0, err
    result = json.loads(out)
    assert (result["inserted"], result["feature_rows"]) == (2, 2)
    with sessions() as session:
        new = {
            c.external_id: c.id
            for c in session.scalars(select(Customer).where(Customer.external_id.in_(["N1", "N2"])))
        }
        rows = {
            r.customer_id: r
            for r in session.scalars(
                select(CustomerFeatures).where(CustomerFeatures.customer_id.in_(new.values()))
            )
        }
        assert set(rows) == set(new.values())
        assert rows[new["N1"]].facts["segment"] == "bakery"
        assert len(session.scalars(select(CustomerFeatures.customer_id)).all()) == before + 2
    # A re-import adds no rows; the new customer's decision reads his row.
    code, out, err = cli(monkeypatch, capsys, "import", "customers", str(path), "--json")
    assert json.loads(out)["feature_rows"] == 0
    _no_spot_computation(monkeypatch)
    with make_client(db_url) as client:
        response = client.post(
            "/api/v1/decisions",
            json={"customer_id": new["N1"], "channel": "phone"},
            headers=bearer(offers.tokens["agent"]),
        )
    assert response.status_code == 201, response.text
    assert response.json()["features_as_of"] is not None


def test_before_the_first_refresh_an_import_computes_no_rows(
    offers: World,  # noqa: F811
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as session:
        assert add_missing_features(session, as_of=utcnow()) == 0
        assert session.scalars(select(CustomerFeatures.customer_id)).first() is None
