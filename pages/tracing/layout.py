"""Layout of the contact-tracing coverage page: controls, key rates, map, timeline with positivity, tables."""

from __future__ import annotations

from datetime import timedelta

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.controls import dropdown
from components.geo import DEFAULT_VIEW, map_views
from components.tables import DEFAULT_COLUMN, export_header, grid
from components.tracing_figures import DEFAULT_PERIOD_DAYS, RATE_VIEWS
from data_access.models import CLUSTER_SETTINGS, CLUSTER_STATUSES, utcnow
from pages.tracing.ids import Ids
from services.tracing import local_today

DEFAULT_RATE = "pct_index_reached_4h"
ACTIVE_STATUSES = ["signal", "investigating", "active"]

NUMBER = {"type": "rightAligned", "filter": "agNumberColumnFilter"}
# French figures in the grid: thin spaces between thousands, a decimal comma, « — » when missing.
COUNT = {
    **NUMBER,
    # Exported raw (1650, not « 1 650 »), so that a spreadsheet reads a number.
    "useValueFormatterForExport": False,
    "valueFormatter": {"function": "params.value == null ? '—' : d3.format(',')(params.value).replace(/,/g, '\u202f')"},
}
DECIMAL = {
    **NUMBER,
    "valueFormatter": {"function": "params.value == null ? '—' : d3.format('.1f')(params.value).replace('.', ',')"},
}
WRAPPED_HEADERS = {**DEFAULT_COLUMN, "wrapHeaderText": True, "autoHeaderHeight": True, "minWidth": 118}


def _group(header: str, children: list[dict]) -> dict:
    return {
        "headerName": header,
        "marryChildren": True,
        "wrapHeaderText": True,
        "autoHeaderHeight": True,
        "children": children,
    }


TABLE_COLUMNS = [
    {"field": "code", "headerName": "Code", "width": 95, "minWidth": 95, "pinned": "left", "wrapHeaderText": False},
    {"field": "name", "headerName": "Territoire", "minWidth": 170, "pinned": "left"},
    _group(
        "Cas index joints en moins de 4 h",
        [
            {"field": "pct_index_reached_4h", "headerName": "%", **DECIMAL},
            {"field": "index_reached_4h", "headerName": "Joints ≤ 4 h", **COUNT},
            {"field": "new_cases", "headerName": "Nouveaux cas", **COUNT},
        ],
    ),
    _group(
        "Contacts joints en moins de 24 h",
        [
            {"field": "pct_contacts_reached_24h", "headerName": "%", **DECIMAL},
            {"field": "contacts_reached_24h", "headerName": "Joints ≤ 24 h", **COUNT},
            {"field": "contacts_identified", "headerName": "Identifiés", **COUNT},
        ],
    ),
    _group(
        "Nouveaux cas déjà connus comme contacts",
        [
            {"field": "pct_known_as_contacts", "headerName": "%", **DECIMAL},
            {"field": "cases_known_as_contacts", "headerName": "Déjà connus", **COUNT},
        ],
    ),
    _group(
        "Contacts par cas",
        [
            {"field": "contacts_per_case", "headerName": "Moyenne", **DECIMAL},
            {"field": "median_contacts_per_case", "headerName": "Médiane des médianes du jour", **DECIMAL},
        ],
    ),
    {"field": "active_clusters", "headerName": "Clusters actifs", **COUNT},
    {"field": "days", "headerName": "Jours déclarés"},
    {"field": "departments", "headerName": "Départements déclarants"},
    {"field": "last_day", "headerName": "Dernier jour déclaré"},
    {"field": "last_report", "headerName": "Dernière déclaration", "minWidth": 150},
]


CLUSTER_COLUMNS = [
    {"field": "cluster_id", "headerName": "N°", "width": 80},
    {"field": "department", "headerName": "Département", "minWidth": 170},
    {"field": "commune", "headerName": "Commune"},
    {"field": "label", "headerName": "Libellé", "minWidth": 220},
    {"field": "setting_label", "headerName": "Collectivité", "minWidth": 170},
    {"field": "status_label", "headerName": "Statut", "minWidth": 180},
    {"field": "opened_on", "headerName": "Ouvert le"},
    {"field": "closed_on", "headerName": "Clôturé le"},
    {"field": "cases", "headerName": "Cas", **COUNT, "width": 90},
    {"field": "updated", "headerName": "Mis à jour", "minWidth": 150},
]


def _labelled(label: str, control_id: str, control: object, width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control_id, className="small mb-0"), control], md=width)


def initial_selection(departement: str | None, region: str | None) -> dict | None:
    """A territory chosen by the URL (``?departement=54`` or ``?region=44``), e.g. from the input page."""
    if departement:
        return {"level": "department", "code": departement.strip().upper()}
    if region:
        return {"level": "region", "code": region.strip()}
    return None


