"""The 404 page, in French, with a way back."""

import dash
from dash import html

dash.register_page(__name__, path="/404", name="Page introuvable", title="Page introuvable", nav=False)


def layout(**_query: str) -> html.Div:
    return html.Div(
        [
            html.H1("Page introuvable", className="h3"),
            html.P("L'adresse demandée n'existe pas dans la salle de situation."),
            html.A("Revenir à la vue d'ensemble", href="/", className="btn btn-primary", id="not-found-home"),
        ],
        className="py-5",
        id="not-found",
    )
