"""The next-best-action lift ledger (``offers/lift_ledger.py``) on a hand-made decision log, its
command and its page: who is in an offer's group, each customer's window, the figures against
hand counts, and the front doors' provenance and CSV export. The estimator itself is
tests/test_analytics_lift.py's; the ledger against the demo world's truth is
tests/test_nba_truth.py's."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from tests.web_fixtures import World, login, make_client
from valuecenter.analytics.experiments.lift import group_lift
from valuecenter.customers.models import Customer
from valuecenter.offers.lift_ledger import lift_ledger
from valuecenter.offers.models import Action, ActionKind, Decision, DecisionArm
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product

SEPTEMBER = datetime(2026, 9, 5, 10, tzinfo=UTC)
AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
PRICE = 3450
PEOPLE = 12  # per arm


def _decision(customer: int, at: datetime, arm: DecisionArm, action: int, **kw: object) -> Decision:
    shown = arm == DecisionArm.NBA and not kw.get("held")
    rule = kw.get("held") or "control-group"
    return Decision(
        customer_id=customer,
        decided_at=at,
        channel="phone",
        direction="inbound",
        intent=None,
        context=kw.get("context", {}),
        arm=arm,
        explored=False,
        source="api",
        catalogue_version=1,
        features={},
        actions=[{"action_id": action, "code": "flour", "kind": "offer"}] if shown else [],
        suppressed=[] if shown else [{"action_id": action, "code": "flour", "rule": rule}],
    )


def _order(session: Session, ext: str, customer: int, at: datetime, product: int) -> None:
    order = Order(external_id=ext, customer_id=customer, ordered_at=at)
    session.add(order)
    session.flush()
    session.add(
        OrderLine(
            order_id=order.id,
            line_no=1,
            product_id=product,
            quantity=1,
            unit_price_ten_thousandths=PRICE * 100,
            total_cents=PRICE,
        )
    )


@pytest.fixture
def log(world: World, sessions: sessionmaker[Session]) -> dict[str, int]:
    """September 2026: twelve customers in the engine's arm are shown the flour offer, twelve
    in the control group have it held by the control group; one more customer of the engine's
    arm came with a complaint (service first: not in the group). Half the engine's arm and a
    quarter of the control group buy the flour within the window; an earlier order, an order of
    another product and an order after the customer's next month's decision do not count.
    Customer 0 comes back on 2 October (the frequency rule holds the offer): an October group
    with no control customer."""
    with sessions() as session:
        flour = session.query(Product).filter_by(external_id="P-BREAD").one()
        oven = session.query(Product).filter_by(external_id="P-OVEN").one()
        action = Action(code="flour", name="Flour by the pallet", kind=ActionKind.OFFER,
                        product_id=flour.id, conversion_days=30)  # fmt: skip
        session.add(action)
        people = [Customer(external_id=f"L{i:02d}", name=f"Lift {i}", country="NL")
                  for i in range(2 * PEOPLE + 1)]  # fmt: skip
        session.add_all(people)
        session.flush()
        ids = [c.id for c in people]
        for i, cid in enumerate(ids):
            at = SEPTEMBER + timedelta(hours=i)
            if i == 2 * PEOPLE:
                complaint = {"service_first": "open complaint"}
                session.add(_decision(cid, at, DecisionArm.NBA, action.id, held="service-first",
                                      context=complaint))  # fmt: skip
                _order(session, f"S-{i}", cid, at + timedelta(days=1), flour.id)
                continue
            arm = DecisionArm.NBA if i < PEOPLE else DecisionArm.CONTROL
            session.add(_decision(cid, at, arm, action.id))
            if (arm == DecisionArm.NBA and i % 2 == 0) or i in (12, 13, 14):
                _order(session, f"S-{i}", cid, at + timedelta(days=1), flour.id)
        _order(session, "EARLY", ids[1], datetime(2026, 8, 1, tzinfo=UTC), flour.id)
        _order(session, "OVEN", ids[1], SEPTEMBER + timedelta(days=2), oven.id)
        october = datetime(2026, 10, 2, 9, tzinfo=UTC)
        session.add(_decision(ids[0], october, DecisionArm.NBA, action.id, held="frequency"))
        _order(session, "OCT", ids[0], october + timedelta(days=1), flour.id)
        session.commit()
        return {"action": action.id}


def test_the_ledger_compares_the_offers_customers_with_the_control_group(
    log: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        ledger = lift_ledger(session, as_of=AS_OF)
    september, october = ledger.rows
    assert (september.key, october.key) == ("2026-09:flour", "2026-10:flour")
    assert (september.sales.treated, september.sales.control) == (PEOPLE, PEOPLE)
    assert september.shown == PEOPLE
    assert september.control_share == 0.5
    assert september.experiment_keys == ["nba-control:2026-09"]
    # Six of twelve bought in the engine's arm, three of twelve in the control group; customer
    # 0's October order falls after his October decision, a new draw: not September's.
    assert september.sales_treated_cents == 6 * PRICE
    expected = group_lift([PRICE] * 6 + [0] * 6, [PRICE] * 3 + [0] * 9)
    assert september.sales.incremental == expected.incremental
    assert september.sales.incremental.estimate == pytest.approx(PEOPLE * PRICE * (0.5 - 0.25))
    assert september.purchases.incremental.estimate == pytest.approx(3.0)
    assert september.sales.mde == pytest.approx(expected.mde)
    # October: the customer's offer was held by the contact policy (it depends on the arm),
    # so he counts; no control customer came back.
    assert (october.sales.treated, october.sales.control, october.shown) == (1, 0, 0)
    assert october.sales.incremental.estimate is None
    assert october.sales.incremental.reason is not None
    assert ledger.total.sales.left_out == 1
    assert ledger.total.sales.incremental.estimate == pytest.approx(PEOPLE * PRICE * 0.25)
    assert [m.key for m in ledger.months] == ["2026-09", "2026-10"]
    assert not ledger.total.maturing


def test_the_period_filters_decisions_but_not_the_windows(
    log: dict[str, int], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        september = lift_ledger(session, until=date(2026, 10, 1), as_of=AS_OF)
        early = lift_ledger(session, as_of=datetime(2026, 9, 10, tzinfo=UTC))
        empty = lift_ledger(session, since=date(2026, 10, 1), until=date(2026, 9, 1))
        forever = lift_ledger(session, since=date(1, 1, 1), until=date(9999, 12, 31), as_of=AS_OF)
    (row,) = september.rows
    # The October decision still ends customer 0's September window.
    assert row.sales_treated_cents == 6 * PRICE
    assert september.total.sales.left_out == 0
    assert early.total.maturing
    assert (empty.rows, empty.total.sales.treated) == ([], 0)
    assert len(forever.rows) == 2


def test_the_command_prints_the_ledger_and_its_json(
    log: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["offers", "lift-ledger", "--until", "2026-10-01", "--json"], capsys)
    assert code == 0, err
    body = json.loads(out)
    (row,) = body["rows"]
    assert row["key"] == "2026-09:flour"
    assert row["experiments"] == ["nba-control:2026-09"]
    assert row["sales_cents"]["incremental"]["estimate"] == PEOPLE * PRICE * 0.25
    assert body["total"]["sales_cents"]["min_detectable"] > 0
    code, out, err = run(["offers", "lift-ledger"], capsys)
    assert code == 0, err
    assert "2026-09:flour" in out
    assert "nba-control:2026-09" in out
    code, _out, err = run(["offers", "lift-ledger", "--since", "1-9-2026"], capsys)
    assert code != 0
    assert "--since" in err


@pytest.fixture
def client(db_url: str, world: World) -> Iterator[TestClient]:
    with make_client(db_url) as c:
        yield c


def test_the_page_and_its_export(client: TestClient, log: dict[str, int]) -> None:
    login(client, "manager")
    page = client.get("/offers/lift", params={"until": "2026-10-01"})
    assert page.status_code == 200, page.text
    assert "Flour by the pallet" in page.text
    assert "nba-control:2026-09" in page.text
    assert "Detectable from" in page.text
    export = client.get("/offers/lift/export.csv", params={"until": "2026-10-01"})
    assert export.status_code == 200
    rows = list(csv.reader(io.StringIO(export.text.lstrip("\ufeff"))))
    assert rows[0][0] == "Row"
    assert [r[0] for r in rows[1:]] == ["2026-09:flour", "2026-09", "total"]
    bad = client.get("/offers/lift", params={"since": "yesterday"})
    assert bad.status_code == 422


def test_agents_may_not_see_the_ledger(client: TestClient, log: dict[str, int]) -> None:
    login(client, "agent")
    assert client.get("/offers/lift").status_code == 403
    assert client.get("/offers/lift/export.csv").status_code == 403
