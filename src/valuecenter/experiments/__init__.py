"""Experiments (C13, issue 19): every control group of the product drawn, stored and counted
in one place — the save desk's control arm, the next best action's monthly control group and
the campaigns' arms. The arithmetic is the pure kernel in
:mod:`valuecenter.analytics.experiments`; this domain keeps the experiments and who is in
which arm."""
