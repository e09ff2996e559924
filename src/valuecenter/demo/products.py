"""The product catalogue: categories of products with list prices and a popularity."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from valuecenter.demo.presets import Preset
from valuecenter.demo.timeline import FloatArray, IntArray

_NOUNS = {
    "paper": ("Copy paper A4", "Envelopes C5", "Notebook A5", "Label sheets", "Photo paper"),
    "ink": ("Toner black", "Ink cartridge colour", "Drum unit", "Toner multipack"),
    "writing": ("Ballpoint pens", "Highlighters", "Correction tape", "Pencils HB", "Markers"),
    "filing": ("Lever arch file", "Ring binder", "Archive box", "Document wallet", "Dividers"),
    "desk": ("Stapler", "Desk organiser", "Hole punch", "Scissors", "Tape dispenser"),
    "furniture": ("Office chair", "Desk", "Filing cabinet", "Monitor arm", "Footrest"),
    "it": ("USB stick", "Keyboard", "Mouse", "Headset", "HDMI cable", "Webcam"),
    "catering": ("Coffee beans", "Tea assortment", "Paper cups", "Sugar sticks", "Milk cups"),
    "cleaning": ("Hand soap", "Paper towels", "Surface cleaner", "Bin liners", "Gloves"),
    "mailroom": ("Shipping boxes", "Bubble wrap", "Packing tape", "Mailing bags"),
    "school": ("Exercise books", "Coloured pencils", "Glue sticks", "Rulers", "Erasers"),
    "safety": ("First aid kit", "Fire blanket", "Safety vests", "Ear plugs"),
    "handsets": ("Smartphone", "Foldable phone", "Senior phone", "Refurbished phone"),
    "accessories": ("Phone case", "Charger", "Screen protector", "Earbuds", "Power bank"),
    "sim": ("SIM card", "eSIM activation", "Prepaid top-up"),
}
_VARIANTS = ("Basic", "Plus", "Pro", "Eco", "Max", "Mini", "XL", "Classic")


@dataclass(frozen=True)
class Catalogue:
    """Products sorted by category; ``cdf`` stacks each category's popularity in [c, c+1);
    ``popularity`` is each product's share of its category's lines (hidden truth)."""

    frame: pd.DataFrame
    category: IntArray
    price_cents: IntArray
    category_weight: FloatArray
    cdf: FloatArray
    popularity: FloatArray


def catalogue(preset: Preset, rng: np.random.Generator) -> Catalogue:
    rows: list[dict[str, object]] = []
    cats: list[int] = []
    prices: list[int] = []
    cdf: list[float] = []
    shares: list[float] = []
    per = preset.products_per_category
    for c, (code, _name, median) in enumerate(preset.categories):
        nouns = _NOUNS[code]
        price = np.exp(np.log(median) + 0.55 * rng.standard_normal(per))
        cents = np.maximum(np.round(price) * 100 - 1 - 50 * rng.integers(0, 2, per), 49)
        popularity = 1.0 / (np.arange(per) + 1.0) ** 0.9
        popularity = rng.permutation(popularity)
        within = np.cumsum(popularity) / popularity.sum()
        shares.extend((popularity / popularity.sum()).tolist())
        for j in range(per):
            noun = nouns[j % len(nouns)]
            variant = _VARIANTS[(j // len(nouns)) % len(_VARIANTS)]
            rows.append(
                {
                    "product_id": f"P{c + 1:02d}{j + 1:03d}",
                    "name": f"{noun} {variant}",
                    "category": code,
                    "list_price": int(cents[j]) / 100,
                }
            )
            cats.append(c)
            prices.append(int(cents[j]))
            cdf.append(c + float(within[j]))
    weights = np.array([1.0 / (k + 1.0) ** 0.5 for k in range(len(preset.categories))])
    return Catalogue(
        frame=pd.DataFrame(rows),
        category=np.asarray(cats, dtype=np.int64),
        price_cents=np.asarray(prices, dtype=np.int64),
        category_weight=weights / weights.sum(),
        cdf=np.asarray(cdf, dtype=np.float64),
        popularity=np.asarray(shares, dtype=np.float64),
    )


def truth_products(cat: Catalogue, preset: Preset) -> pd.DataFrame:
    """``truth_products``: each product's category and its share of the category's lines."""
    codes = np.asarray([code for code, _name, _median in preset.categories], dtype=object)
    return pd.DataFrame(
        {
            "product_id": cat.frame["product_id"].to_numpy(),
            "category": codes[cat.category],
            "popularity": np.round(cat.popularity, 6),
            "list_price_cents": cat.price_cents,
        }
    )


def draw_products(cat: Catalogue, rng: np.random.Generator, categories: IntArray) -> IntArray:
    """A product (row of the catalogue) per element of ``categories``, by popularity."""
    u = categories + 1e-9 + rng.random(len(categories)) * 0.999998
    return np.minimum(np.searchsorted(cat.cdf, u, side="left"), len(cat.cdf) - 1).astype(np.int64)
