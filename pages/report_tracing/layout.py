"""Layout of the contact-tracing input page: department and day, the counts with live rates, history, upload,
clusters."""

from __future__ import annotations

from datetime import timedelta

import dash_bootstrap_components as dbc
from dash import dcc, html

from components.controls import dropdown
from components.tables import DEFAULT_COLUMN, grid
from components.uploads import upload_card
from data_access.db import read_session
from data_access.models import CLUSTER_SETTINGS, utcnow
from data_access.queries import beds
from data_access.queries.tracing import COUNT_FIELDS, active_clusters_per_department
from pages.report_tracing.ids import FIELD, FIELD_FEEDBACK, Ids
from services.auth import Principal
from services.tracing import CLUSTER_LABELS, FORM_MAX_AGE_DAYS, TRACING_LABELS, local_today
from services.web import current_principal

FORM_FIELDS = (*COUNT_FIELDS, "contacts_per_case_median")
WRAPPED_HEADERS = {**DEFAULT_COLUMN, "wrapHeaderText": True, "autoHeaderHeight": True, "minWidth": 115}
NUMBER = {"type": "rightAligned", "filter": "agNumberColumnFilter"}
DECIMAL = {
    **NUMBER,
    "valueFormatter": {"function": "params.value == null ? '—' : d3.format('.1f')(params.value).replace('.', ',')"},
}
HISTORY_COLUMNS = [
    {"field": "day_text", "headerName": "Jour", "pinned": "left", "width": 110},
    {"field": "new_cases", "headerName": TRACING_LABELS["new_cases"], **NUMBER},
    {"field": "index_reached_4h", "headerName": "Cas index joints ≤ 4 h", **NUMBER},
    {"field": "pct_index_reached_4h", "headerName": "% joints ≤ 4 h", **DECIMAL},
    {"field": "contacts_identified", "headerName": TRACING_LABELS["contacts_identified"], **NUMBER},
    {"field": "contacts_reached_24h", "headerName": "Contacts joints ≤ 24 h", **NUMBER},
    {"field": "pct_contacts_reached_24h", "headerName": "% joints ≤ 24 h", **DECIMAL},
    {"field": "cases_known_as_contacts", "headerName": "Cas déjà connus comme contacts", **NUMBER},
    {"field": "pct_known_as_contacts", "headerName": "% déjà connus", **DECIMAL},
    {"field": "contacts_per_case_median", "headerName": "Médiane contacts par cas", **DECIMAL},
    {"field": "versions", "headerName": "Versions", **NUMBER, "width": 90},
    {"field": "reported", "headerName": "Déclaré le", "minWidth": 140},
    {"field": "by", "headerName": "Par", "minWidth": 160},
    {"field": "channel", "headerName": "Canal"},
]
CLUSTER_COLUMNS = [
    {"field": "cluster_id", "headerName": "N°", "width": 110},
    {"field": "department", "headerName": "Département", "minWidth": 160},
    {"field": "commune", "headerName": "Commune"},
    {"field": "label", "headerName": "Libellé", "minWidth": 220},
    {"field": "setting_label", "headerName": "Collectivité", "minWidth": 160},
    {"field": "status_label", "headerName": "Statut", "minWidth": 180},
    {"field": "opened_on", "headerName": "Ouvert le"},
    {"field": "closed_on", "headerName": "Clôturé le"},
    {"field": "cases", "headerName": "Cas", **NUMBER, "width": 80},
    {"field": "updated", "headerName": "Mis à jour", "minWidth": 150},
]


def department_choices(principal: Principal | None) -> list[tuple[str, str]]:
    """(code, name) of the departments the principal may report for: a tracing platform its own, a regional
    cell its region's, an administrator all; nobody else any. The server checks again on every write."""
    if principal is None:
        return []
    with read_session() as session:
        if principal.role == "regional" and principal.region_code:
            frame = active_clusters_per_department(session, region_code=principal.region_code)
            return list(zip(frame["code"], frame["name"], strict=True))
        names = beds.territory_names(session, "department")
    if principal.role == "admin":
        return sorted(names.items())
    if principal.role == "tracing":
        return sorted((code, names[code]) for code in principal.department_codes if code in names)
    return []


def department_options(choices: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"label": f"{code} — {name}", "value": code} for code, name in choices]


def _labelled(label: str, control_id: str, control: object, **width: int) -> dbc.Col:
    return dbc.Col([dbc.Label(label, html_for=control_id, className="small mb-0"), control], **width)


def _day_picker(
    component_id: str, value: str | None, *, min_date: str | None, max_date: str, disabled: bool = False
) -> dcc.DatePickerSingle:
    return dcc.DatePickerSingle(
        id=component_id,
        disabled=disabled,
        date=value,
        min_date_allowed=min_date,
        max_date_allowed=max_date,
        display_format="DD/MM/YYYY",
        month_format="MM/YYYY",
        first_day_of_week=1,
        placeholder="JJ/MM/AAAA",
    )


