"""Service quality (C14–C16, issue 20): contact chains and the measured FCR beside the tick
box, the operational KPIs, NPS and eNPS with their intervals, and what drives NPS."""
