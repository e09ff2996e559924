"""Phone numbers in E.164 form (``+31612345678``), so a customer's number and a do-not-call
register's numbers compare equal however they were written.

ITU-T E.164 numbers: a ``+``, the country code, the national number without its trunk
prefix. National forms (``06-1234 5678`` in the Netherlands) take the country code of the
customer's country; ``00`` is the international prefix of the seeds' countries.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Country calling codes of the markets the seeds name (Benelux-DACH) and their neighbours.
CALLING_CODES = {
    "NL": "31",
    "BE": "32",
    "LU": "352",
    "DE": "49",
    "AT": "43",
    "CH": "41",
    "FR": "33",
    "GB": "44",
    "DK": "45",
}
_NOISE = re.compile(r"[\s\-./()]")
_DIGITS = re.compile(r"\d{8,15}")
_LONGEST_FIRST = tuple(sorted(CALLING_CODES.values(), key=len, reverse=True))


# Remembered: the offers' feature refresh normalizes every customer's number at every refresh
# (20,000 customers × 14 refreshes in tests/test_nba_truth.py), and a number reads the same
# every time.
@lru_cache(maxsize=1 << 16)
def normalize(number: str | None, country: str | None = None) -> str | None:
    """``number`` as E.164, or ``None`` when it cannot be read as a phone number (no country
    for a national number, or not 8–15 digits)."""
    if not number:
        return None
    text = _NOISE.sub("", number.strip())
    if text.startswith("+"):
        digits = text[1:]
    elif text.startswith("00"):
        digits = text[2:]
    elif text.startswith("0"):
        code = CALLING_CODES.get((country or "").upper())
        if code is None:
            return None
        digits = code + text[1:]
    else:
        return None
    if not _DIGITS.fullmatch(digits):
        return None
    # A trunk 0 kept after the country code ("+31 (0)6 …") is not part of the number.
    for code in _LONGEST_FIRST:
        if digits.startswith(code + "0"):
            digits = code + digits[len(code) + 1 :]
            break
    return "+" + digits
