"""The demo's action catalogues and the hidden truth of how customers answer the offers.

One 20,000-customer wholesale world (seed 1) is built once, in memory. The consistency test
compares ``organic`` with what the order generator really did in the window's last 60 days:
both come from the same rates (order rhythm × basket × category share × popularity), so for
a product with a few hundred buyers the observed count must lie within the Poisson noise of
the prediction (relative standard error ≤ 6% at ≥ 300 expected buyers; the tolerance is
±20%, over three standard errors), and over all products the standardised differences must
look like standard normal noise.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pytest

from valuecenter.decisions.facts import CHANNELS, WEEKDAYS
from valuecenter.demo import offers_truth as ot
from valuecenter.demo.latent import streams
from valuecenter.demo.presets import get_preset
from valuecenter.demo.products import catalogue
from valuecenter.demo.timeline import days_since_epoch
from valuecenter.demo.world import DemoWorld, build_world
from valuecenter.errors import InvalidInput
from valuecenter.offers.catalogue import (
    ACTION_KEYS,
    FILE_KEYS,
    LEVER_KEYS,
    POLICY_KEYS,
    SETTINGS_KEYS,
    check_policy,
    check_settings,
)
from valuecenter.offers.models import ActionKind

CUSTOMERS, SEED = 20_000, 1
DAYS = 60

# The catalogue format: the product's importer's own keys (offers/catalogue.py).
KINDS = {k.value for k in ActionKind}


@pytest.fixture(scope="module")
def world() -> DemoWorld:
    return build_world(get_preset("wholesale"), CUSTOMERS, SEED)


@pytest.fixture(scope="module")
def alive(world: DemoWorld) -> pd.DataFrame:
    """Customers still active at the window end who were customers through its last DAYS."""
    tc = world.truth["truth_customers"]
    end = days_since_epoch(world.window.end)
    since = world.latent.frame["since_day"].to_numpy()
    keep = tc["churn_date"].isna().to_numpy() & (since < end - DAYS)
    return tc[keep].reset_index(drop=True)


@pytest.fixture(scope="module")
def recent_buyers(world: DemoWorld, alive: pd.DataFrame) -> pd.Series:
    """Per product, how many of ``alive`` bought it in the window's last DAYS."""
    orders = world.frames["orders"]
    cut = pd.Timestamp(world.window.end, tz="UTC") - pd.Timedelta(days=DAYS)
    recent = orders[
        (orders["ordered_at"] >= cut) & orders["customer_id"].isin(alive["customer_id"])
    ]
    products = world.truth["truth_products"]["product_id"]
    counts = recent.groupby("product_id")["customer_id"].nunique()
    return counts.reindex(products, fill_value=0)


def _offers(preset: str) -> list[dict[str, Any]]:
    return [a for a in ot.load_demo_catalogue(preset)["actions"] if a["kind"] == "offer"]


# --- the catalogue files ----------------------------------------------------------------------


@pytest.mark.parametrize("preset", ot.CATALOGUES)
def test_catalogue_is_package_data(preset: str) -> None:
    path = resources.files("valuecenter.demo") / "catalogue" / f"{preset}.yaml"
    assert path.is_file()
    assert ot.load_demo_catalogue(preset)["actions"]


@pytest.mark.parametrize("preset", ot.CATALOGUES)
def test_catalogue_uses_only_the_format_keys(preset: str) -> None:
    data = ot.load_demo_catalogue(preset)
    assert set(data) <= FILE_KEYS
    assert set(data["settings"]) <= SETTINGS_KEYS
    check_settings(data["settings"])
    codes = [a["code"] for a in data["actions"]]
    assert len(codes) == len(set(codes))
    for action in data["actions"]:
        code = action["code"]
        assert set(action) <= ACTION_KEYS, code
        assert isinstance(code, str)
        assert 1 <= len(code) <= 64
        assert " " not in code
        assert action["kind"] in KINDS, code
        assert not ("product" in action and "category" in action), code
        assert set(action.get("channels") or []) <= set(CHANNELS), code
        assert 0.0 <= action["prior_accept"] <= 1.0, code
        assert action["value"] >= 0, code
        assert action["cost"] >= 0, code
    for lever in data["levers"]:
        assert set(lever) <= LEVER_KEYS, lever["code"]
        assert set(lever.get("kinds") or []) <= KINDS
        assert set(lever.get("channels") or []) <= set(CHANNELS)
        assert set(lever.get("weekdays") or []) <= set(WEEKDAYS)
        assert lever.get("action") is None or lever["action"] in codes
        assert lever["weight"] > 0
    for rule in data["contact_policy"]:
        assert set(rule) <= POLICY_KEYS, rule["code"]
        check_policy(rule, rule["code"], dict.fromkeys(codes))
        assert rule["kind"] in {"frequency", "rejection-pause"}
        assert rule.get("channel", "any") in {"phone", "email", "sms", "post", "any"}
        assert rule.get("direction", "any") in {"inbound", "outbound", "any"}
    assert {r["code"] for r in data["contact_policy"]} >= {
        "one-marketing-call-a-month",
        "three-strikes",
    }
    kinds = {a["kind"] for a in data["actions"]}
    assert kinds == KINDS


