"""Layout of the bed input page: establishment choice, unit cards, save, history with corrections, upload."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.controls import dropdown
from components.tables import grid
from components.uploads import upload_card
from data_access.db import read_session
from data_access.queries.bed_reporting import reportable_establishments
from pages.report_beds.ids import Ids
from services.web import current_principal
from settings import settings

HISTORY_COLUMNS = [
    {"field": "reported", "headerName": "Déclaré le", "minWidth": 140, "checkboxSelection": True},
    {"field": "unit", "headerName": "Unité", "minWidth": 180},
    {"field": "occupied", "headerName": "Occupés", "type": "rightAligned"},
    {"field": "open_beds", "headerName": "Ouverts", "type": "rightAligned"},
    {"field": "occupied_covid", "headerName": "dont COVID", "type": "rightAligned"},
    {"field": "version", "headerName": "Version"},
    {"field": "by", "headerName": "Par", "minWidth": 150},
    {"field": "channel", "headerName": "Canal"},
]


def layout(establishment: str | None = None, **_query: str) -> html.Div:
    principal = current_principal()
    with read_session() as session:
        choices = reportable_establishments(session, principal)
    if not choices:
        return dbc.Alert(
            "Aucun établissement à déclarer pour votre compte. Les déclarations de lits sont faites par les "
            "établissements (ou par la cellule régionale pour eux).",
            color="secondary",
            id="report-beds-denied",
        )
    chosen = next((choice for choice, _ in choices if str(choice) == establishment), choices[0][0])
    return html.Div(
        [
            dcc.Store(id=Ids.UPLOAD_PENDING),
            dcc.Store(id=Ids.REFRESH, data=0),
            dcc.Store(id=Ids.CORRECTION_TARGET),
            html.H1("Déclarer les lits", className="h3"),
            html.P(
                "Les valeurs de la dernière déclaration sont préremplies : modifiez ce qui a changé, puis "
                "enregistrez. Les lits libres sont calculés. Tout est vérifié avant enregistrement.",
                className="text-muted small",
            ),
            dbc.Row(
                dbc.Col(
                    [
                        dbc.Label("Établissement", html_for=Ids.ESTABLISHMENT, className="small mb-0"),
                        dropdown(
                            id=Ids.ESTABLISHMENT,
                            options=[{"label": label, "value": value} for value, label in choices],
                            value=chosen,
                            clearable=False,
                            disabled=len(choices) == 1,
                        ),
                    ],
                    md=8,
                ),
                className="mb-3",
            ),
            html.Div(id=Ids.UNITS),
            html.Div(id=Ids.FEEDBACK, role="status"),
            html.Div(
                [
                    dbc.Button("Enregistrer", id=Ids.SAVE, color="primary", size="lg", className="me-2"),
                    dbc.Button(
                        "Confirmer et enregistrer",
                        id=Ids.CONFIRM,
                        color="warning",
                        size="lg",
                        style={"display": "none"},
                    ),
                ],
                className="mb-4 sticky-bottom bg-light py-2",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(f"Historique ({settings.correction_days} derniers jours)", className="h5"),
                        html.P(
                            "Sélectionnez une déclaration pour la corriger (possible pendant "
                            f"{settings.correction_days} jours).",
                            className="small text-muted",
                        ),
                        grid(
                            Ids.HISTORY,
                            HISTORY_COLUMNS,
                            page_size=10,
                            options={"rowSelection": "single"},
                            getRowId="params.data.id",
                        ),
                        dbc.Button(
                            "Corriger la déclaration sélectionnée",
                            id=Ids.CORRECT,
                            color="secondary",
                            outline=True,
                            className="mt-2",
                            disabled=True,
                        ),
                    ]
                ),
                className="mb-4",
            ),
            dbc.Modal(
                [
                    dbc.ModalHeader(dbc.ModalTitle("Corriger une déclaration")),
                    dbc.ModalBody([html.Div(id=Ids.CORRECTION_BODY), html.Div(id=Ids.CORRECTION_FEEDBACK)]),
                    dbc.ModalFooter(
                        [
                            dbc.Button(
                                "Confirmer la correction",
                                id=Ids.CORRECTION_CONFIRM,
                                color="warning",
                                style={"display": "none"},
                            ),
                            dbc.Button("Enregistrer la correction", id=Ids.CORRECTION_SAVE, color="primary"),
                        ]
                    ),
                ],
                id=Ids.CORRECTION_MODAL,
                is_open=False,
                size="lg",
            ),
            upload_card(
                upload_id=Ids.UPLOAD,
                result_id=Ids.UPLOAD_RESULT,
                template_id=Ids.TEMPLATE,
                template_download_id=Ids.TEMPLATE_DOWNLOAD,
                instructions=(
                    "L'export de votre logiciel hospitalier : une ligne par unité (FINESS, unité, type de lit, "
                    "comptes). Séparateur ; ou , et virgule décimale acceptés. Les lignes valides sont "
                    "enregistrées, les lignes refusées sont listées avec leur motif."
                ),
                extra=[
                    dbc.Button("Confirmer l'import", id=Ids.UPLOAD_CONFIRM, color="warning", style={"display": "none"})
                ],
            ),
        ],
        id="report-beds-page",
    )
