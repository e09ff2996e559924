"""A real wholesale export (issue 16, part 5): unit prices of 0.001 and returns.

tests/fixtures/importer/wholesale_returns.csv (SOURCE.txt there): UCI Online Retail lines of
350 customers with their returns, 40 lines without a customer and four lines at 0.001 a piece.
Every line that has a customer imports, and ``valuecenter score`` then succeeds: the customers
whose net spend is ≤ 0 are left out of the Gamma-Gamma fit and counted, keep P(alive) and
expected purchases, get CLV 0, and the value page states the rule.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import FIXTURES
from tests.test_demo_cli import run
from tests.test_importer_online_retail import MAPS
from tests.web_fixtures import PASSWORD, cheap_argon2, login, make_client
from valuecenter.customers.models import Customer
from valuecenter.orders.models import OrderLine
from valuecenter.products.models import Product
from valuecenter.users.models import Role
from valuecenter.users.service import create_user
from valuecenter.value.models import CustomerScore, ScoreRun

EXPORT = FIXTURES / "importer" / "wholesale_returns.csv"


def _expected(raw: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """The lines with a customer, and the customers whose net spend is ≤ 0 (over all their
    purchase days, or per repeat day), computed with pandas from the file."""
    good = raw[raw["CustomerID"].str.strip() != ""].copy()
    good["customer"] = good["CustomerID"].str.replace(r"\.0$", "", regex=True)
    price = good["UnitPrice"].map(lambda p: round(float(p) * 10_000)).astype("int64")
    quantity = good["Quantity"].astype("int64")
    product = quantity * price  # in ten-thousandths of the currency unit
    good["cents"] = np.sign(product) * ((np.abs(product) + 50) // 100)
    good["day"] = good["InvoiceDate"].str[:10]
    days = good.groupby(["customer", "day"], sort=True)["cents"].sum().reset_index()
    per = days.groupby("customer")["cents"]
    total, first, n = per.sum(), per.first(), per.size()
    repeat = (total - first) / (n - 1).where(n > 1)
    no_spend = (total <= 0) | ((n > 1) & (repeat <= 0))
    return good, set(no_spend[no_spend].index)


@pytest.mark.slow
def test_a_wholesale_export_with_tenth_cent_prices_and_returns_imports_and_scores(
    db_url: str,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / EXPORT.name
    shutil.copy(EXPORT, path)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    good, no_spend = _expected(raw)
    assert (len(raw), len(good)) == (13_399, 13_359)  # SOURCE.txt
    assert (raw["UnitPrice"] == "0.001").sum() == 4
    assert len(no_spend) == 35

    args = ["import", "orders", str(path), "--create-customers", "--json"]
    for source, target in MAPS.items():
        args += ["--map", f"{source}={target}"]
    code, out, err = run(args, capsys)
    assert code == 0, err
    result = json.loads(out)
    assert (result["inserted"], result["rejected"]) == (len(good), 40)
    rejected = pd.read_csv(path.with_name(f"{path.stem}.rejected.csv"), dtype=str)
    assert set(rejected["reason"]) == {"customer_id is missing"}
    with sessions() as s:
        pads = s.execute(
            select(OrderLine.quantity, OrderLine.unit_price_ten_thousandths, OrderLine.total_cents)
            .join(Product, Product.id == OrderLine.product_id)
            .where(Product.external_id == "PADS")
        ).all()
        assert [tuple(p) for p in pads] == [(1, 10, 0)] * 4  # 1 × 0.001 → 0.00
        assert s.scalar(select(func.sum(OrderLine.total_cents))) == int(good["cents"].sum())

    code, out, err = run(["score", "--json"], capsys)
    assert code == 0, err
    summary = json.loads(out)
    with sessions() as s:
        score_run = s.scalars(select(ScoreRun).where(ScoreRun.run_id == summary["run_id"])).one()
        gg = score_run.models["gamma_gamma"]
        assert isinstance(gg, dict)
        assert gg["net_spend_not_positive"] == len(no_spend)
        rows = s.execute(
            select(
                Customer.external_id,
                CustomerScore.clv_cents,
                CustomerScore.p_alive,
                CustomerScore.expected_purchases,
            )
            .join(Customer, Customer.id == CustomerScore.customer_id)
            .where(CustomerScore.run_id == score_run.id)
        ).all()
    code, out, err = run(["score"], capsys)  # the words: the rule and the count
    assert code == 0, err
    assert out.splitlines()[1] == (
        f"{len(no_spend)} customers with net spend ≤ 0 (returns, credit notes): left out of "
        "the Gamma-Gamma fit, CLV 0; they keep P(alive) and expected orders"
    )
    by_customer = {r[0]: r[1:] for r in rows}
    assert len(by_customer) == good["customer"].nunique()
    for customer in no_spend:
        clv, alive, expected = by_customer[customer]
        assert clv == 0
        assert alive is not None
        assert 0 < alive <= 1
        assert expected is not None
        assert expected > 0
    others = [v[0] for c, v in by_customer.items() if c not in no_spend]
    assert min(others) > 0  # everybody else keeps a positive CLV

    cheap_argon2(monkeypatch)
    with sessions() as s, s.begin():
        create_user(s, username="manager", password=PASSWORD, role=Role.ADMIN)
    client = make_client(db_url)
    login(client, "manager")
    page = client.get("/value")
    assert page.status_code == 200
    assert "a customer whose net spend is ≤ 0 is left out of the Gamma-Gamma fit" in page.text
    assert "and gets CLV 0" in page.text
    assert f"This run: {len(no_spend)} such customers." in page.text