@pytest.mark.parametrize("preset", ot.CATALOGUES)
def test_catalogue_products_exist_and_offers_have_a_hidden_truth(preset: str) -> None:
    # Product ids and names are the same for every seed (only prices and popularity differ).
    cat = catalogue(get_preset(preset), streams(SEED)["products"])
    names = cat.frame.set_index("product_id")["name"]
    data = ot.load_demo_catalogue(preset)
    for action in data["actions"]:
        if "product" in action:
            assert action["product"] in names.index, action["code"]
            assert names[action["product"]] in action["name"], action["code"]
        if action["kind"] == "offer":
            assert "product" in action or "category" in action, action["code"]
        else:
            assert "product" not in action, action["code"]
            assert "category" not in action, action["code"]
    offers = {a["code"] for a in _offers(preset)}
    assert offers == set(ot.HIDDEN_OFFERS[preset])
    assert 7 <= len(offers) <= 10
    categories = {code for code, _name, _median in get_preset(preset).categories}
    for hidden in ot.HIDDEN_OFFERS[preset].values():
        assert set(hidden.complements) <= categories
    assert tuple(data["settings"]["service_intents"]) == ot.SERVICE_NEEDS[preset]


@pytest.mark.parametrize("preset", ot.CATALOGUES)
def test_catalogue_rules_pass_the_rule_language(preset: str) -> None:
    rules = pytest.importorskip("valuecenter.decisions.rules")
    spec = get_preset(preset)
    vocabulary = rules.Vocabulary(
        products=frozenset(catalogue(spec, streams(SEED)["products"]).frame["product_id"]),
        categories=frozenset(code for code, _name, _median in spec.categories),
        segments=frozenset(spec.segment_labels),
        countries=frozenset(c.code for c in spec.countries),
    )
    for action in ot.load_demo_catalogue(preset)["actions"]:
        if "eligible" in action:
            rules.parse(action["eligible"], vocabulary, f"{action['code']}.eligible")


def test_category_weights_are_the_catalogues(world: DemoWorld) -> None:
    cat = catalogue(get_preset("wholesale"), streams(SEED)["products"])
    weights = ot.category_weights(world.truth["truth_products"])
    codes = [code for code, _name, _median in get_preset("wholesale").categories]
    assert list(weights.index) == codes
    np.testing.assert_allclose(weights.to_numpy(), cat.category_weight)


# --- organic purchases are the order generator's --------------------------------------------


def test_organic_matches_the_order_history(
    world: DemoWorld, alive: pd.DataFrame, recent_buyers: pd.Series
) -> None:
    products = world.truth["truth_products"]["product_id"]
    predicted = np.array(
        [ot.organic(alive, world.truth["truth_products"], p, DAYS).sum() for p in products]
    )
    observed = recent_buyers.to_numpy()
    # Products with ≥ 300 expected buyers: each within ±20% (over 3 standard errors).
    big = predicted >= 300
    assert big.sum() >= 8
    ratio = observed[big] / predicted[big]
    assert np.all(np.abs(ratio - 1.0) < 0.20), dict(zip(products[big], ratio.round(3), strict=True))
    # All products together within ±5%, and the standardised differences look like noise.
    assert abs(observed.sum() / predicted.sum() - 1.0) < 0.05
    enough = predicted >= 20
    z = (observed[enough] - predicted[enough]) / np.sqrt(predicted[enough])
    assert abs(z.mean()) < 0.3
    assert 0.75 < z.std() < 1.3
    # The catalogue's offers, pooled (their products are rarer): within ±10%.
    offer_ids = [a["product"] for a in _offers("wholesale")]
    at = products.isin(offer_ids).to_numpy()
    assert abs(observed[at].sum() / predicted[at].sum() - 1.0) < 0.10


