"""Personal data (GDPR, issue 17): the marks on the model, export (art. 15), erasure (art. 17)
and objection (art. 21), on every backend. The tables come from the model
(``privacy/holdings.py``) and every holding table gets a row of the customer's from the model
alone (``tests/privacy_fill.py``), so a new domain's table is covered without a line here."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, String, func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.privacy_fill import MARK, fill_every_holding_table
from tests.web_fixtures import NOW, World, add_score_run
from valuecenter import models
from valuecenter.csv_export import BOM
from valuecenter.customers.models import Customer
from valuecenter.db.personal import is_marked, is_personal, needs_mark
from valuecenter.privacy import export as gdpr_export
from valuecenter.privacy.erasure import ERASED, PSEUDONYM_PREFIX, erase
from valuecenter.privacy.holdings import CUSTOMERS, holdings, product_metadata, rows_of
from valuecenter.retention.desk.ledger import ledger
from valuecenter.retention.desk.schemas import LedgerRowOut
from valuecenter.retention.models import (
    RetentionOffer,
    SaveArm,
    SaveCase,
    SaveOutcome,
    SaveSource,
    SaveStatus,
)
from valuecenter.value.models import CustomerScore


def test_every_text_column_of_every_table_says_whether_it_is_personal() -> None:
    """A new String/Text/JSON column without ``info=PERSONAL`` or ``info=NOT_PERSONAL`` fails
    here: its domain must decide (db/personal.py)."""
    unmarked = [
        f"{t.name}.{c.name}"
        for t in models.Base.metadata.sorted_tables
        for c in t.columns
        if needs_mark(c) and not is_marked(c)
    ]
    assert unmarked == []
    personal = {
        f"{t.name}.{c.name}" for t in models.Base.metadata.sorted_tables for c in t.columns
        if is_personal(c)
    }  # fmt: skip
    assert {"customers.name", "customers.email", "customers.phone", "surveys.comment",
            "save_cases.note", "alerts.note", "decisions.actions"} <= personal  # fmt: skip


def test_the_holding_tables_come_from_every_domain_of_the_registry() -> None:
    assert set(product_metadata().tables) == set(models.Base.metadata.tables)
    names = [h.table.name for h in holdings()]
    assert names[0] == CUSTOMERS
    every_fk_path = {
        t.name for t in models.Base.metadata.sorted_tables
        if any(fk.column.table.name in names and fk.column.table is not t
               for fk in t.foreign_keys)
    }  # fmt: skip
    assert every_fk_path <= set(names)
    assert {"orders", "order_lines", "contracts", "contacts", "contact_reasons", "surveys",
            "consents", "decisions", "decision_responses", "customer_scores", "alerts",
            "save_cases", "campaign_members", "renewal_candidates"} <= set(names)  # fmt: skip
    assert "audit_log" not in names


def test_the_privacy_doc_lists_every_holding_table_and_personal_column() -> None:
    text = (Path(__file__).resolve().parents[1] / "docs" / "privacy.md").read_text()
    rows = {line.split("|")[1].strip().strip("`"): line for line in text.splitlines()
            if line.startswith("| `")}  # fmt: skip
    assert set(rows) == {h.table.name for h in holdings()}
    for h in holdings():
        for c in h.table.columns:
            if is_personal(c):
                assert f"`{c.name}`" in rows[h.table.name], (h.table.name, c.name)


@pytest.fixture
def filled(world: World, sessions: sessionmaker[Session]) -> World:
    """The web test company, plus a row of the own customer's in every holding table."""
    with sessions() as session:
        fill_every_holding_table(session, world.own.id)
        session.commit()
    return world


