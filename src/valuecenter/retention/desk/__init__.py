"""The save desk: cancel-call cases, the suggested offer, its control arm, the save ledger."""