def test_organic_grows_with_the_horizon_and_the_favourites(
    world: DemoWorld, alive: pd.DataFrame
) -> None:
    tp = world.truth["truth_products"]
    p30 = ot.organic(alive, tp, "P01006", 30)
    p60 = ot.organic(alive, tp, "P01006", 60)
    assert np.all((p30 >= 0) & (p30 <= p60) & (p60 < 1))
    fav = alive["favourites"].str.contains("paper").to_numpy()
    assert p30[fav].mean() > 3 * p30[~fav].mean()


# --- the take and its observable footprint --------------------------------------------------


def test_take_is_higher_for_customers_of_the_category(
    world: DemoWorld, alive: pd.DataFrame
) -> None:
    tp = world.truth["truth_products"]
    category = tp.set_index("product_id")["category"]
    favourites = alive["favourites"].str.split(";")
    for offer in _offers("wholesale"):
        hidden = ot.HIDDEN_OFFERS["wholesale"][offer["code"]]
        t = ot.take(alive, tp, offer["code"], "wholesale")
        assert np.all((t >= 0) & (t <= ot.TAKE_MAX))
        own = favourites.map(lambda f, c=category[offer["product"]]: c in f).to_numpy()
        near = favourites.map(lambda f, h=hidden: bool(set(h.complements) & set(f))).to_numpy()
        neither = ~own & ~near
        assert t[own].mean() > 2.5 * t[neither].mean(), offer["code"]
        if near.any() and (near & ~own).sum() > 100:
            assert t[own].mean() > t[near & ~own].mean() > t[neither].mean(), offer["code"]


def test_order_history_shows_the_favourites(world: DemoWorld, alive: pd.DataFrame) -> None:
    """A model can learn the affinity: the share of a customer's order lines in a category
    separates the customers who have it among their favourites from the others."""
    tp = world.truth["truth_products"]
    orders = world.frames["orders"]
    category = orders["product_id"].map(tp.set_index("product_id")["category"])
    table = pd.crosstab(orders["customer_id"], category)
    table = table.loc[table.index.isin(alive["customer_id"]) & (table.sum(axis=1) >= 8)]
    share = table.div(table.sum(axis=1), axis=0)
    customers = alive.set_index("customer_id").loc[share.index].reset_index()
    codes = list(ot.category_weights(tp).index)
    counts = ot.favourite_counts(customers, codes)
    for offer in _offers("wholesale"):
        c = str(tp.set_index("product_id").loc[offer["product"], "category"])
        fav = counts[:, codes.index(c)] > 0
        s = share[c].to_numpy()
        assert s[fav].mean() > 4 * s[~fav].mean(), c
        # AUC of the share as a score for "a favourite" (Mann-Whitney, ties counted half).
        ranks = pd.Series(s).rank().to_numpy()
        auc = (ranks[fav].sum() - fav.sum() * (fav.sum() + 1) / 2) / (fav.sum() * (~fav).sum())
        assert auc > 0.9, c


def test_size_shows_in_revenue(world: DemoWorld, alive: pd.DataFrame) -> None:
    """The size factor follows value potential, which the observable revenue tracks."""
    orders = world.frames["orders"]
    revenue = (orders["quantity"] * orders["unit_price"]).groupby(orders["customer_id"]).sum()
    customers = alive[alive["customer_id"].isin(revenue.index)].reset_index(drop=True)
    observed = revenue.loc[customers["customer_id"]].to_numpy()
    rho = pd.Series(observed).corr(customers["value_potential"], method="spearman")
    assert rho > 0.8
    t = ot.take(customers, world.truth["truth_products"], "copy-paper-bulk", "wholesale")
    quintile = pd.qcut(observed, 5, labels=False)
    by_quintile = pd.Series(t).groupby(quintile).mean().to_numpy()
    assert by_quintile[-1] > 1.5 * by_quintile[0]  # elasticity 0.3


def test_sensitivity_shows_a_little_in_campaign_responses(world: DemoWorld) -> None:
    members = world.frames["campaign_members"]
    treated = members[
        (members["arm"] == "treatment") & ~members["campaign_id"].str.startswith("RENEW-")
    ]
    sensitivity = treated["customer_id"].map(
        world.truth["truth_customers"].set_index("customer_id")["offer_sensitivity"]
    )
    responded = treated["responded_at"].notna()
    assert sensitivity[responded].mean() > 1.1 * sensitivity[~responded].mean()


