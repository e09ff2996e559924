"""The service P&L (issue 23): what the department costs and what it yields, each yield line
measured against its control group (:mod:`valuecenter.finance.ledger`, docs/finance.md)."""
