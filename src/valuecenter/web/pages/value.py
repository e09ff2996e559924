"""The value dashboard page (C2–C4): concentration, Lorenz curve, segments, RFM grid."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from valuecenter.i18n import _
from valuecenter.value.dashboard import Dashboard, dashboard
from valuecenter.web.deps import PageUser, SessionDep
from valuecenter.web.templating import chart_config, templates

router = APIRouter()


@router.get("/value")
def value_page(request: Request, session: SessionDep, user: PageUser) -> Response:
    board = dashboard(session, viewer=user)
    return templates.TemplateResponse(
        request, "value/dashboard.html", {"user": user, "board": board, "charts": _charts(board)}
    )


def _charts(board: Dashboard | None) -> dict[str, object]:
    """Vega-Lite specs of the two charts (data inline; rendered by static/charts.js)."""
    if board is None:
        return {}
    lorenz = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": _("Lorenz curve of the revenue of the last 12 months"),
        "config": chart_config(),
        "width": "container",
        "height": 260,
        "data": {"values": board.lorenz},
        "layer": [
            {
                "mark": {"type": "line", "strokeDash": [4, 4], "color": "#9aa5b1"},
                "data": {
                    "values": [{"customers": 0, "revenue": 0}, {"customers": 1, "revenue": 1}]
                },
                "encoding": {
                    "x": {"field": "customers", "type": "quantitative"},
                    "y": {"field": "revenue", "type": "quantitative"},
                },
            },
            {
                "mark": {"type": "area", "line": True, "opacity": 0.18, "color": "#1f6feb"},
                "encoding": {
                    "x": {
                        "field": "customers",
                        "type": "quantitative",
                        "title": _("Share of customers (smallest first)"),
                        "axis": {"format": "%"},
                    },
                    "y": {
                        "field": "revenue",
                        "type": "quantitative",
                        "title": _("Share of revenue"),
                        "axis": {"format": "%"},
                    },
                    "tooltip": [
                        {"field": "customers", "format": ".0%", "title": _("customers")},
                        {"field": "revenue", "format": ".1%", "title": _("revenue")},
                    ],
                },
            },
        ],
    }
    # Cell labels turn white on the darker cells.
    dark = 0.6 * max((cell["customers"] for cell in board.rfm), default=0)
    rfm = {
        "$schema": "https://vega.github.io/schema/vega-lite/v6.json",
        "description": _("Customers per recency and frequency score"),
        "config": chart_config(),
        "width": "container",
        "height": 260,
        "data": {"values": board.rfm},
        "encoding": {
            "x": {"field": "f", "type": "ordinal", "title": _("Frequency score (5 = most often)")},
            "y": {
                "field": "r",
                "type": "ordinal",
                "title": _("Recency score (5 = most recent)"),
                "sort": "descending",
            },
        },
        "layer": [
            {
                "mark": "rect",
                "encoding": {
                    "color": {
                        "field": "customers",
                        "type": "quantitative",
                        "scale": {"scheme": "blues"},
                        "title": _("Customers"),
                    },
                    "tooltip": [
                        {"field": "r", "title": "R"},
                        {"field": "f", "title": "F"},
                        {"field": "customers", "format": ",", "title": _("customers")},
                    ],
                },
            },
            {
                "mark": {"type": "text", "fontSize": 11},
                "encoding": {
                    "text": {"field": "customers", "format": ","},
                    "color": {
                        "condition": {"test": f"datum.customers > {dark}", "value": "#ffffff"},
                        "value": "#1b2733",
                    },
                },
            },
        ],
    }
    return {"lorenz": lorenz, "rfm": rfm}