# --- the context, the treated chance and the value ------------------------------------------


def test_context_factors_are_as_documented() -> None:
    def f(
        intent: str | None,
        channel: str = "phone",
        day: object = 2,
        hour: float = 15,
        wait: float = 0,
    ) -> float:
        return float(ot.context_factor(intent, channel, day, hour, wait))

    assert f(None) == 1.0
    assert f("how-to") == 1.0
    assert f("product-info") == 1.0
    for need in ("complaint", "delivery", "return"):
        assert f(need) == pytest.approx(0.25)
    assert f("cancel") == pytest.approx(0.3)
    assert f("order") == pytest.approx(1.2)
    assert f(None, day=0, hour=9) == pytest.approx(0.6)
    assert f(None, day="mon", hour=8) == pytest.approx(0.6)
    assert f(None, day=0, hour=12) == 1.0
    assert f(None, day=0, hour=7.5) == 1.0
    assert f(None, day=1, hour=9) == 1.0
    assert f(None, wait=120) == 1.0
    assert f(None, wait=180) == pytest.approx(0.9)
    assert f(None, wait=300) == pytest.approx(0.7)
    assert f(None, wait=3600) == pytest.approx(0.5)
    expected = {"phone": 1.0, "chat": 1.0, "email": 0.6, "webcare": 0.6, "web": 0.4}
    expected |= {"self-service": 0.4, "ivr": 0.3, "sms": 0.5, "fax": 0.5, "post": 0.5}
    for channel, factor in expected.items():
        assert f(None, channel=channel) == pytest.approx(factor)
    assert f("complaint", day=0, hour=9, wait=300) == pytest.approx(0.25 * 0.6 * 0.7)
    assert (
        float(ot.context_factor("outage", "phone", 2, 15, 0, ot.SERVICE_NEEDS["telecom"])) == 0.25
    )
    vector = ot.context_factor(np.array(["complaint", None], dtype=object), "email", [0, 3], 9, 0)
    np.testing.assert_allclose(vector, [0.25 * 0.6 * 0.6, 0.6])
    with pytest.raises(InvalidInput):
        ot.context_factor(None, "pigeon", 2, 15, 0)
    with pytest.raises(InvalidInput):
        ot.context_factor(None, "phone", "someday", 15, 0)


def test_treated_adds_the_take_to_the_organic_chance() -> None:
    p = ot.treated(np.array([0.0, 0.1, 0.5]), np.array([0.2, 0.2, 0.9]), np.array([1.0, 0.5, 2.0]))
    np.testing.assert_allclose(p, [0.2, 0.1 + 0.9 * 0.1, 1.0])


def _contexts(alive: pd.DataFrame, rng: np.random.Generator, n: int) -> pd.DataFrame:
    codes = [a["code"] for a in ot.load_demo_catalogue("wholesale")["actions"]]
    intents = np.array([None, "order", "complaint", "how-to", "cancel", "delivery"], dtype=object)
    return pd.DataFrame(
        {
            "customer_id": rng.choice(alive["customer_id"].to_numpy(), n),
            "action": rng.choice(np.array([*codes, None], dtype=object), n),
            "intent": rng.choice(intents, n),
            "channel": rng.choice(sorted(ot.CHANNEL_FACTOR), n),
            "local_weekday": rng.integers(0, 7, n),
            "local_hour": rng.integers(0, 24, n),
            "wait_seconds": rng.exponential(150.0, n),
        }
    )


