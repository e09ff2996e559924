"""Retention that pays (issue 7): offers, the renewal list, the save desk and its ledger."""
