"""Name pools for people and firms, by language; drawn vectorised (no loop per customer)."""

from __future__ import annotations

import numpy as np
import pandas as pd

FIRST = {
    "nl": ("Jan", "Sanne", "Pieter", "Anouk", "Daan", "Lotte", "Bram", "Eva", "Joris", "Femke",
           "Thijs", "Marieke", "Ruben", "Inge", "Koen", "Lieke", "Wouter", "Noor", "Sven", "Els"),
    "fr": ("Jean", "Marie", "Luc", "Sophie", "Pierre", "Camille", "Julien", "Claire", "Nicolas",
           "Élise", "Thomas", "Amélie", "Olivier", "Manon", "François", "Chloé"),
    "de": ("Thomas", "Anna", "Stefan", "Julia", "Michael", "Laura", "Andreas", "Katrin", "Markus",
           "Lena", "Tobias", "Sabine", "Jürgen", "Claudia", "Lukas", "Miriam", "Florian", "Petra"),
}  # fmt: skip
LAST = {
    "nl": ("de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
           "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Dijk", "Peeters", "Maes",
           "Janssens", "Claes", "Willems", "Verhoeven"),
    "fr": ("Dubois", "Lambert", "Martin", "Dupont", "Leroy", "Simon", "Laurent", "Lefèvre",
           "Michel", "Renard", "Mercier", "Fontaine", "Girard", "Rochat", "Favre"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Schulz", "Hoffmann", "Huber", "Gruber", "Bauer", "Keller", "Brunner", "Wolf"),
}  # fmt: skip
TRADE = {
    "nl": ("Bakkerij", "Drukkerij", "Installatiebedrijf", "Advocatenkantoor", "Tandartspraktijk",
           "Garage", "Bouwbedrijf", "Accountantskantoor", "Kinderopvang", "Transportbedrijf",
           "Makelaardij", "Huisartsenpraktijk", "Architectenbureau", "Schildersbedrijf"),
    "fr": ("Boulangerie", "Imprimerie", "Garage", "Cabinet", "Transports", "Bureau d'études",
           "Fiduciaire", "Pharmacie", "Agence immobilière", "Menuiserie"),
    "de": ("Bäckerei", "Druckerei", "Autohaus", "Steuerberatung", "Zahnarztpraxis",
           "Bauunternehmen", "Kanzlei", "Spedition", "Architekturbüro", "Malerbetrieb",
           "Immobilien", "Elektro"),
}  # fmt: skip
LEGAL = {
    "NL": ("B.V.", "B.V.", "V.O.F.", ""),
    "BE": ("BV", "NV", "SRL", ""),
    "DE": ("GmbH", "GmbH", "KG", "GmbH & Co. KG"),
    "CH": ("AG", "GmbH", "Sàrl", ""),
    "AT": ("GmbH", "GmbH", "KG", "OG"),
}
_ASCII = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "é": "e", "è": "e", "ç": "c", "à": "a"})


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (for e-mail addresses)."""
    return "".join(ch for ch in text.lower().translate(_ASCII) if ch.isalnum())


def _pick(rng: np.random.Generator, pool: tuple[str, ...], n: int) -> np.ndarray:
    return np.asarray(pool, dtype=object)[rng.integers(0, len(pool), n)]


def people(rng: np.random.Generator, languages: np.ndarray) -> tuple[pd.Series, pd.Series]:
    """First and last names of people speaking ``languages`` (one per element)."""
    n = len(languages)
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    for lang in ("nl", "fr", "de"):
        mask = languages == lang
        k = int(mask.sum())
        first[mask] = _pick(rng, FIRST[lang], k)
        last[mask] = _pick(rng, LAST[lang], k)
    return pd.Series(first, dtype=object), pd.Series(last, dtype=object)


def firms(
    rng: np.random.Generator, languages: np.ndarray, countries: np.ndarray
) -> tuple[pd.Series, pd.Series]:
    """Firm names (trade, family name, legal form) and their family names."""
    n = len(languages)
    trade = np.empty(n, dtype=object)
    legal = np.empty(n, dtype=object)
    for lang in ("nl", "fr", "de"):
        mask = languages == lang
        trade[mask] = _pick(rng, TRADE[lang], int(mask.sum()))
    for country, forms in LEGAL.items():
        mask = countries == country
        legal[mask] = _pick(rng, forms, int(mask.sum()))
    _, last = people(rng, languages)
    joined = trade + " " + last.to_numpy(dtype=object) + " " + legal
    names = pd.Series(joined, dtype=object).str.strip()
    return names, last
