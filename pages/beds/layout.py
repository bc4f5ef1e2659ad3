"""Layout of the bed situation page: controls, map with establishments, timeline, tables and find-a-bed."""

from __future__ import annotations

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html
from sqlalchemy import select

from components.controls import dropdown
from components.geo import DEFAULT_VIEW, map_views
from components.tables import export_header, grid
from data_access.db import read_session
from data_access.models import Department
from data_access.queries.overview import ALL, CRITICAL, bed_types
from pages.beds.ids import Ids
from pages.beds.indicators import INDICATORS
from services.auth import detail_scope
from services.web import current_principal

NUMBER = {"type": "rightAligned", "filter": "agNumberColumnFilter"}
TABLE_COLUMNS = [
    {"field": "name", "headerName": "Établissement", "pinned": "left", "minWidth": 220},
    {"field": "department_code", "headerName": "Dép.", "width": 80},
    {"field": "commune", "headerName": "Commune"},
    {"field": "kind", "headerName": "Type", "width": 100},
    {"field": "open_beds", "headerName": "Ouverts", **NUMBER},
    {"field": "occupied", "headerName": "Occupés", **NUMBER},
    {"field": "free_beds", "headerName": "Libres", **NUMBER},
    {"field": "occupancy_pct", "headerName": "Occupation (%)", **NUMBER},
    {"field": "occupied_covid", "headerName": "dont COVID", **NUMBER},
    {"field": "last_report", "headerName": "Dernière déclaration"},
    {"field": "freshness_label", "headerName": "Fraîcheur"},
    {"field": "phone", "headerName": "Téléphone"},
    {"field": "finess", "headerName": "FINESS"},
]
OVERDUE_COLUMNS = [
    {"field": "name", "headerName": "Établissement", "minWidth": 220},
    {"field": "department_code", "headerName": "Dép.", "width": 80},
    {"field": "level_label", "headerName": "Retard"},
    {"field": "hours", "headerName": "Heures depuis la dernière déclaration", **NUMBER},
    {"field": "last_report", "headerName": "Dernière déclaration"},
    {"field": "phone", "headerName": "Téléphone à appeler", "minWidth": 160},
]
FIND_COLUMNS = [
    {"field": "rank", "headerName": "#", "width": 60},
    {"field": "name", "headerName": "Établissement", "minWidth": 220},
    {"field": "distance_km", "headerName": "Distance (km)", **NUMBER},
    {"field": "free_beds", "headerName": "Lits libres", **NUMBER},
    {"field": "invasive_available", "headerName": "Ventilation invasive dispo.", **NUMBER},
    {"field": "ecmo_available", "headerName": "ECMO dispo.", **NUMBER},
    {"field": "freshness", "headerName": "Fraîcheur des chiffres", "minWidth": 180},
    {"field": "phone", "headerName": "Téléphone", "minWidth": 150},
    {"field": "commune", "headerName": "Commune"},
]


def _grid(grid_id: str, columns: list[dict], **extra: object) -> dag.AgGrid:
    return grid(grid_id, columns, **extra)


def _labelled(label: str, control_id: str, control: object, width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control_id, className="small mb-0"), control], md=width)


