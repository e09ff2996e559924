"""Scale-out on Apache Spark (issue 24; docs/scale-out.md): the score run's features and
scores for millions of customers on a cluster, with the single-machine path's own definitions.
PySpark is the optional extra ``valuecenter[spark]``; only this package imports it."""