def _count_input(name: str) -> dbc.Col:
    component_id = {"type": FIELD, "field": name}
    median = name == "contacts_per_case_median"
    return dbc.Col(
        [
            dbc.Label(
                TRACING_LABELS[name] + (" — facultatif" if median else ""),
                html_for=f'{{"field":"{name}","type":"{FIELD}"}}',
                className="small mb-0",
            ),
            dbc.Input(
                id=component_id,
                type="number",
                min=0,
                step=0.1 if median else 1,
                inputMode="decimal" if median else "numeric",
                debounce=False,
            ),
            dbc.FormFeedback(id={"type": FIELD_FEEDBACK, "field": name}, type="invalid"),
        ],
        xs=12,
        sm=6,
        lg=4,
        className="mb-2",
    )


def _figures_card() -> dbc.Card:
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(id=Ids.VERSION, className="small mb-2"),
                dbc.Row([_count_input(name) for name in FORM_FIELDS], className="g-2"),
                html.H3("Taux calculés (avant enregistrement)", className="h6 mt-2"),
                html.Div(id=Ids.PREVIEW, className="mb-2"),
                html.Div(id=Ids.FEEDBACK, role="status"),
                dbc.Button("Enregistrer", id=Ids.SAVE, color="primary", size="lg"),
            ]
        ),
        className="mb-3",
    )


def _cluster_card(choices: list[tuple[str, str]], today: str) -> dbc.Card:
    create = dbc.Card(
        dbc.CardBody(
            [
                html.H3("Signaler un nouveau cluster", className="h6"),
                dbc.Row(
                    [
                        _labelled(
                            CLUSTER_LABELS["department_code"],
                            Ids.CLUSTER_DEPARTMENT,
                            dropdown(
                                id=Ids.CLUSTER_DEPARTMENT,
                                options=department_options(choices),
                                value=choices[0][0] if choices else None,
                                clearable=False,
                            ),
                            md=6,
                        ),
                        _labelled(
                            CLUSTER_LABELS["commune"],
                            Ids.CLUSTER_COMMUNE,
                            dbc.Input(id=Ids.CLUSTER_COMMUNE, type="text", maxLength=120, placeholder="ex. Nancy"),
                            md=6,
                        ),
                        _labelled(
                            CLUSTER_LABELS["label"],
                            Ids.CLUSTER_LABEL,
                            dbc.Input(
                                id=Ids.CLUSTER_LABEL,
                                type="text",
                                maxLength=200,
                                placeholder="ex. EHPAD Les Tilleuls — aucun nom de personne",
                            ),
                            md=12,
                        ),
                        _labelled(
                            CLUSTER_LABELS["setting"],
                            Ids.CLUSTER_SETTING,
                            dropdown(
                                id=Ids.CLUSTER_SETTING,
                                options=[{"label": label, "value": key} for key, label in CLUSTER_SETTINGS.items()],
                                searchable=False,
                            ),
                            md=6,
                        ),
                        _labelled(
                            CLUSTER_LABELS["opened_on"],
                            Ids.CLUSTER_OPENED,
                            html.Div(_day_picker(Ids.CLUSTER_OPENED, today, min_date=None, max_date=today)),
                            md=3,
                        ),
                        _labelled(
                            CLUSTER_LABELS["cases"],
                            Ids.CLUSTER_CASES,
                            dbc.Input(id=Ids.CLUSTER_CASES, type="number", min=0, step=1, value=0),
                            md=3,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                html.Div(id=Ids.CLUSTER_CREATE_FEEDBACK, role="status"),
                dbc.Button("Créer le cluster", id=Ids.CLUSTER_CREATE, color="primary"),
            ]
        ),
        className="h-100",
    )
    update = dbc.Card(
        dbc.CardBody(
            [
                html.H3("Mettre à jour le cluster sélectionné", className="h6", id=Ids.CLUSTER_SELECTED_TITLE),
                dbc.Row(
                    [
                        _labelled(
                            CLUSTER_LABELS["status"],
                            Ids.CLUSTER_STATUS,
                            dropdown(id=Ids.CLUSTER_STATUS, options=[], clearable=False, searchable=False),
                            md=5,
                        ),
                        _labelled(
                            CLUSTER_LABELS["closed_on"],
                            Ids.CLUSTER_CLOSED,
                            html.Div(
                                _day_picker(Ids.CLUSTER_CLOSED, None, min_date=None, max_date=today, disabled=True)
                            ),
                            md=4,
                        ),
                        _labelled(
                            CLUSTER_LABELS["cases"],
                            Ids.CLUSTER_UPDATE_CASES,
                            dbc.Input(id=Ids.CLUSTER_UPDATE_CASES, type="number", min=0, step=1),
                            md=3,
                        ),
                    ],
                    className="g-2 mb-2",
                ),
                html.Div(
                    "Seuls les changements de statut autorisés sont proposés (signalé → en cours "
                    "d'investigation → actif → clôturé ; un cluster clôturé peut redevenir actif). La date de "
                    "clôture n'est demandée que pour un cluster clôturé.",
                    className="small text-muted mb-2",
                ),
                html.Div(id=Ids.CLUSTER_UPDATE_FEEDBACK, role="status"),
                dbc.Button("Mettre à jour", id=Ids.CLUSTER_UPDATE, color="primary", disabled=True),
            ]
        ),
        className="h-100",
    )
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Clusters de vos départements", className="h5"),
                html.P(
                    "Cochez un cluster pour le mettre à jour. Un cluster se décrit par son lieu et sa collectivité, "
                    "jamais par les personnes.",
                    className="small text-muted",
                ),
                grid(
                    Ids.CLUSTERS,
                    CLUSTER_COLUMNS,
                    page_size=10,
                    options={
                        "rowSelection": {"mode": "singleRow", "checkboxes": True, "enableClickSelection": True},
                        "suppressColumnVirtualisation": True,
                    },
                    getRowId="params.data.row_id",
                    defaultColDef=WRAPPED_HEADERS,
                ),
                dbc.Row([dbc.Col(create, lg=7), dbc.Col(update, lg=5)], className="g-3 mt-1"),
            ]
        ),
        className="mb-4",
    )


