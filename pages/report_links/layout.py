"""Layout of the reporting-link page: create a link for one establishment (or unit) and one person; revoke."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.controls import dropdown
from components.tables import grid
from data_access.db import read_session
from data_access.queries.bed_reporting import reportable_establishments
from services.web import current_principal

LINK_COLUMNS = [
    {"field": "holder", "headerName": "Titulaire", "checkboxSelection": True, "minWidth": 180},
    {"field": "unit", "headerName": "Unité"},
    {"field": "created", "headerName": "Créé le"},
    {"field": "expires", "headerName": "Expire le"},
    {"field": "status", "headerName": "État"},
    {"field": "last_used", "headerName": "Dernière utilisation"},
]


def layout(**_query: str) -> html.Div:
    principal = current_principal()
    if principal is None or principal.role not in {"admin", "regional"}:
        return dbc.Alert(
            "Réservé aux administrateurs et aux cellules régionales.", color="danger", id="report-links-denied"
        )
    with read_session() as session:
        choices = reportable_establishments(session, principal)
    return html.Div(
        [
            dcc.Store(id="report-links-refresh", data=0),
            html.H1("Liens de déclaration sans mot de passe", className="h3"),
            html.P(
                "Un lien permet à une seule personne de déclarer les lits d'un établissement (ou d'une unité), "
                "sans compte. Il expire, peut être révoqué à tout moment, et n'est affiché qu'une fois : "
                "seule son empreinte est conservée.",
                className="text-muted small",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        dbc.Row(
                            [
                                dbc.Col(
                                    [
                                        dbc.Label(
                                            "Établissement", html_for="report-links-establishment", className="small"
                                        ),
                                        dropdown(
                                            id="report-links-establishment",
                                            clearable=False,
                                            options=[{"label": label, "value": value} for value, label in choices],
                                            value=choices[0][0] if choices else None,
                                        ),
                                    ],
                                    md=6,
                                ),
                                dbc.Col(
                                    [
                                        dbc.Label(
                                            "Unité (facultatif)", html_for="report-links-unit", className="small"
                                        ),
                                        dropdown(
                                            id="report-links-unit", options=[], placeholder="Tout l'établissement"
                                        ),
                                    ],
                                    md=6,
                                ),
                            ],
                            className="g-2 mb-2",
                        ),
                        dbc.Row(
                            [
                                dbc.Col(
                                    [
                                        dbc.Label(
                                            "Titulaire (nom et fonction)",
                                            html_for="report-links-holder",
                                            className="small",
                                        ),
                                        dbc.Input(
                                            id="report-links-holder",
                                            type="text",
                                            maxLength=120,
                                            placeholder="ex. Dr Martin, cadre de réanimation",
                                        ),
                                    ],
                                    md=6,
                                ),
                                dbc.Col(
                                    [
                                        dbc.Label("Validité (jours)", html_for="report-links-days", className="small"),
                                        dbc.Input(
                                            id="report-links-days", type="number", min=1, max=365, step=1, value=30
                                        ),
                                    ],
                                    md=3,
                                ),
                                dbc.Col(
                                    dbc.Button(
                                        "Créer le lien", id="report-links-create", color="primary", className="mt-4"
                                    ),
                                    md=3,
                                ),
                            ],
                            className="g-2",
                        ),
                        html.Div(id="report-links-created", className="mt-3", role="status"),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2("Liens de l'établissement", className="h5"),
                        grid(
                            "report-links-table",
                            LINK_COLUMNS,
                            page_size=10,
                            options={"rowSelection": "single"},
                            getRowId="params.data.id",
                        ),
                        dbc.Button(
                            "Révoquer le lien sélectionné",
                            id="report-links-revoke",
                            color="danger",
                            outline=True,
                            className="mt-2",
                        ),
                        html.Div(id="report-links-revoked", className="mt-2", role="status"),
                    ]
                )
            ),
        ],
        id="report-links-page",
    )