def layout(departement: str | None = None, region: str | None = None, **_query: str) -> html.Div:
    today = local_today(None, utcnow())
    selection = initial_selection(departement, region)
    controls = dbc.Row(
        [
            _labelled(
                "Indicateur",
                Ids.RATE,
                dropdown(
                    id=Ids.RATE,
                    value=DEFAULT_RATE,
                    clearable=False,
                    searchable=False,
                    options=[{"label": view.choice, "value": key} for key, view in RATE_VIEWS.items()],
                ),
                3,
            ),
            _labelled(
                "Période",
                Ids.PERIOD,
                html.Div(
                    dcc.DatePickerRange(
                        id=Ids.PERIOD,
                        start_date=(today - timedelta(days=DEFAULT_PERIOD_DAYS - 1)).isoformat(),
                        end_date=today.isoformat(),
                        max_date_allowed=today.isoformat(),
                        display_format="DD/MM/YYYY",
                        month_format="MM/YYYY",
                        first_day_of_week=1,
                        minimum_nights=0,
                        start_date_placeholder_text="Début",
                        end_date_placeholder_text="Fin",
                        updatemode="bothdates",
                    )
                ),
                3,
            ),
            _labelled(
                "Maille",
                Ids.LEVEL,
                dbc.RadioItems(
                    id=Ids.LEVEL,
                    value=selection["level"] if selection else "department",
                    inline=True,
                    options=[{"label": "Départements", "value": "department"}, {"label": "Régions", "value": "region"}],
                ),
                2,
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
                        id=Ids.CLUSTER_LAYER,
                        options=[{"label": "Clusters actifs", "value": "on"}],
                        value=["on"],
                        switch=True,
                        className="mt-3",
                    ),
                    dbc.Button("France entière", id=Ids.RESET, color="secondary", outline=True, size="sm"),
                ],
                md=2,
            ),
        ],
        className="g-2 mb-2",
    )
    situation = dbc.Row(
        [
            dbc.Col(
                dbc.Card(
                    dbc.CardBody(
                        [
                            html.Div(
                                "Taux sur la période, somme des chiffres de chaque jour (jamais une moyenne de taux). "
                                "Survolez un territoire pour le numérateur, le dénominateur et l'objectif ; "
                                "cliquez pour suivre son évolution. Cercles : clusters non clôturés par département.",
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
                            html.Div(
                                "Taux sur 7 jours glissants ; en dessous, la positivité des tests (SI-DEP) du même "
                                "territoire : quand elle monte et que les taux baissent, le traçage décroche.",
                                className="small text-muted mb-1",
                            ),
                            dcc.Loading(dcc.Graph(id=Ids.TIMELINE, config={"displaylogo": False}), type="dot"),
                        ]
                    )
                ),
                lg=5,
            ),
        ],
        className="g-3 mb-3",
    )
    table = dbc.Card(
        dbc.CardBody(
            [
                export_header(
                    title_id=Ids.TABLE_TITLE,
                    csv_button=Ids.EXPORT_CSV,
                    xlsx_button=Ids.EXPORT_XLSX,
                    download_id=Ids.DOWNLOAD,
                ),
                grid(
                    Ids.TABLE,
                    TABLE_COLUMNS,
                    page_size=15,
                    csvExportParams={"fileName": "contact-tracing-territoires.csv", "columnSeparator": ";"},
                    getRowId="params.data.code",
                    defaultColDef=WRAPPED_HEADERS,
                ),
            ]
        ),
        className="mb-3",
    )
    cluster_card = dbc.Card(
        dbc.CardBody(
            [
                html.H2(id=Ids.CLUSTERS_TITLE, className="h6"),
                dbc.Row(
                    [
                        _labelled(
                            "Statut",
                            Ids.CLUSTER_STATUS,
                            dropdown(
                                id=Ids.CLUSTER_STATUS,
                                multi=True,
                                value=ACTIVE_STATUSES,
                                placeholder="Tous les statuts",
                                options=[{"label": label, "value": key} for key, label in CLUSTER_STATUSES.items()],
                            ),
                            6,
                        ),
                        _labelled(
                            "Collectivité",
                            Ids.CLUSTER_SETTING,
                            dropdown(
                                id=Ids.CLUSTER_SETTING,
                                multi=True,
                                value=[],
                                placeholder="Toutes les collectivités",
                                options=[{"label": label, "value": key} for key, label in CLUSTER_SETTINGS.items()],
                            ),
                            6,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                grid(
                    Ids.CLUSTERS,
                    CLUSTER_COLUMNS,
                    page_size=10,
                    getRowId="params.data.row_id",
                    defaultColDef=WRAPPED_HEADERS,
                ),
            ]
        ),
        className="mb-3",
    )
    return html.Div(
        [
            dcc.Store(id=Ids.SELECTION, data=selection),
            dbc.Row(
                [
                    dbc.Col(html.H1("Contact-tracing — couverture et clusters", className="h3 mb-0"), md=6),
                    dbc.Col(html.Div(id=Ids.AS_OF, className="text-muted text-md-end small pt-2"), md=6),
                ],
                className="mb-2",
            ),
            controls,
            html.Div(id=Ids.PERIOD_NOTE, className="small text-muted mb-2"),
            html.H2(id=Ids.KPIS_TITLE, className="h6"),
            html.Div(id=Ids.KPIS, className="mb-3"),
            situation,
            table,
            cluster_card,
        ],
        id="tracing-page",
    )
