"""Layout of the test-positivity page: animated map, territory comparison, age heatmap and exportable table."""

from __future__ import annotations

from datetime import date

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.controls import dropdown
from components.geo import DEFAULT_VIEW, map_views
from components.tables import DEFAULT_COLUMN, export_header, grid
from components.testing_figures import MAP_INDICATORS, MEASURES, as_of_text, slider_marks
from data_access.db import read_session
from data_access.queries import testing
from pages.testing import territories
from pages.testing.ids import Ids

PLAY_LABEL = "▶ Lecture"
PAUSE_LABEL = "❚❚ Pause"
# Fast enough to see a wave move, slow enough for one map step (~20 ms of SQL) to finish well before the next.
STEP_MILLISECONDS = 700


def _number(spec: str) -> dict[str, str]:
    """An AG Grid value formatter in French style (thin space for thousands, decimal comma)."""
    return {
        "function": f"params.value == null ? '—' : d3.format('{spec}')(params.value)"
        ".replace(/,/g, '\u202f').replace('.', ',')"
    }


# Units keep non-breaking spaces so that a header wraps between words, never inside "(7 j)" or "100 000".
NUMBER = {"type": "rightAligned", "filter": "agNumberColumnFilter", "minWidth": 108}
TABLE_COLUMNS = [
    # On a narrow screen the figures scroll sideways under the pinned territory.
    {"field": "code", "headerName": "Code", "minWidth": 80, "maxWidth": 90, "pinned": "left"},
    {"field": "name", "headerName": "Territoire", "minWidth": 160, "flex": 1.4, "pinned": "left"},
    {
        "field": "incidence",
        "headerName": "Incidence pour 100\u00a0000",
        "sort": "desc",
        "valueFormatter": _number(",.1f"),
        **NUMBER,
        "minWidth": 135,  # room for the sort arrow
    },
    {"field": "positivity", "headerName": "Positivité (%)", "valueFormatter": _number(",.2f"), **NUMBER},
    {"field": "testing_rate", "headerName": "Dépistage pour 100\u00a0000", "valueFormatter": _number(",.0f"), **NUMBER},
    {"field": "positives_7d", "headerName": "Cas positifs (7\u00a0j)", "valueFormatter": _number(",.0f"), **NUMBER},
    {"field": "tests_7d", "headerName": "Tests (7\u00a0j)", "valueFormatter": _number(",.0f"), **NUMBER},
    {"field": "population", "headerName": "Population", "valueFormatter": _number(",.0f"), **NUMBER},
    {
        "field": "change_pct",
        "headerName": "Évolution des cas sur 7\u00a0j (%)",
        "valueFormatter": _number("+,.1f"),
        "cellStyle": {
            "styleConditions": [
                {"condition": "params.value > 0", "style": {"color": "#b71c1c"}},
                {"condition": "params.value < 0", "style": {"color": "#1b5e20"}},
            ]
        },
        **NUMBER,
    },
    {"field": "days_in_window", "headerName": "Jours de données", **NUMBER},
    {"field": "incomplete", "headerName": "Jours incomplets", "minWidth": 105},
]

POSITIVITY_NOTE = (
    "Indicateurs sur 7 jours glissants (du jour J-6 au jour J inclus), par date de prélèvement. "
    "Incidence = cas positifs ÷ population × 100 000 ; taux de dépistage = tests ÷ population × 100 000 ; "
    "taux de positivité = Σ cas positifs ÷ Σ tests × 100 : un rapport des sommes, compté en tests. "
    "Ce n'est pas le taux publié par Santé publique France depuis mai 2021, qui compte une seule fois une "
    "personne testée plusieurs fois et peut donc être plus élevé."
)


def _labelled(label: str, control_id: str, control: object, width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control_id, className="small mb-0"), control], md=width)


def _radio(control_id: str, value: str, options: list[tuple[str, str]]) -> dbc.RadioItems:
    return dbc.RadioItems(
        id=control_id, value=value, inline=True, options=[{"label": text, "value": key} for key, text in options]
    )


def layout(**_query: str) -> html.Div:
    with read_session() as session:
        first, last = testing.available_days(session)
        choices = territories.options(session)
    header = dbc.Row(
        [
            dbc.Col(html.H1("Dépistage — incidence et positivité", className="h3 mb-0"), lg=5),
            dbc.Col(html.Div(as_of_text(last), id=Ids.AS_OF, className="text-muted text-lg-end small pt-2"), lg=7),
        ],
        className="mb-2",
    )
    if first is None or last is None:
        return html.Div(
            [
                header,
                dbc.Alert(
                    [
                        "Aucune donnée de dépistage n'a été importée. Importez un fichier SI-DEP de Santé publique "
                        "France : ",
                        html.Code("flask --app app import sidep sp-pos-quot-dep.csv"),
                    ],
                    color="info",
                ),
            ],
            id="testing-page",
        )
    return html.Div(
        [
            dcc.Store(id=Ids.MAP_LAYOUT, data=None),
            dcc.Store(id=Ids.SELECTION, data=None),
            dcc.Store(id=Ids.TABLE_DAY, data=None),
            dcc.Interval(id=Ids.INTERVAL, interval=STEP_MILLISECONDS, disabled=True),
            header,
            html.Div(POSITIVITY_NOTE, className="small text-muted mb-2", id="testing-positivity-note"),
            _controls(),
            dbc.Row(
                [dbc.Col(_map_card(first, last), lg=7), dbc.Col(_timeline_card(choices), lg=5)],
                className="g-3 mb-3",
            ),
            _age_card(choices),
            _table_card(),
        ],
        id="testing-page",
    )


