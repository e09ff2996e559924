"""A small company for the web and customer tests: one user per role, two account-manager
pools, customers with orders, contracts, contacts on several channels, surveys and consents.

Loaded as a pytest plugin by ``tests/conftest.py`` (the ``world`` fixture) and imported by the
``test_web_*``, ``test_customers_*`` and browser tests for its helpers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from valuecenter.agents.models import Agent, Team
from valuecenter.consent.models import Consent, ConsentChannel, Purpose
from valuecenter.contacts.models import Case, Channel, Contact, ContactReason, Direction
from valuecenter.contracts.models import Contract, ContractStatus
from valuecenter.customers.models import AccountManager, Customer, CustomerKind
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Product
from valuecenter.settings import Settings
from valuecenter.surveys.models import Survey
from valuecenter.users import security
from valuecenter.users import service as users
from valuecenter.users.models import Role, User
from valuecenter.value.models import CustomerScore, ScoreRun
from valuecenter.web.app import create_app

PASSWORD = "correct horse battery"
SECRET = "test-secret-key-that-is-long-enough-0123456789"
NOW = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)
ROLES = ("agent", "account_manager", "manager", "admin")


# argon2 is slow on purpose (~0.1 s per hash or check). The web tests log in hundreds of
# times, so they use the same algorithm with the smallest cost (see cheap_argon2).
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(security, "_hasher", CHEAP_HASHER)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return CHEAP_HASHER.hash(PASSWORD)


def settings_for(db_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        "environment": "test",
        "secret_key": SECRET,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    own_pool: AccountManager | None = None
    other_pool: AccountManager | None = None

    @property
    def own(self) -> Customer:
        """The account manager's own customer with the full history."""
        return self.customers["C1001"]

    @property
    def other(self) -> Customer:
        """A customer of the other pool."""
        return self.customers["C2001"]


def _at(days_ago: float, hour: int = 10) -> datetime:
    return (NOW - timedelta(days=days_ago)).replace(hour=hour, minute=15)


