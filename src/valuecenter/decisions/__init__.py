"""The decision kernel (``docs/decisions.md``): what every automated decision about a customer in
a contact shares — the facts and context it reads (``facts``), the rule language a manager
writes and the engine validates on save (``rules``), the contact policy (``policy``) and the
decision log (``log``). The next-best-action engine (``offers``) and inbound routing
(``routing``) both decide with it: facts → rules → arbitration → logged decision; only the
arbitration is theirs."""
