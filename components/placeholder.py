"""A plain notice for pages whose capability is not built yet, saying so rather than pretending."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html


def not_yet(title: str, what: str, page_id: str) -> html.Div:
    return html.Div(
        [
            html.H1(title, className="h3"),
            dbc.Alert(
                [
                    html.Strong("Page en construction. "),
                    f"{what} Les données de ce domaine sont déjà enregistrées dans la base ; "
                    "cette page les affichera dans une prochaine version.",
                ],
                color="info",
            ),
        ],
        id=page_id,
    )
