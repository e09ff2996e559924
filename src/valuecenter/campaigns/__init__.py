"""Campaigns (C9): who was selected, who got the treatment, who was held out as control,
and who responded and converted — the observable record every uplift claim is measured on."""
