"""Reasons in words (issue 16, part 2): every model input the product makes has a phrase of
its own, no reason carries an input's internal name, and the euro line of an action is a sum
of euros with the levers' weight said beside it, never multiplied into it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from valuecenter.decisions.facts import Context
from valuecenter.i18n import use_locale
from valuecenter.offers.arbitration import context_features
from valuecenter.offers.inputs import OWN_HELD, OWN_SHARE, OWN_TOP
from valuecenter.offers.reasons import FIXED_INPUTS, expected_line, feature_label, lever_phrase

CUSTOMER_INPUTS = (
    "b2b", "tenure_years", "log_revenue_12m", "orders_12m", "days_since_order",
    "contract_active", "contract_ending", "open_case", "open_complaint", "nps_known", "nps",
    "contacts_90d", "complaints_365d", "campaigns_received", "campaign_response_rate",
    "nba_accepts_365d", "nba_rejects_365d", "log_clv", "p_alive",
)  # fmt: skip
"""The feature row's numeric inputs (``offers/features.py``)."""
RAW = re.compile(r"[a-z]+_[a-z0-9_]+|\b(?:act|segment|country)=|\b(?:held|share|ch):")


def _context() -> Context:
    at = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    return Context(at=at, local=at, channel="phone", intent="order", wait_seconds=420)


def test_every_input_has_a_phrase_and_none_shows_its_name() -> None:
    contact = context_features(_context(), frozenset({"complaint"}))
    names = [*CUSTOMER_INPUTS, *contact, OWN_SHARE, OWN_TOP, OWN_HELD]
    fixed = {n for n in names if not n.startswith("ch:")}
    assert fixed <= FIXED_INPUTS, fixed - FIXED_INPUTS
    for name in names:
        for value in (0.0, 1.0, 0.25):
            phrase = feature_label(name, value)
            assert phrase != "another customer trait", name
            assert not RAW.search(phrase), (name, phrase)
            assert phrase != name.replace("_", " "), (name, phrase)  # the old fallback


def test_the_families_name_what_they_are_about() -> None:
    labels = {"P-OVEN": "Oven 60 cm", "paper": "Copy paper"}
    assert feature_label("held:P-OVEN", 1.0, labels) == "bought Oven 60 cm this year"
    assert (
        feature_label("share:paper", 0.42, labels)
        == "buys Copy paper (42% of his order lines this year)"
    )
    assert feature_label("act=copy-paper-bulk", 1.0) == "customers often accept this offer"
    assert feature_label("own_top3", 1.0) == "this offer's category is one of his three biggest"
    assert feature_label("wait_minutes", 7.0) == "waited 7 minutes"
    assert feature_label("segment=gold", 1.0) == "customer segment gold"
    assert feature_label("something_new", 1.0) == "another customer trait"


def test_the_euro_line_never_carries_a_lever_weight() -> None:
    figures = {
        "expected_cents": 3600,
        "incremental": 0.2,
        "value_cents": 20_000,
        "p_accept": 0.2,
        "cost_cents": 2000,
        "contact_cost_cents": 0,
    }
    assert expected_line(**figures) == "expected €36.00 = 20.0% × €200.00 − 20.0% × €20.00"
    with use_locale("nl"):  # money and shares in the reader's locale
        assert expected_line(**figures) == "verwacht € 36,00 = 20,0% × € 200,00 − 20,0% × € 20,00"
    assert lever_phrase("A long wait damps sales offers", 0.5) == (
        "“A long wait damps sales offers” weighs its rank ×0.5"
    )