def layout(departement: str | None = None, **_query: str) -> html.Div:
    principal = current_principal()
    choices = department_choices(principal)
    if not choices:
        return dbc.Alert(
            "Les chiffres du contact-tracing sont déclarés par les plateformes de contact-tracing (pour leurs "
            "départements), les cellules régionales et les administrateurs. Votre rôle ne permet pas de les "
            "déclarer ; la couverture est consultable sur la page Contact-tracing.",
            color="secondary",
            id="report-tracing-denied",
        )
    today = local_today(None, utcnow())
    chosen = next((code for code, _ in choices if code == (departement or "").upper()), choices[0][0])
    return html.Div(
        [
            dcc.Store(id=Ids.REFRESH, data=0),
            dcc.Store(id=Ids.CLUSTER_REFRESH, data=0),
            dcc.Store(id=Ids.CLUSTER_SELECTED),
            html.H1("Déclarer le contact-tracing", className="h3"),
            html.P(
                "Agrégats par département et par jour uniquement : jamais de nom, de téléphone ni d'adresse. "
                "Les chiffres déjà déclarés pour ce jour sont préremplis ; une nouvelle saisie crée une nouvelle "
                "version et l'ancienne reste dans l'historique. Tout est vérifié avant enregistrement.",
                className="text-muted small",
            ),
            dbc.Row(
                [
                    _labelled(
                        "Département",
                        Ids.DEPARTMENT,
                        dropdown(
                            id=Ids.DEPARTMENT,
                            options=department_options(choices),
                            value=chosen,
                            clearable=False,
                            disabled=len(choices) == 1,
                        ),
                        md=5,
                    ),
                    dbc.Col(
                        [
                            dbc.Label("Jour", html_for=Ids.DAY, className="small mb-0 d-block"),
                            _day_picker(
                                Ids.DAY,
                                today.isoformat(),
                                min_date=(today - timedelta(days=FORM_MAX_AGE_DAYS)).isoformat(),
                                max_date=today.isoformat(),
                            ),
                            html.Div(id=Ids.DAY_FEEDBACK, className="small text-danger"),
                        ],
                        md=3,
                    ),
                ],
                className="g-2 mb-3",
            ),
            _figures_card(),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.Div(
                            [
                                html.H2("Couverture du département sur 7 jours", className="h5 me-auto mb-0"),
                                dcc.Link("Voir la carte et l'évolution", id=Ids.COVERAGE_LINK, href="/tracing"),
                            ],
                            className="d-flex align-items-center mb-2",
                        ),
                        html.Div(id=Ids.COVERAGE),
                    ]
                ),
                className="mb-3",
            ),
            dbc.Card(
                dbc.CardBody(
                    [
                        html.H2(id=Ids.HISTORY_TITLE, className="h5"),
                        html.P(
                            "La version en vigueur de chaque jour. Cliquez sur un jour pour l'afficher dans le "
                            "formulaire et le corriger.",
                            className="small text-muted",
                        ),
                        grid(
                            Ids.HISTORY,
                            HISTORY_COLUMNS,
                            page_size=10,
                            # Few columns: render them all, so that the row can be read whole (and tested).
                            options={"suppressColumnVirtualisation": True},
                            getRowId="params.data.day",
                            defaultColDef=WRAPPED_HEADERS,
                        ),
                    ]
                ),
                className="mb-3",
            ),
            upload_card(
                upload_id=Ids.UPLOAD,
                result_id=Ids.UPLOAD_RESULT,
                template_id=Ids.TEMPLATE,
                template_download_id=Ids.TEMPLATE_DOWNLOAD,
                instructions=(
                    "Une ligne par département et par jour : departement, jour, nouveaux_cas, cas_joints_4h, "
                    "contacts_identifies, contacts_joints_24h, cas_connus_contacts et, facultatif, "
                    "mediane_contacts_par_cas. Séparateur ; ou , et virgule décimale acceptés. Les lignes valides "
                    "sont enregistrées, les lignes refusées sont listées avec leur motif ; un fichier contenant des "
                    "données personnelles est refusé en entier."
                ),
            ),
            _cluster_card(choices, today.isoformat()),
        ],
        id="report-tracing-page",
    )
