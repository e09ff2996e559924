"""Inbound routing (issue 22, ``docs/routing.md``): where a call goes — which queue, which agent,
with what priority, or the IVR's self-service — decided on the decision kernel
(``valuecenter.decisions``) from the caller's facts and the call's context, by rules a manager
edits, every decision logged. Seeds 000/001: the IVR handles simple calls itself, a caller who
wants to cancel goes straight to the retention team, the ACD routes each call by customer
information and segment."""