def test_evaluated_rows_are_probabilities_with_the_stated_value(
    world: DemoWorld, alive: pd.DataFrame
) -> None:
    tc, tp = world.truth["truth_customers"], world.truth["truth_products"]
    rows = _contexts(alive, np.random.default_rng(5), 20_000)
    out = ot.evaluate(rows, tc, tp, "wholesale")
    assert out.index.equals(rows.index)
    offer = (out["kind"] == "offer").to_numpy()
    none = rows["action"].isna().to_numpy()
    for column in ("p_control", "take", "p_accept"):
        values = out.loc[offer, column]
        assert values.between(0.0, 1.0).all(), column
    assert (out.loc[offer, "p_accept"] >= out.loc[offer, "p_control"]).all()
    assert (out.loc[offer, "take"] <= ot.TAKE_MAX).all()
    assert out["p_accept"].between(0.0, 1.0).all()
    assert (out.loc[none, "net_value_cents"] == 0).all()
    assert (out.loc[none, "p_accept"] == 0).all()
    assert out.loc[~offer & ~none, "net_value_cents"].isna().all()

    actions = {a["code"]: a for a in ot.load_demo_catalogue("wholesale")["actions"]}
    value = rows["action"].map(lambda c: actions[c]["value"] * 100 if c in actions else 0)
    cost = rows["action"].map(lambda c: actions[c]["cost"] * 100 if c in actions else 0)
    contact = rows["action"].map(
        lambda c: actions[c].get("contact_cost", 0) * 100 if c in actions else 0
    )
    p0, p1 = out["p_control"], out["p_accept"]
    expected = (p1 - p0) * value - p1 * cost - contact
    np.testing.assert_allclose(out.loc[offer, "net_value_cents"], expected[offer], rtol=1e-9)
    net = ot.true_net_value(rows, tc, tp, "wholesale")
    np.testing.assert_allclose(net, out["net_value_cents"].to_numpy())

    # The same customer and offer: a complaint or a Monday morning lowers the take.
    one = rows.iloc[:1].assign(action="toner-multipack", intent=None, channel="phone")
    neutral = ot.evaluate(one.assign(local_weekday=2, local_hour=15, wait_seconds=0), tc, tp)
    monday = ot.evaluate(one.assign(local_weekday=0, local_hour=9, wait_seconds=0), tc, tp)
    complaint = ot.evaluate(one.assign(intent="complaint", local_weekday=2, local_hour=15), tc, tp)
    gain = neutral["p_accept"] - neutral["p_control"]
    assert (monday["p_accept"] - monday["p_control"]).iloc[0] < gain.iloc[0]
    assert (complaint["p_accept"] - complaint["p_control"]).iloc[0] < 0.3 * gain.iloc[0]


def test_unknown_inputs_are_refused(world: DemoWorld, alive: pd.DataFrame) -> None:
    tc, tp = world.truth["truth_customers"], world.truth["truth_products"]
    with pytest.raises(InvalidInput):
        ot.load_demo_catalogue("bakery")
    with pytest.raises(InvalidInput):
        ot.take(alive, tp, "solve-complaint-first")
    with pytest.raises(InvalidInput):
        ot.organic(alive, tp, "P99001")
    row = {"customer_id": "C0000001", "intent": None, "channel": "phone"}
    row |= {"local_weekday": 2, "local_hour": 15}
    with pytest.raises(InvalidInput):
        ot.evaluate(pd.DataFrame([row | {"action": "no-such-offer"}]), tc, tp)
    with pytest.raises(InvalidInput):
        ot.evaluate(pd.DataFrame([row | {"action": "chair-pro", "customer_id": "X"}]), tc, tp)


def test_draw_answer_splits_the_rest_70_30() -> None:
    answers = pd.Series(ot.draw_answer(np.random.default_rng(3), np.full(100_000, 0.3)))
    share = answers.value_counts(normalize=True)
    assert share["accepted"] == pytest.approx(0.3, abs=0.01)
    assert share["rejected"] == pytest.approx(0.7 * 0.7, abs=0.01)
    assert share["ignored"] == pytest.approx(0.7 * 0.3, abs=0.01)
    assert set(ot.draw_answer(np.random.default_rng(3), [0.0, 1.0])) <= {
        "accepted",
        "rejected",
        "ignored",
    }
    assert list(ot.draw_answer(np.random.default_rng(3), [1.0, 1.0])) == ["accepted", "accepted"]


def test_telecom_offers_are_evaluated() -> None:
    telecom = build_world(get_preset("telecom"), 2_000, SEED)
    tc, tp = telecom.truth["truth_customers"], telecom.truth["truth_products"]
    offers = [a["code"] for a in _offers("telecom")]
    rows = pd.DataFrame(
        {
            "customer_id": np.repeat(tc["customer_id"].to_numpy()[:200], len(offers)),
            "action": np.tile(offers, 200),
            "intent": None,
            "channel": "phone",
            "local_weekday": 2,
            "local_hour": 15,
        }
    )
    out = ot.evaluate(rows, tc, tp, "telecom")
    assert out["p_accept"].between(0, 1).all()
    assert (out["p_accept"] >= out["p_control"]).all()
    assert out["net_value_cents"].notna().all()
