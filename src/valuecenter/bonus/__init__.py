"""Account managers' bonus: the plan file and the bonus of every AM from the database
(issue 22, point 3; the arithmetic is :mod:`valuecenter.analytics.bonus`, docs/bonus.md)."""
