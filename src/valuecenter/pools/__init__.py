"""Account-manager pools: assignment and rebalancing (issue 22)."""