def layout(**_query: str) -> html.Div:
    principal = current_principal()
    sees_detail = detail_scope(principal) is not None
    with read_session() as session:
        types = bed_types(session)
        departments = list(session.execute(select(Department.code, Department.name).order_by(Department.code)))
    scope_options = [
        {"label": "Tous les lits", "value": ALL},
        {"label": "Soins critiques (réa, SI, USC)", "value": CRITICAL},
        *({"label": label, "value": code} for code, label in types),
    ]
    controls = dbc.Row(
        [
            _labelled(
                "Maille",
                Ids.LEVEL,
                dbc.RadioItems(
                    id=Ids.LEVEL,
                    value="department",
                    inline=True,
                    options=[{"label": "Départements", "value": "department"}, {"label": "Régions", "value": "region"}],
                ),
                2,
            ),
            _labelled(
                "Indicateur",
                Ids.INDICATOR,
                dropdown(
                    id=Ids.INDICATOR,
                    value="occupancy",
                    clearable=False,
                    options=[{"label": indicator.label, "value": key} for key, indicator in INDICATORS.items()],
                ),
                3,
            ),
            _labelled(
                "Type de lits",
                Ids.SCOPE,
                dropdown(id=Ids.SCOPE, options=scope_options, value=ALL, clearable=False),
                3,
            ),
            _labelled(
                "Vue de la carte",
                Ids.VIEW,
                dropdown(
                    id=Ids.VIEW,
                    value=DEFAULT_VIEW,
                    clearable=False,
                    options=[{"label": view["label"], "value": key} for key, view in map_views().items()],
                ),
                2,
            ),
            dbc.Col(
                [
                    dbc.Checklist(
                        id=Ids.POINTS,
                        options=[{"label": "Établissements", "value": "on"}],
                        value=["on"] if sees_detail else [],
                        switch=True,
                        className="mt-3",
                    ),
                    dbc.Button("France entière", id=Ids.RESET, color="secondary", outline=True, size="sm"),
                ],
                md=2,
            ),
        ],
        className="g-2 mb-3",
    )
    situation = dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(
                                "Cliquez sur un territoire ou un établissement pour filtrer la courbe et les tableaux. "
                                "Anneau orange : déclaration de plus de 12 h ; rouge : plus de 24 h.",
                                className="small text-muted mb-1",
                            ),
                            dcc.Graph(
                                id=Ids.MAP, config={"displaylogo": False, "scrollZoom": True}, style={"height": "580px"}
                            ),
                        ]
                    )
                ),
                lg=7,
            ),
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.H2(id=Ids.TIMELINE_TITLE, className="h6"),
                            html.Div(id=Ids.CHANGE, className="small mb-1"),
                            dcc.Loading(dcc.Graph(id=Ids.TIMELINE, config={"displaylogo": False}), type="dot"),
                            html.Div(id=Ids.OPEN_DATA),
                        ]
                    )
                ),
                lg=5,
            ),
        ],
        className="g-3 mb-3",
    )
    detail: list = []
    if sees_detail:
        detail = [
            dbc.Card(
                dbc.CardBody(
                    [
                        export_header(
                            title_id=Ids.TABLE_TITLE,
                            csv_button=Ids.EXPORT_CSV,
                            xlsx_button=Ids.EXPORT_XLSX,
                            download_id=Ids.DOWNLOAD,
                        ),
                        _grid(
                            Ids.TABLE,
                            TABLE_COLUMNS,
                            csvExportParams={"fileName": "lits-etablissements.csv", "columnSeparator": ";"},
                        ),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(id=Ids.OVERDUE_TITLE, className="h6"),
                        _grid(Ids.OVERDUE, OVERDUE_COLUMNS),
                    ]
                ),
                className="mb-3",
            ),
            _find_a_bed(types, departments),
        ]
    else:
        detail = [
            dbc.Alert(
                "Votre rôle donne accès aux chiffres agrégés par territoire ; le détail par "
                "établissement est réservé aux cellules de crise et aux établissements.",
                color="secondary",
            )
        ]
    return html.Div(
        [
            dcc.Store(id=Ids.SELECTION, data=None),
            dbc.Row(
                [
                    dbc.Col(html.H1("Lits — saturation et disponibilités", className="h3 mb-0"), md=6),
                    dbc.Col(html.Div(id=Ids.AS_OF, className="text-muted text-md-end small pt-2"), md=6),
                ],
                className="mb-2",
            ),
            controls,
            situation,
            *detail,
        ],
        id="beds-page",
    )


def _find_a_bed(types: list[tuple[str, str]], departments: list) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Trouver un lit", className="h5"),
                dbc.Row(
                    [
                        _labelled(
                            "Point de départ",
                            Ids.FIND_ORIGIN_KIND,
                            dbc.RadioItems(
                                id=Ids.FIND_ORIGIN_KIND,
                                value="department",
                                inline=True,
                                options=[
                                    {"label": "Département", "value": "department"},
                                    {"label": "Commune", "value": "commune"},
                                    {"label": "Établissement", "value": "establishment"},
                                ],
                            ),
                            4,
                        ),
                        _labelled(
                            "Département",
                            Ids.FIND_DEPARTMENT,
                            dropdown(
                                id=Ids.FIND_DEPARTMENT,
                                options=[{"label": f"{code} — {name}", "value": code} for code, name in departments],
                                placeholder="Choisir…",
                            ),
                            3,
                        ),
                        _labelled(
                            "Commune",
                            Ids.FIND_COMMUNE,
                            dbc.Input(id=Ids.FIND_COMMUNE, placeholder="ex. Nancy", type="text"),
                            2,
                        ),
                        _labelled(
                            "Établissement",
                            Ids.FIND_ESTABLISHMENT,
                            dropdown(id=Ids.FIND_ESTABLISHMENT, options=[], placeholder="Rechercher…"),
                            3,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dbc.Row(
                    [
                        _labelled(
                            "Type de lit",
                            Ids.FIND_BED_TYPE,
                            dropdown(
                                id=Ids.FIND_BED_TYPE,
                                options=[{"label": label, "value": code} for code, label in types],
                                value="REA_ADULTE",
                                clearable=False,
                            ),
                            4,
                        ),
                        dbc.Col(
                            dbc.Checklist(
                                id=Ids.FIND_NEEDS,
                                value=[],
                                className="mt-3",
                                inline=True,
                                options=[
                                    {"label": "Ventilation invasive", "value": "invasive"},
                                    {"label": "ECMO", "value": "ecmo"},
                                ],
                            ),
                            md=5,
                        ),
                        dbc.Col(dbc.Button("Chercher", id=Ids.FIND_SUBMIT, color="primary", className="mt-3"), md=3),
                    ],
                    className="g-2 mb-3",
                ),
                html.Div(id=Ids.FIND_RESULT),
            ]
        ),
        className="mb-3",
    )