def _controls() -> dbc.Row:
    return dbc.Row(
        [
            _labelled(
                "Indicateur de la carte",
                Ids.INDICATOR,
                _radio(Ids.INDICATOR, "incidence", [(key, MEASURES[key].label) for key in MAP_INDICATORS]),
                5,
            ),
            _labelled(
                "Maille",
                Ids.LEVEL,
                _radio(Ids.LEVEL, "department", [("department", "Départements"), ("region", "Régions")]),
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
                3,
            ),
        ],
        className="g-2 mb-2",
    )


def _map_card(first: date, last: date) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(id=Ids.DAY_LABEL, className="fw-semibold"),
                html.Div(id=Ids.DAY_NOTE, className="small"),
                html.Div(
                    [
                        dbc.Button(
                            PLAY_LABEL,
                            id=Ids.PLAY,
                            color="primary",
                            size="sm",
                            className="me-3 text-nowrap",
                            title="Faire défiler les jours sur la carte",
                        ),
                        html.Div(
                            dcc.Slider(
                                id=Ids.SLIDER,
                                min=first.toordinal(),
                                max=last.toordinal(),
                                step=1,
                                value=last.toordinal(),
                                marks=slider_marks(first, last),
                                allow_direct_input=False,
                                updatemode="mouseup",
                            ),
                            className="flex-grow-1",
                        ),
                    ],
                    className="d-flex align-items-center my-2",
                ),
                html.Div(
                    "Cliquez sur un territoire pour l'ajouter à la comparaison et à la vue par âge.",
                    className="small text-muted mb-1",
                ),
                dcc.Graph(id=Ids.MAP, config={"displaylogo": False, "scrollZoom": True}, style={"height": "560px"}),
            ]
        ),
        className="h-100",
    )


def _timeline_card(choices: list[dict[str, str]]) -> dbc.Card:
    measures = [{"label": measure.label, "value": key} for key, measure in MEASURES.items()]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Comparaison de territoires", className="h6"),
                dropdown(
                    id=Ids.COMPARE,
                    options=choices,
                    value=[territories.FRANCE],
                    multi=True,
                    placeholder="Ajouter un territoire…",
                    className="mb-2",
                ),
                dbc.Row(
                    [
                        _labelled(
                            "Mesure",
                            Ids.MEASURE,
                            dropdown(id=Ids.MEASURE, options=measures, value="incidence", clearable=False),
                            6,
                        ),
                        _labelled(
                            "Valeur",
                            Ids.MODE,
                            _radio(Ids.MODE, "7d", [("daily", "quotidienne"), ("7d", "sur 7 jours")]),
                            6,
                        ),
                        _labelled(
                            "Échelle",
                            Ids.SCALE,
                            _radio(Ids.SCALE, "linear", [("linear", "linéaire"), ("log", "logarithmique")]),
                            6,
                        ),
                        dbc.Col(
                            [
                                dbc.Switch(
                                    id=Ids.PER_100K, label="Pour 100 000 habitants", value=False, className="mt-3 mb-0"
                                ),
                                html.Div(id=Ids.PER_100K_NOTE, className="small text-muted"),
                            ],
                            md=6,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                dcc.Loading(dcc.Graph(id=Ids.TIMELINE, config={"displaylogo": False}), type="dot"),
            ]
        ),
        className="h-100",
    )


def _age_card(choices: list[dict[str, str]]) -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                dbc.Row(
                    [
                        dbc.Col(html.H2(id=Ids.AGE_TITLE, className="h6 mb-0"), md=8),
                        dbc.Col(
                            dropdown(id=Ids.AGE_TERRITORY, options=choices, value=territories.FRANCE, clearable=False),
                            md=4,
                        ),
                    ],
                    className="g-2 mb-1 align-items-center",
                ),
                html.Div(id=Ids.AGE_NOTE, className="small text-muted"),
                dcc.Loading(dcc.Graph(id=Ids.AGE, config={"displaylogo": False}), type="dot"),
            ]
        ),
        className="mb-3",
    )


def _table_card() -> dbc.Card:
    return dbc.Card(
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
                    page_size=20,
                    csvExportParams={"fileName": "depistage-territoires.csv", "columnSeparator": ";"},
                    # Eleven columns must fit a laptop screen: headers wrap, filters move to a row of their own
                    # under the headers, and the column menu button (pin, autosize) gives its room to the text.
                    defaultColDef={
                        **DEFAULT_COLUMN,
                        "wrapHeaderText": True,
                        "autoHeaderHeight": True,
                        "suppressHeaderMenuButton": True,
                        "floatingFilter": True,
                    },
                ),
            ]
        ),
        className="mb-3",
    )
