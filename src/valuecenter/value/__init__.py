"""Customer value (C2–C4): the nightly score run — revenue, RFM, CLV, P(alive) and the six
value segments — stored per run, so every figure says which run and which model made it."""
