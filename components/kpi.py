"""Key-figure cards: a value with its numerator, denominator, threshold band and "as of" time."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def kpi_card(title: str, value: str, detail: str, *, color: str | None = None, card_id: str | None = None) -> dbc.Col:
    style = {"borderLeft": f"6px solid {color}"} if color else {}
    return dbc.Col(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(title, className="small text-muted"),
                    html.Div(value, className="fs-3 fw-semibold kpi-value"),
                    html.Div(detail, className="small"),
                ]
            ),
            style=style,
            className="h-100",
            id=card_id or "",
        ),
        xs=12,
        sm=6,
        lg=3,
    )