def test_the_export_holds_every_table_that_holds_the_customer(
    filled: World, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    with sessions() as session:
        data = gdpr_export.collect(session, filled.own.id)
        gdpr_export.write_directory(data, tmp_path)
    document = json.loads((tmp_path / "customer.json").read_text(encoding="utf-8"))
    assert document["customer"] == "C1001"
    tables = document["tables"]
    assert set(tables) == {h.table.name for h in holdings()}
    empty = [name for name, t in tables.items() if not t["rows"]]
    assert empty == []
    assert tables["customers"]["rows"][0]["name"] == "Bakkerij de Vries"
    orders = {r["external_id"] for r in tables["orders"]["rows"]}
    assert {"O-1", "O-2", "O-3", "O-4"} <= orders
    assert "O-9" not in orders
    assert len(tables["order_lines"]["rows"]) == 5 + 1  # the world's 5 lines and the filler's
    reasons = {r["reason"] for r in tables["contact_reasons"]["rows"]}
    assert {"delivery", "invoice", "product-question"} <= reasons
    assert {r["source"] for r in tables["consents"]["rows"]} >= {"web form", "phone K-1"}
    # One CSV per table, through the product's writer (BOM, header = the columns).
    for name, t in tables.items():
        text = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        assert text.startswith(BOM)
        rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
        assert rows[0] == t["columns"]
        assert len(rows) == len(t["rows"]) + 1


def test_the_export_neutralises_formulas_in_its_csv(
    world: World, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        session.get(Customer, world.own.id).name = "=HYPERLINK(1)"  # type: ignore[union-attr]
        session.commit()
        files = dict(gdpr_export.collect(session, world.own.id).files())
    assert "'=HYPERLINK(1)" in files["customers.csv"]


def _close_cases(session: Session, world: World) -> None:
    """Two closed save cases of the own customer (desk kept with an offer, control cancelled)
    and one of another customer: the save ledger has figures."""
    offer = RetentionOffer(code="free-month", name="One month free", kind="free-months",
                           free_months=1)  # fmt: skip
    session.add(offer)
    session.flush()
    for customer, arm, outcome, cost in (
        (world.own, SaveArm.DESK, SaveOutcome.KEPT, 4950),
        (world.own, SaveArm.CONTROL, SaveOutcome.CANCELLED, 0),
        (world.other, SaveArm.DESK, SaveOutcome.KEPT, 4950),
    ):
        session.add(
            SaveCase(
                customer_id=customer.id, source=SaveSource.REQUEST, arm=arm,
                opened_at=NOW - timedelta(days=20), closed_at=NOW - timedelta(days=19),
                status=SaveStatus.CLOSED, outcome=outcome, value_cents=250_000,
                monthly_fee_cents=4950, reasons=[{"text": f"{customer.name} wants to leave"}],
                suggestion={"why": f"call {customer.email}"},
                offer_id=offer.id if arm == SaveArm.DESK else None, offer_cost_cents=cost,
                note=f"spoke to {customer.name}",
            )
        )  # fmt: skip
    session.flush()


def _money(session: Session) -> dict[str, int]:
    """The sum of every money column (``*_cents``) of every table."""
    out = {}
    for t in models.Base.metadata.sorted_tables:
        for c in t.columns:
            if c.name.endswith("_cents"):
                out[f"{t.name}.{c.name}"] = int(session.scalar(select(func.sum(c))) or 0)
    return out


def _figures(session: Session) -> dict[str, Any]:
    return {
        "money": _money(session),
        "ledger": [LedgerRowOut.of(r).model_dump() for r in ledger(session, "month")],
        "segments": sorted(
            session.execute(
                select(CustomerScore.segment, func.count(), func.sum(CustomerScore.clv_cents))
                .group_by(CustomerScore.segment)
            ).all()
        ),
        "rows": {h.table.name: session.scalar(select(func.count()).select_from(h.table))
                 for h in holdings()},
    }  # fmt: skip


def _texts(session: Session, customer_id: int) -> Iterator[tuple[str, str, bool, str]]:
    """(table, column, personal?, text) of every text and JSON value of his rows."""
    for h in holdings():
        for row in session.execute(rows_of(h, customer_id)).mappings():
            for c in h.table.columns:
                value = row[c.name]
                if value is None or not isinstance(c.type, String | JSON):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                yield h.table.name, c.name, is_personal(c), text


def test_erasure_leaves_no_personal_value_and_keeps_every_figure(
    filled: World, sessions: sessionmaker[Session]
) -> None:
    world = filled
    with sessions() as session:
        _close_cases(session, world)
        add_score_run(session, world, "score-1", {"C1001": ("gold", 500_000),
                                                        "C2001": ("silver", 90_000)})  # fmt: skip
        session.commit()
        own = session.get(Customer, world.own.id)
        assert own is not None
        secrets = [own.name, own.email, "Late delivery", "Delivery was late again", "O-2",
                   "K-1", "CT-1", "CASE-1", "S-1", "phone K-1", MARK]  # fmt: skip
        found_before = " ".join(t for *_, t in _texts(session, own.id))
        assert all(s in found_before for s in secrets)
        before = _figures(session)
        other_before = list(_texts(session, world.other.id))

    with sessions() as session:
        done = erase(session, world.own.id)
        session.commit()
    assert done.pseudonym.startswith(PSEUDONYM_PREFIX)
    assert set(done.tables) >= {"customers", "orders", "surveys", "save_cases", "decisions"}

    with sessions() as session:
        left = [
            (table, column, text)
            for table, column, personal, text in _texts(session, world.own.id)
            if any(s and s.lower() in text.lower() for s in secrets)
        ]
        assert left == []
        # Every personal column is now NULL, an anonymous id, or his values cut out.
        for table, column, personal, text in _texts(session, world.own.id):
            if personal and isinstance(text, str) and not text.startswith(("{", "[")):
                assert text.startswith(PSEUDONYM_PREFIX) or MARK not in text, (table, column)
        own = session.get(Customer, world.own.id)
        assert own is not None
        assert own.erased_at is not None
        assert own.external_id == done.pseudonym
        assert (own.name, own.email, own.phone, own.city) == (None, None, None, None)
        # Codes and figures stay; his name is cut out of the JSON reasons.
        reasons = session.scalars(
            select(SaveCase.reasons).where(
                SaveCase.customer_id == own.id, SaveCase.status == SaveStatus.CLOSED
            )
        ).all()
        assert reasons == [[{"text": f"{ERASED} wants to leave"}]] * 2
        assert _figures(session) == before
        # Nobody else changed.
        assert list(_texts(session, world.other.id)) == other_before


def test_erasing_an_unknown_customer_is_not_found(
    world: World, sessions: sessionmaker[Session]
) -> None:
    from valuecenter.errors import NotFound

    with sessions() as session, pytest.raises(NotFound):
        erase(session, 10**9)
