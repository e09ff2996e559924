"""The read model of contact reasons and cost-to-serve (issue 20): the contacts of a period
with every reason, their chain and handle time, and the customers they came from with the
groups cost-to-serve is reported by. Plain queries, pandas frames out; never commits.

Who a customer is, for cost-to-serve:

- **value segment** — his segment in the latest score run (``None``: not scored);
- **product type** — the category of the products he spent most on (net order-line totals
  of every order before the period's end; ties by category code), else the plan of his most
  recent contract, else ``None``. Contacts carry no order or product, so "who calls about
  what" is the customer's main product type, not the contact's;
- **B2B client** — the customer himself when his kind is ``b2b``.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from valuecenter.analytics.contact_chains import chain_ids
from valuecenter.contacts import repository
from valuecenter.contracts.models import Contract
from valuecenter.customers.models import Customer
from valuecenter.orders.models import Order, OrderLine
from valuecenter.products.models import Category, Product
from valuecenter.value.models import CustomerScore
from valuecenter.value.repository import latest_run

CHAIN_WINDOW_DAYS = 7.0


def _text(value: object) -> str:
    return str(getattr(value, "value", value))


def reason_frames(
    session: Session, since: datetime | None, until: datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contacts started in ``[since, until)`` and their reasons.

    Contacts: id, external_id, customer (−1 unknown), started (seconds since the epoch), day
    (UTC days since the epoch), channel, direction, intent (the contact's intent, else its
    first reason, else None), reasons (the codes in their order), handle (talk + hold + wrap
    seconds), abandoned, repeat (a later contact of
    its chain, :func:`valuecenter.analytics.contact_chains.chain_ids` with a 7-day window).
    Reasons: contact, position, reason."""
    columns = [
        "id", "external_id", "customer", "started_at", "channel", "direction", "intent",
        "talk", "hold", "wrap", "abandoned", "case",
    ]  # fmt: skip
    contacts = pd.DataFrame(repository.reason_contact_rows(session, since, until), columns=columns)
    reasons = pd.DataFrame(
        repository.reason_rows(session, since, until), columns=["contact", "position", "reason"]
    ).sort_values(["contact", "position"], kind="stable")
    given = reasons.groupby("contact", sort=False)["reason"].agg(list)
    contacts["reasons"] = [given.get(i, []) for i in contacts["id"]]
    first = [r[0] if r else None for r in contacts["reasons"]]
    contacts["intent"] = [
        i if isinstance(i, str) and i else f for i, f in zip(contacts["intent"], first, strict=True)
    ]
    contacts["channel"] = contacts["channel"].map(_text)
    contacts["direction"] = contacts["direction"].map(_text)
    for name in ("talk", "hold", "wrap"):
        contacts[name] = contacts[name].fillna(0).astype(np.int64)
    contacts["handle"] = contacts["talk"] + contacts["hold"] + contacts["wrap"]
    stamps = pd.to_datetime(contacts["started_at"], utc=True, format="mixed")
    started = (
        np.asarray(stamps.astype("int64") // 10**9, dtype=np.int64)
        if len(contacts)
        else np.zeros(0, dtype=np.int64)
    )
    contacts["started"] = started
    contacts["day"] = started // 86_400
    chain = (
        chain_ids(
            contacts["customer"].to_numpy(dtype=np.int64),
            started.astype(np.float64),
            contacts["case"].to_numpy(dtype=np.int64),
            np.asarray(first, dtype=object),
            CHAIN_WINDOW_DAYS,
        )
        if len(contacts)
        else np.zeros(0, dtype=np.int64)
    )
    contacts["chain"] = chain
    order = contacts.sort_values(["started", "id"], kind="stable")
    contacts["repeat"] = order.groupby("chain").cumcount().reindex(contacts.index) > 0
    return contacts.drop(columns=["started_at", "case"]), reasons


def customer_groups(session: Session, customers: list[int], until: datetime) -> pd.DataFrame:
    """The customers (ids) with ref (their external id), name, kind, segment, product_type,
    indexed by id; see the module doc for the rules."""
    if not customers:
        return pd.DataFrame(columns=["ref", "name", "kind", "segment", "product_type"]).rename_axis(
            "id"
        )
    wanted = sorted(set(customers))
    people = pd.DataFrame(
        session.execute(
            select(Customer.id, Customer.external_id, Customer.name, Customer.kind).where(
                Customer.id.in_(wanted)
            )
        ).all(),
        columns=["id", "ref", "name", "kind"],
    ).set_index("id")
    people["kind"] = people["kind"].map(_text)
    run = latest_run(session)
    segments = dict(
        session.execute(
            select(CustomerScore.customer_id, CustomerScore.segment).where(
                CustomerScore.run_id == (run.id if run is not None else -1),
                CustomerScore.customer_id.in_(wanted),
            )
        ).all()
    )
    spend = pd.DataFrame(
        session.execute(
            select(Order.customer_id, Category.code, func.sum(OrderLine.total_cents))
            .join(OrderLine, OrderLine.order_id == Order.id)
            .join(Product, Product.id == OrderLine.product_id)
            .join(Category, Category.id == Product.category_id)
            .where(Order.ordered_at < until, Order.customer_id.in_(wanted))
            .group_by(Order.customer_id, Category.code)
        ).all(),
        columns=["customer", "category", "cents"],
    )
    spend = spend[spend["cents"] > 0].sort_values(
        ["customer", "cents", "category"], ascending=[True, False, True]
    )
    main = spend.drop_duplicates("customer").set_index("customer")["category"].to_dict()
    plans = session.execute(
        select(Contract.customer_id, Contract.plan)
        .where(Contract.customer_id.in_(wanted), Contract.start_date < until.date())
        .order_by(Contract.customer_id, Contract.start_date, Contract.id)
    ).all()
    latest_plan = dict(plans)  # the last one of each customer wins
    people["segment"] = [segments.get(i) for i in people.index]
    people["product_type"] = [main.get(i, latest_plan.get(i)) for i in people.index]
    return people
