"""Avoidable contacts on the demo world (wholesale, 5,000 customers, seed 1) against its truth
(``truth_contacts.avoidable``: per need a chance that better service or self-service would
have avoided the contact — order 0.8, delivery 0.6, … — and every transfer, repeat and
callback; ``demo/contacts.py`` AVOIDABLE). The product's rules are the seeds' (an order
through an agent that could have gone online, "where is my order", repeat contacts), not fitted
to that table; the test reads the truth only to say how well they agree.

Measured (SQLite, 2026-12-07; docs/service.md): 14,618 contacts, the rules flag 64.1% and the
truth says 65.0%; precision 0.833, recall 0.821; avoidable cost €64,177 of €97,573 (65.8%) at
the default cost model — orders 7,221 contacts (€51,087), "where is my order" 1,223 (€8,031),
repeats 924 (€5,058)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.test_demo_cli import run
from valuecenter.analytics.contact_reasons import DEFAULT_RULES
from valuecenter.db.base import utcnow
from valuecenter.quality.reasons import costed_contacts
from valuecenter.settings import DEFAULT_CHANNEL_MINUTE_COST_CENTS


@pytest.mark.sqlite_only(
    "a demo-world truth test; the queries run on PostgreSQL in test_quality_reasons"
)
def test_the_rules_against_the_demo_truth(
    load_demo: Callable[..., None],
    sessions: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    load_demo("--preset", "wholesale", "--customers", "5000", "--seed", "1")
    with sessions() as session:
        contacts, _reasons = costed_contacts(
            session, None, utcnow(), DEFAULT_RULES, DEFAULT_CHANNEL_MINUTE_COST_CENTS
        )
        truth = pd.DataFrame(
            session.execute(text("SELECT contact_id, avoidable FROM truth_contacts")).all(),
            columns=["external_id", "truth"],
        )
    both = contacts.merge(truth, on="external_id", how="inner")
    assert len(both) == len(contacts) > 10_000
    flagged = both["rule"].notna().to_numpy()
    really = both["truth"].astype(bool).to_numpy()
    precision = (flagged & really).sum() / flagged.sum()
    recall = (flagged & really).sum() / really.sum()
    with capsys.disabled():  # the figures of docs/service.md
        print(
            f"contacts {len(both)} flagged {flagged.mean():.3f} truth {really.mean():.3f} "
            f"precision {precision:.3f} recall {recall:.3f}"
        )
    # The rules see the need and the chain, not the truth's coin: they agree on most
    # contacts, and the avoidable share they report is within a few points of the true one.
    assert precision > 0.75
    assert recall > 0.75
    assert abs(flagged.mean() - really.mean()) < 0.05
    # Orders by an agent: the truth calls 80% of them avoidable, the rule all of them.
    orders = (both["rule"] == "order-could-be-online").to_numpy()
    assert 0.7 < really[orders].mean() < 0.9

    # The commands add up: Pareto counts to the reasons read, cost per rule to the avoidable
    # cost, cost per customer (all of them) to the total.
    code, out, err = run(["service", "reasons", "--json"], capsys)
    assert code == 0, err
    reasons = json.loads(out)
    assert sum(r["count"] for r in reasons["pareto"]) == reasons["provenance"]["reasons"]
    assert (
        sum(r["count"] for r in reasons["pareto_primary"])
        + reasons["provenance"]["contacts_without_reason"]
        == reasons["provenance"]["contacts"]
        == len(both)
    )
    assert 3.0 < reasons["reasons_per_contact"] < 4.0  # seed 002: 3–4 questions
    peaks = reasons["peaks"]
    assert peaks["peak_contacts"] + peaks["normal_contacts"] == len(both)
    assert 0 < len(peaks["peak_days"]) <= 0.1 * peaks["days"] + 1
    code, out, err = run(["service", "avoidable", "--json"], capsys)
    assert code == 0, err
    avoidable = json.loads(out)
    assert avoidable["avoidable"] == int(flagged.sum())
    assert sum(r["cost_cents"] for r in avoidable["by_rule"]) == avoidable["avoidable_cost_cents"]
    assert sum(r["contacts"] for r in avoidable["by_rule"]) == avoidable["avoidable"]
    assert avoidable["cost_cents"] == int(contacts["cost_cents"].sum())
    with capsys.disabled():
        print(
            f"avoidable {avoidable['avoidable']} ({avoidable['share']}), cost "
            f"{avoidable['avoidable_cost_cents']} of {avoidable['cost_cents']} "
            f"({avoidable['cost_share']}); by rule "
            + ", ".join(
                f"{r['name']} {r['contacts']} {r['cost_cents']}" for r in avoidable["by_rule"]
            )
        )
    code, out, err = run(["service", "cost-to-serve", "--top", "1000", "--json"], capsys)
    assert code == 0, err
    by_customer = json.loads(out)
    code, out, err = run(["service", "cost-to-serve", "--by", "product", "--json"], capsys)
    assert code == 0, err
    by_product = json.loads(out)
    known = int(contacts.loc[contacts["customer"] >= 0, "cost_cents"].sum())
    assert sum(r["cost_cents"] for r in by_product["rows"]) == known
    assert by_product["cost_cents"] == avoidable["cost_cents"]
    rows = by_customer["rows"]
    assert [r["cost_cents"] for r in rows] == sorted((r["cost_cents"] for r in rows), reverse=True)
    with capsys.disabled():
        print(
            "by product: "
            + ", ".join(f"{r['key']} {r['cost_cents']}" for r in by_product["rows"])
            + f"; top customer {rows[0]['key']} {rows[0]['cost_cents']}"
        )
