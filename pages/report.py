"""Reporting home (`/report`): the signed-in establishment's input pages."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from data_access.db import read_session
from data_access.queries.accounts import establishments_of
from services.web import current_principal

dash.register_page(__name__, path="/report", name="Déclarer", title="Déclarer — Salle de situation", order=8)


def layout(**_query: str) -> html.Div:
    principal = current_principal()
    if principal is None or principal.role not in {"reporter", "admin", "regional", "tracing"}:
        return dbc.Alert(
            "Les déclarations sont faites par les établissements, les plateformes de contact-tracing "
            "et les cellules régionales. Votre rôle donne accès aux vues de situation uniquement.",
            color="secondary",
            id="report-denied",
        )
    with read_session() as session:
        establishments = establishments_of(session, principal.establishment_ids)
    items = [html.Li(f"{e.name} — FINESS {e.finess or '—'}") for e in establishments]
    return html.Div(
        [
            html.H1("Déclarer", className="h3"),
            html.P("Vos établissements :" if items else "Aucun établissement rattaché à votre compte."),
            html.Ul(items, id="report-establishments"),
            dbc.ListGroup(
                [
                    dbc.ListGroupItem(
                        "Lits : capacités, occupation, ventilation, lits fermés",
                        href="/report/beds",
                        action=True,
                        id="report-link-beds",
                    ),
                    dbc.ListGroupItem(
                        "Contact-tracing : cas, contacts et délais par département et par jour",
                        href="/report/tracing",
                        action=True,
                        id="report-link-tracing",
                    ),
                    dbc.ListGroupItem(
                        "Liens de déclaration sans mot de passe (administrateurs et cellules régionales)",
                        href="/report/links",
                        action=True,
                        id="report-link-links",
                    ),
                ],
                className="mb-3",
            ),
            dbc.Alert(
                "Les formulaires des stocks, des personnels et des créneaux de vaccination arrivent dans les "
                "prochaines versions.",
                color="info",
            ),
        ],
        id="report-page",
    )
