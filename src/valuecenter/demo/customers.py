"""Customers and account managers.

Seed 000: 150 telesales account managers, each with a fixed pool of ≈650 customers from his
own home market ("a Dutch AM has a Dutch pool, a Swiss AM a Swiss one"). The number of AMs
per country is ``ceil(customers in country / pool size)`` and the country's customers are
dealt over them in equal pools.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo import names
from valuecenter.demo.presets import Preset
from valuecenter.demo.timeline import IntArray
from valuecenter.demo.vector import numbered


@dataclass(frozen=True)
class Population:
    """Who the customers are, before anything about their behaviour is drawn."""

    ids: pd.Series
    country_index: IntArray
    countries: np.ndarray
    languages: np.ndarray


def population(preset: Preset, n: int, rng: np.random.Generator) -> Population:
    shares = np.array([c.share for c in preset.countries])
    country_index = rng.choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int64)
    countries = np.array([c.code for c in preset.countries], dtype=object)[country_index]
    languages = np.empty(n, dtype=object)
    for k, country in enumerate(preset.countries):
        mask = country_index == k
        langs = [lang for lang, _ in country.languages]
        weights = np.array([w for _, w in country.languages])
        languages[mask] = np.asarray(langs, dtype=object)[
            rng.choice(len(langs), size=int(mask.sum()), p=weights / weights.sum())
        ]
    width = max(7, len(str(n)))
    ids = pd.Series(numbered("C", 1, n, width), dtype=object)
    return Population(ids, country_index, countries, languages)


def account_managers(
    preset: Preset, pop: Population, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.Series]:
    """The AM frame (code, name, country) and each customer's AM code (``None`` without)."""
    n = len(pop.ids)
    assigned = np.full(n, None, dtype=object)
    if preset.pool_size is None:
        return pd.DataFrame(columns=["code", "name", "country", "language"]), pd.Series(assigned)
    rows: list[dict[str, str]] = []
    for k, country in enumerate(preset.countries):
        members = np.flatnonzero(pop.country_index == k)
        if len(members) == 0:
            continue
        count = math.ceil(len(members) / preset.pool_size)
        members = rng.permutation(members)
        codes = [f"{country.code}-{j + 1:02d}" for j in range(count)]
        for j, pool in enumerate(np.array_split(members, count)):
            assigned[pool] = codes[j]
        lang = np.full(count, country.languages[0][0], dtype=object)
        first, last = names.people(rng, lang)
        for j in range(count):
            rows.append(
                {
                    "code": codes[j],
                    "name": f"{first.iloc[j]} {last.iloc[j]}",
                    "country": country.code,
                    "language": str(lang[j]),
                }
            )
    return pd.DataFrame(rows), pd.Series(assigned, dtype=object)


def customers_frame(
    preset: Preset,
    pop: Population,
    since_day: IntArray,
    am_codes: pd.Series,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """The observable customers (importer columns; ``segment`` is filled in later)."""
    from valuecenter.demo.timeline import to_dates

    n = len(pop.ids)
    city = np.empty(n, dtype=object)
    prefix = np.empty(n, dtype=object)
    for k, country in enumerate(preset.countries):
        mask = pop.country_index == k
        city[mask] = np.asarray(country.cities, dtype=object)[
            rng.integers(0, len(country.cities), int(mask.sum()))
        ]
        prefix[mask] = country.phone_prefix
    number = pd.Series(rng.integers(100_000_000, 999_999_999, n)).astype(str)
    serial = pd.Series(np.arange(1, n + 1)).astype(str)
    if preset.kind == "b2b":
        name, family = names.firms(rng, pop.languages, pop.countries)
        mailbox = pd.Series(np.full(n, "info", dtype=object))
    else:
        first, family = names.people(rng, pop.languages)
        name = first + " " + family
        mailbox = first.map(names.slug)
    host = family.map(names.slug) + serial
    email = mailbox + "@" + host + ".example"
    return pd.DataFrame(
        {
            "customer_id": pop.ids,
            "name": name,
            "kind": preset.kind,
            "country": pop.countries,
            "language": pop.languages,
            "city": city,
            "email": email,
            "phone": pd.Series(prefix, dtype=object) + number,
            "segment": None,
            "account_manager": am_codes,
            "customer_since": to_dates(since_day),
        }
    )
