"""The yield lines of the service P&L, one file per line (docs/finance.md), in the order the
P&L shows them."""

from __future__ import annotations

from valuecenter.finance.ledger import ValueLedger
from valuecenter.finance.lines.campaigns import CampaignsLedger
from valuecenter.finance.lines.nba_sales import NbaSalesLedger
from valuecenter.finance.lines.saves import SavesLedger

LEDGERS: list[ValueLedger] = [SavesLedger(), NbaSalesLedger(), CampaignsLedger()]

__all__ = ["LEDGERS", "CampaignsLedger", "NbaSalesLedger", "SavesLedger"]
