"""Layout of the overview page: controls, key figures, map, timeline and department table."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.controls import dropdown
from components.geo import DEFAULT_VIEW, map_views
from components.tables import grid
from data_access.db import read_session
from data_access.queries.overview import ALL, CRITICAL, bed_types
from pages.overview.ids import Ids

COLUMN_DEFS = [
    {"field": "code", "headerName": "Code", "width": 90, "pinned": "left"},
    {"field": "name", "headerName": "Territoire", "minWidth": 180, "flex": 2},
    {
        "field": "occupancy_pct",
        "headerName": "Occupation (%)",
        "type": "rightAligned",
        "sort": "desc",
        "valueFormatter": {"function": "params.value == null ? '—' : d3.format('.1f')(params.value).replace('.', ',')"},
    },
    {"field": "occupied", "headerName": "Lits occupés", "type": "rightAligned"},
    {"field": "open_beds", "headerName": "Lits ouverts", "type": "rightAligned"},
    {"field": "free_beds", "headerName": "Lits libres", "type": "rightAligned"},
    {"field": "occupied_covid", "headerName": "dont COVID", "type": "rightAligned"},
    {
        "field": "tension_pct",
        "headerName": "Tension SC (%)",
        "type": "rightAligned",
        "valueFormatter": {"function": "params.value == null ? '—' : d3.format('.0f')(params.value)"},
    },
    {"field": "stale_units", "headerName": "Unités > 12 h", "type": "rightAligned"},
    {"field": "last_report", "headerName": "Dernière déclaration", "minWidth": 150},
]


def _scope_options() -> list[dict[str, str]]:
    with read_session() as session:
        types = bed_types(session)
    return [
        {"label": "Tous les lits", "value": ALL},
        {"label": "Soins critiques (réa, SI, USC)", "value": CRITICAL},
        *({"label": label, "value": code} for code, label in types),
    ]


def layout(**_query: str) -> html.Div:
    views = [{"label": view["label"], "value": key} for key, view in map_views().items()]
    return html.Div(
        [
            dcc.Store(id=Ids.SELECTION, data=None),
            dbc.Row(
                [
                    dbc.Col(html.H1("Vue d'ensemble — occupation des lits", className="h3 mb-0"), md=6),
                    dbc.Col(html.Div(id=Ids.AS_OF, className="text-muted text-md-end small pt-2"), md=6),
                ],
                className="mb-2",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        [
                            dbc.Label("Maille", html_for=Ids.LEVEL, className="small mb-0"),
                            dbc.RadioItems(
                                id=Ids.LEVEL,
                                options=[
                                    {"label": "Départements", "value": "department"},
                                    {"label": "Régions", "value": "region"},
                                ],
                                value="department",
                                inline=True,
                            ),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Type de lits", html_for=Ids.SCOPE, className="small mb-0"),
                            dropdown(id=Ids.SCOPE, options=_scope_options(), value=ALL, clearable=False),
                        ],
                        md=4,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Vue de la carte", html_for=Ids.VIEW, className="small mb-0"),
                            dropdown(id=Ids.VIEW, options=views, value=DEFAULT_VIEW, clearable=False),
                        ],
                        md=3,
                    ),
                    dbc.Col(
                        dbc.Button(
                            "France entière", id=Ids.RESET, color="secondary", outline=True, size="sm", className="mt-3"
                        ),
                        md=2,
                    ),
                ],
                className="mb-3 g-2",
            ),
            dcc.Loading(html.Div(id=Ids.KPIS, className="mb-3"), type="dot"),
            dbc.Row(
                [
                    dbc.Col(
                        dbc.Card(
                            dbc.CardBody(
                                [
                                    html.Div(
                                        "Cliquez sur un territoire pour filtrer la courbe et le tableau.",
                                        className="small text-muted mb-1",
                                    ),
                                    dcc.Graph(
                                        id=Ids.MAP,
                                        config={"displaylogo": False, "scrollZoom": True},
                                        style={"height": "560px"},
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
                                    dcc.Loading(dcc.Graph(id=Ids.TIMELINE, config={"displaylogo": False}), type="dot"),
                                ]
                            )
                        ),
                        lg=5,
                    ),
                ],
                className="g-3 mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(id=Ids.TABLE_TITLE, className="h6"),
                        grid(
                            Ids.TABLE,
                            COLUMN_DEFS,
                            page_size=None,
                            csvExportParams={"fileName": "situation-lits.csv", "columnSeparator": ";"},
                            style={"width": "100%"},
                        ),
                    ]
                )
            ),
        ]
    )
