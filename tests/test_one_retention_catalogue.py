"""One retention catalogue (issue 16, part 2): the save desk, the renewal list and the
next-best-action engine read the same retention offers (``retention_offers``), and each
preset's demo catalogue fits its company — a wholesaler's save desk no longer offers "A new
handset" to an office-supplies customer.

The demo catalogue file carries the retention offers beside the actions; the engine's
retention actions must present one of them; switching an offer off in the retention
catalogue takes it from the desk's suggestion, the renewal list and the engine at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.customers.models import Customer
from valuecenter.db.base import utcnow
from valuecenter.demo.offers_truth import load_demo_catalogue
from valuecenter.demo.savedesk import RENEWAL_OFFER
from valuecenter.errors import InvalidInput
from valuecenter.offers import catalogue
from valuecenter.offers.engine import load_engine
from valuecenter.offers.models import Action
from valuecenter.retention.desk.service import open_case
from valuecenter.retention.models import RetentionOffer
from valuecenter.retention.offers import OfferSpec, active_offers, upsert_offer
from valuecenter.retention.renewals.service import why_no_list

WHOLESALE = {"order-discount-5", "free-delivery-6m", "account-review"}


@pytest.fixture
def wholesale(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    args = ["demo", "--preset", "wholesale", "--customers", "300", "--seed", "5"]
    code, _out, err = run(args, capsys)
    assert code == 0, err
    code, _out, err = run(["score"], capsys)
    assert code == 0, err
    return db_url


def _suggested(session: Session, customer_id: int) -> set[str]:
    case = open_case(
        session,
        customer_id,
        "contact-reason",
        at=utcnow(),
        control_share=0.0,
    )
    rows = case.suggestion["offers"]
    assert isinstance(rows, list)
    session.delete(case)
    session.flush()
    return {str(r["code"]) for r in rows}


def _presented(session: Session) -> set[str]:
    """The retention offers the engine's retention actions present."""
    engine = load_engine(session)
    actions = [a.code for a in engine.actions if a.kind == "retention"]
    codes = session.scalars(
        select(RetentionOffer.code)
        .join(Action, Action.retention_offer_id == RetentionOffer.id)
        .where(Action.code.in_(actions))
    )
    return set(codes)


def test_one_catalogue_drives_the_desk_the_renewal_list_and_the_engine(
    wholesale: str, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        catalogue.import_catalogue(session, load_demo_catalogue("wholesale"))
        customer = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        assert customer is not None
        assert {o.code for o in active_offers(session)} == WHOLESALE
        # The desk weighs exactly the catalogue's offers: no handset for a wholesaler.
        assert _suggested(session, customer) == WHOLESALE
        assert _presented(session) == {"order-discount-5"}
        # The renewal list reads the same catalogue: an offer with a campaign action in it
        # is what it would learn from (this small world's campaigns are too few for it).
        assert (why_no_list(session) or "").startswith("offers: no active retention offer")
        upsert_offer(session, RENEWAL_OFFER)
        assert (why_no_list(session) or "").startswith("campaigns: the renewal campaigns")
        # Switched off in the retention catalogue: gone from the desk, the list and the engine.
        upsert_offer(session, OfferSpec(**{**RENEWAL_OFFER.__dict__, "active": False}))
        assert (why_no_list(session) or "").startswith("offers: no active retention offer")
        discount = session.scalar(
            select(RetentionOffer).where(RetentionOffer.code == "order-discount-5")
        )
        assert discount is not None
        discount.active = False
        session.flush()
        assert _suggested(session, customer) == WHOLESALE - {"order-discount-5"}
        assert _presented(session) == set()


def test_a_retention_action_must_present_a_catalogue_offer(
    wholesale: str, sessions: sessionmaker[Session]
) -> None:
    document = load_demo_catalogue("wholesale")
    save = next(a for a in document["actions"] if a["kind"] == "retention")
    index = document["actions"].index(save)
    del save["retention_offer"]
    with sessions() as session, pytest.raises(InvalidInput) as refused:
        catalogue.import_catalogue(session, document)
    assert str(refused.value).startswith(
        f"actions[{index}].retention_offer: a retention action presents an offer of the "
        "retention catalogue"
    )
    document = load_demo_catalogue("wholesale")
    document["retention_offers"][1]["kind"] = "voucher"
    with sessions() as session:
        with pytest.raises(InvalidInput, match=r"^retention_offers\[1\]\.kind: 'voucher'"):
            catalogue.import_catalogue(session, document)
        assert session.scalars(select(RetentionOffer.code)).all() == []


@pytest.mark.parametrize(
    ("preset", "codes"),
    [("wholesale", WHOLESALE), ("telecom", {"discount-20", "free-month", "handset-upgrade"})],
)
def test_each_presets_catalogue_fits_its_company(preset: str, codes: set[str]) -> None:
    document = load_demo_catalogue(preset)
    offers = {o["code"]: o for o in document["retention_offers"]}
    assert set(offers) == codes
    presented = {a["retention_offer"] for a in document["actions"] if a["kind"] == "retention"}
    assert presented <= codes
    if preset == "wholesale":
        # No monthly fee to discount: every offer costs a fixed amount, none is a handset.
        assert all(o["kind"] == "other" and o["fixed_cost"] > 0 for o in offers.values())
