"""Churn early warning: order-rhythm and churn-model alerts for account managers, market dips
for managers, and the precision of the alerts raised (issue 6, C9–C11)."""