def build_world(session: Session) -> World:
    """Create the test company and commit it."""
    w = World()
    for role in ROLES:
        user = User(
            username=role.replace("_", "-"),
            full_name=f"{role.replace('_', ' ').title()} User",
            password_hash=password_hash(),
            role=Role(role),
        )
        session.add(user)
        w.users[role] = user
    session.flush()
    for role in ROLES:
        w.tokens[role] = users.issue_token(session, username=w.users[role].username, days=30)

    w.own_pool = AccountManager(
        code="AM01", name="Anna de Jong", user_id=w.users["account_manager"].id
    )
    w.other_pool = AccountManager(code="AM02", name="Bram Peeters")
    session.add_all([w.own_pool, w.other_pool])
    session.flush()

    specs = [
        ("C1001", "Bakkerij de Vries", "NL", "nl", "gold", w.own_pool.id, CustomerKind.B2B),
        ("C1002", "Café Zonneveld", "NL", "nl", "silver", w.own_pool.id, CustomerKind.B2B),
        ("C1003", "Drukkerij Noord", "DE", "de", "silver", w.own_pool.id, CustomerKind.B2B),
        ("C2001", "Brasserie Lumière", "BE", "fr", "gold", w.other_pool.id, CustomerKind.B2B),
        ("C2002", "Atelier Vos", "BE", "nl", "bronze", w.other_pool.id, CustomerKind.B2C),
        ("D9001", "Jansen, P.", "NL", "nl", None, None, CustomerKind.B2C),
    ]
    for ext, name, country, lang, segment, am_id, kind in specs:
        customer = Customer(
            external_id=ext,
            name=name,
            country=country,
            language=lang,
            segment=segment,
            account_manager_id=am_id,
            kind=kind,
            city="Utrecht" if country == "NL" else None,
            email=f"info@{ext.lower()}.example",
            customer_since=date(2019, 4, 1),
        )
        session.add(customer)
        w.customers[ext] = customer
    session.flush()

    own = w.own
    bread = Product(external_id="P-BREAD", name="Sourdough flour 25 kg", list_price_cents=3450)
    oven = Product(external_id="P-OVEN", name="Deck oven service", list_price_cents=125000)
    session.add_all([bread, oven])
    session.flush()
    orders = [
        ("O-1", 400, [(bread, 10, 3450)]),  # older than 12 months
        ("O-2", 90, [(bread, 20, 3400), (oven, 1, 125000)]),
        ("O-3", 10, [(bread, 4, 3450)]),
        ("O-4", 5, [(bread, -1, 3450)]),  # a return
    ]
    for ext, days_ago, lines in orders:
        order = Order(external_id=ext, customer_id=own.id, ordered_at=_at(days_ago), country="NL")
        session.add(order)
        session.flush()
        for n, (product, qty, price) in enumerate(lines, start=1):
            session.add(
                OrderLine(
                    order_id=order.id,
                    line_no=n,
                    product_id=product.id,
                    quantity=qty,
                    unit_price_ten_thousandths=price * 100,
                    total_cents=qty * price,
                )
            )
    other_order = Order(external_id="O-9", customer_id=w.other.id, ordered_at=_at(3))
    session.add(other_order)
    session.flush()
    session.add(
        OrderLine(
            order_id=other_order.id,
            line_no=1,
            product_id=oven.id,
            quantity=1,
            unit_price_ten_thousandths=9_990_000,
            total_cents=99900,
        )
    )

    team = Team(code="T1", name="Service NL", language="nl")
    session.add(team)
    session.flush()
    agent = Agent(external_id="A-7", name="Sanne Bakker", team_id=team.id, language="nl")
    session.add(agent)
    case = Case(
        external_id="CASE-1", customer_id=own.id, opened_at=_at(12), subject="Late delivery"
    )
    session.add(case)
    session.flush()
    contacts = [
        ("K-1", Channel.PHONE, 12, ["delivery", "invoice"], True, 35, 410),
        ("K-2", Channel.EMAIL, 11, ["delivery"], False, 0, 0),
        ("K-3", Channel.CHAT, 2, ["product-question"], True, 20, 300),
    ]
    made: dict[str, Contact] = {}
    for ext, channel, days_ago, reasons, resolved, wait, talk in contacts:
        contact = Contact(
            external_id=ext,
            customer_id=own.id,
            channel=channel,
            direction=Direction.INBOUND,
            queue="service-nl",
            agent_id=agent.id,
            started_at=_at(days_ago, hour=9),
            wait_seconds=wait,
            talk_seconds=talk,
            case_id=case.id if ext != "K-3" else None,
            resolved=resolved,
        )
        session.add(contact)
        session.flush()
        made[ext] = contact
        for pos, reason in enumerate(reasons, start=1):
            session.add(ContactReason(contact_id=contact.id, position=pos, reason=reason))
    # K-2 was handed on to a follow-up phone call.
    follow = Contact(
        external_id="K-4",
        customer_id=own.id,
        channel=Channel.PHONE,
        direction=Direction.OUTBOUND,
        started_at=_at(11, hour=14),
        transferred_from_id=made["K-2"].id,
        resolved=True,
    )
    session.add(follow)
    session.add(
        Contact(
            external_id="K-9", customer_id=w.other.id, channel=Channel.WEBCARE, started_at=_at(1)
        )
    )
    session.flush()

    session.add_all(
        [
            Survey(
                external_id="S-1",
                customer_id=own.id,
                contact_id=made["K-1"].id,
                answered_at=_at(11, hour=18),
                nps=4,
                comment="Delivery was late again",
                channel="email",
            ),
            Survey(
                external_id="S-2",
                customer_id=own.id,
                contact_id=made["K-3"].id,
                answered_at=_at(1, hour=18),
                nps=9,
                comment="Quick and friendly help in the chat",
                channel="sms",
            ),
        ]
    )
    session.add(
        Contract(
            external_id="CT-1",
            customer_id=own.id,
            plan="Oven maintenance plus",
            monthly_fee_cents=4950,
            start_date=date(2024, 1, 1),
            end_date=date(2026, 12, 31),
            status=ContractStatus.ACTIVE,
        )
    )
    session.add_all(
        [
            Consent(
                customer_id=own.id,
                purpose=Purpose.MARKETING,
                channel=ConsentChannel.EMAIL,
                granted=True,
                source="web form",
                recorded_at=_at(300),
            ),
            Consent(
                customer_id=own.id,
                purpose=Purpose.MARKETING,
                channel=ConsentChannel.EMAIL,
                granted=False,
                source="phone K-1",
                recorded_at=_at(12, hour=9),
            ),
            Consent(
                customer_id=own.id,
                purpose=Purpose.SERVICE,
                channel=ConsentChannel.PHONE,
                granted=True,
                source="contract",
                recorded_at=_at(700),
            ),
        ]
    )
    session.commit()
    return w


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no csrf_token field in the page"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    """Log in through the form (GET /login for the token, POST /login)."""
    token = csrf_from(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def make_client(db_url: str, **settings: object) -> TestClient:
    """A test client of a fresh app on ``db_url``; server errors become responses."""
    app = create_app(settings_for(db_url, **settings))
    return TestClient(app, raise_server_exceptions=False)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> World:
    """The small company above in the test database, with cheap argon2 for fast log-ins."""
    cheap_argon2(monkeypatch)
    with sessions() as session:
        return build_world(session)


def add_score_run(
    session: Session, world: World, run_id: str, scores: dict[str, tuple[str, int]]
) -> ScoreRun:
    """A finished score run at NOW that scored the customers of ``scores`` (external id →
    value segment and CLV in cents); the rest of the world stays unscored. Flushes only."""
    run = ScoreRun(
        run_id=run_id,
        started_at=NOW,
        finished_at=NOW,
        as_of=NOW.date(),
        customers=6,
        scored=len(scores),
        horizon_months=24,
        discount_rate=0.1,
        models={},
        segments={},
        seconds=0.1,
    )
    session.add(run)
    session.flush()
    for ext, (segment, clv) in scores.items():
        session.add(
            CustomerScore(
                run_id=run.id,
                customer_id=world.customers[ext].id,
                revenue_12m_cents=0,
                revenue_cents=0,
                purchases=1,
                clv_cents=clv,
                segment=segment,
            )
        )
    session.flush()
    return run
