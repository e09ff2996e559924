"""Personal data (GDPR): one customer's data exported (art. 15), erased (art. 17), his objection
to direct marketing (art. 21), and the audit log of who read, exported, changed or erased
which customer's data. The tables are found from the model, never listed by hand
(``holdings.py``), so a new domain's table is exported and erased from the day it exists."""
