"""The experiments kernel (C13, issue 19): every campaign, the save desk and the next-best-action
control group are randomised experiments designed, assigned and read out here.

- :mod:`.effect` — the difference-in-means estimate and its Neyman interval (the readout at
  the planned end);
- :mod:`.design` — the pre-registered design: the sample size per arm of a two-proportion test
  for a minimum detectable effect, α and power;
- :mod:`.assignment` — deterministic, stratified, hash-ordered assignment to arms (the same unit
  in the same experiment always lands in the same arm; arms balanced within strata);
- :mod:`.sequential` — an always-valid (time-uniform) interval for the effect, so that looking
  every day does not inflate false positives;
- :mod:`.simulate` — simulated campaigns with a known true lift, to check the two intervals'
  coverage and the false-positive rate under daily peeking.
"""

from valuecenter.analytics.experiments.effect import Z_95, Effect, average_effect

__all__ = ["Z_95", "Effect", "average_effect"]
