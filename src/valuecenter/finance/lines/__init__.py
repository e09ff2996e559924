"""The yield lines of the service P&L, one file per line (docs/finance.md), in the order the
P&L shows them."""

from __future__ import annotations

from valuecenter.finance.ledger import ValueLedger
from valuecenter.finance.lines.avoided import AvoidedCostsLedger
from valuecenter.finance.lines.campaigns import CampaignsLedger
from valuecenter.finance.lines.nba_sales import NbaSalesLedger
from valuecenter.finance.lines.pools import PoolsLedger
from valuecenter.finance.lines.saves import SavesLedger

LEDGERS: list[ValueLedger] = [
    SavesLedger(),
    NbaSalesLedger(),
    CampaignsLedger(),
    PoolsLedger(),
    AvoidedCostsLedger(),
]

__all__ = [
    "LEDGERS",
    "AvoidedCostsLedger",
    "CampaignsLedger",
    "NbaSalesLedger",
    "PoolsLedger",
    "SavesLedger",
]
