"""Callbacks of the contact-tracing input page: thin wrappers over services.tracing and the tracing queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dash_bootstrap_components as dbc
import flask
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from components import formatting
from components import tracing_figures as tf
from components.uploads import decode_upload, upload_report
from data_access.db import read_session, write_session
from data_access.models import CLUSTER_STATUSES, utcnow
from data_access.queries.tracing import clusters, coverage, tracing_history
from pages.report_tracing.ids import FIELD, FIELD_FEEDBACK, Ids
from pages.report_tracing.layout import FORM_FIELDS, department_choices
from services.auth import PermissionDenied
from services.tracing import (
    FORM_MAX_AGE_DAYS,
    create_cluster,
    submit_tracing_day,
    template_csv,
    update_cluster,
    upload_tracing_file,
)
from services.validation import FieldError
from services.web import current_principal

COVERAGE_DAYS = 7


UPLOAD_KEYS = (
    ("Département", lambda row: row.department_code),
    ("Jour", lambda row: row.day.strftime("%d/%m/%Y") if row.day else None),
)


def _allowed(department_code: str | None) -> bool:
    return department_code is not None and any(
        code == department_code for code, _ in department_choices(current_principal())
    )


def _as_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _history(department_code: str) -> pd.DataFrame:
    with read_session() as session:
        # Every day the form may still change: today and the FORM_MAX_AGE_DAYS before it.
        return tracing_history(session, department_code, limit=FORM_MAX_AGE_DAYS + 1)


def version_note(history: pd.DataFrame, day: date) -> html.Span:
    """« Version du 04/12/2026 21:00 par … (formulaire) » for the day's current figures, or the way to start."""
    rows = history[history["day"] == pd.Timestamp(day)] if not history.empty else history
    if rows.empty:
        return html.Span(
            f"Aucune déclaration pour le {day:%d/%m/%Y} : saisissez les chiffres du jour.", className="text-muted"
        )
    row = rows.iloc[0]
    channel = tf.CHANNEL_LABELS.get(str(row["channel"]), str(row["channel"]))
    author = channel if tf.is_missing(row["author_name"]) else f"{row['author_name']} ({channel})"
    versions = int(row["versions"])
    reported = pd.Timestamp(row["reported_at"]).to_pydatetime()
    return html.Span(
        [
            dbc.Badge("Déjà déclaré", color="info", className="me-2"),
            f"Chiffres préremplis : version du {formatting.timestamp(reported)} ({formatting.age(reported)}) par "
            f"{author}" + (f", {versions} versions pour ce jour" if versions > 1 else "") + ". "
            "Modifiez ce qui a changé puis enregistrez : une nouvelle version sera créée.",
        ]
    )


@callback(
    Output({"type": FIELD, "field": ALL}, "value"),
    Output({"type": FIELD, "field": ALL}, "invalid"),
    Output({"type": FIELD_FEEDBACK, "field": ALL}, "children"),
    Output(Ids.VERSION, "children"),
    Output(Ids.DAY_FEEDBACK, "children"),
    Output(Ids.FEEDBACK, "children"),
    Input(Ids.DEPARTMENT, "value"),
    Input(Ids.DAY, "date"),
    Input(Ids.REFRESH, "data"),
)
def load_day(department_code: str | None, day_text: str | None, _refresh: int):  # type: ignore[no-untyped-def]
    blank = [None] * len(FORM_FIELDS)
    clean = ([False] * len(FORM_FIELDS), [""] * len(FORM_FIELDS))
    # After a save the success message stays; choosing another department or day clears it.
    feedback = no_update if ctx.triggered_id == Ids.REFRESH else ""
    if not _allowed(department_code):
        alert = dbc.Alert("Département hors de votre périmètre.", color="danger")
        return blank, *clean, alert, "", feedback
    day = _as_day(day_text)
    if day is None:
        return blank, *clean, "", "Choisissez le jour déclaré.", feedback
    history = _history(department_code)  # type: ignore[arg-type]
    rows = history[history["day"] == pd.Timestamp(day)] if not history.empty else history
    values = blank
    if not rows.empty:
        row = rows.iloc[0]
        values = [
            None
            if tf.is_missing(row[name])
            else (float(row[name]) if name == "contacts_per_case_median" else int(row[name]))
            for name in FORM_FIELDS
        ]
    return values, *clean, version_note(history, day), "", feedback


def _badge(text: str, color: str | None, badge_id: str) -> dbc.Badge:
    """A rate in its band's colour, with text dark or white so that it stays readable."""
    background = color or "#adb5bd"
    # A CSS colour as ``color`` (not a style) beats Bootstrap's bg-* class, which is !important.
    return dbc.Badge(
        text,
        color=background,
        style={"color": tf.readable_text_color(background), "minWidth": "4.5rem"},
        className="me-2",
        id=badge_id,
    )


@callback(
    Output(Ids.PREVIEW, "children"),
    Input({"type": FIELD, "field": ALL}, "value"),
    State({"type": FIELD, "field": ALL}, "id"),
)
def preview(values: list, ids: list[dict]):  # type: ignore[no-untyped-def]
    typed = {component_id["field"]: value for value, component_id in zip(values, ids, strict=True)}
    items = []
    for rate in tf.form_rates(typed):
        badge = _badge(rate.badge, "#6c757d" if rate.inconsistent else rate.color, f"report-tracing-preview-{rate.key}")
        items.append(html.Li([badge, rate.text], className="mb-1"))
    return html.Ul(items, className="list-unstyled small mb-0")


def _error_outputs(errors: list[FieldError]) -> tuple[list[bool], list[str], str]:
    by_field: dict[str, list[str]] = {}
    for error in errors:
        by_field.setdefault(error.field, []).append(error.message)
    invalid = [name in by_field for name in FORM_FIELDS]
    messages = [" ".join(by_field.get(name, [])) for name in FORM_FIELDS]
    return invalid, messages, " ".join(by_field.get("day", []))


@callback(
    Output(Ids.FEEDBACK, "children", allow_duplicate=True),
    Output({"type": FIELD, "field": ALL}, "invalid", allow_duplicate=True),
    Output({"type": FIELD_FEEDBACK, "field": ALL}, "children", allow_duplicate=True),
    Output(Ids.DAY_FEEDBACK, "children", allow_duplicate=True),
    Output(Ids.REFRESH, "data"),
    Input(Ids.SAVE, "n_clicks"),
    State({"type": FIELD, "field": ALL}, "value"),
    State({"type": FIELD, "field": ALL}, "id"),
    State(Ids.DEPARTMENT, "value"),
    State(Ids.DAY, "date"),
    State(Ids.REFRESH, "data"),
    prevent_initial_call=True,
)
def save(
    _clicks: int | None, values: list, ids: list[dict], department_code: str | None, day: str | None, refresh: int
):  # type: ignore[no-untyped-def]
    typed = {component_id["field"]: value for value, component_id in zip(values, ids, strict=True)}
    untouched = [False] * len(FORM_FIELDS), [""] * len(FORM_FIELDS)
    if not department_code:
        return dbc.Alert("Choisissez un département.", color="danger"), *untouched, "", no_update
    try:
        with write_session() as session:
            result = submit_tracing_day(
                session, current_principal(), department_code, day, typed, remote_addr=flask.request.remote_addr
            )
            saved = result.saved
            summary = (saved.day, saved.reported_at) if saved is not None else None
    except PermissionDenied as refusal:
        alert = dbc.Alert(f"Enregistrement refusé : {refusal}", color="danger", id="report-tracing-refused")
        return alert, *untouched, "", no_update
    if result.errors:
        invalid, messages, day_message = _error_outputs(result.errors)
        alert = dbc.Alert(
            [
                html.Strong("Rien n'est enregistré :"),
                html.Ul([html.Li(error.message) for error in result.errors], className="mb-0"),
            ],
            color="danger",
            id="report-tracing-error",
        )
        return alert, invalid, messages, day_message, no_update
    assert summary is not None
    saved_day, reported_at = summary
    alert = dbc.Alert(
        f"Enregistré le {formatting.timestamp(reported_at)} : chiffres du {saved_day:%d/%m/%Y} pour le département "
        f"{department_code}"
        + (" (nouvelle version, l'ancienne reste dans l'historique)." if result.superseded else "."),
        color="success",
        id="report-tracing-saved",
    )
    return alert, *untouched, "", (refresh or 0) + 1


@callback(
    Output(Ids.COVERAGE, "children"),
    Output(Ids.COVERAGE_LINK, "href"),
    Input(Ids.DEPARTMENT, "value"),
    Input(Ids.DAY, "date"),
    Input(Ids.REFRESH, "data"),
)
def update_coverage(department_code: str | None, day_text: str | None, _refresh: int):  # type: ignore[no-untyped-def]
    if not _allowed(department_code):
        return "", "/tracing"
    end = _as_day(day_text) or date.today()
    start = end - timedelta(days=COVERAGE_DAYS - 1)
    with read_session() as session:
        frame = coverage(session, "department", start, end, codes=[department_code])  # type: ignore[list-item]
    link = f"/tracing?departement={department_code}"
    if frame.empty or not frame.iloc[0]["days_reported"]:
        return dbc.Alert("Aucune déclaration sur ces 7 jours.", color="secondary"), link
    row = frame.iloc[0].to_dict()
    items = []
    for key, view in tf.RATE_VIEWS.items():
        value = row[key]
        items.append(
            html.Li(
                [
                    _badge(
                        tf.NO_DATA if tf.is_missing(value) else view.format(value),
                        view.color_of(value),
                        f"report-tracing-coverage-{key}",
                    ),
                    tf.rate_line(row, key),
                ],
                className="mb-1",
            )
        )
    header = (
        f"Du {start:%d/%m/%Y} au {end:%d/%m/%Y} : {tf.completeness_text(row, 'department')}, "
        f"chiffres {tf.as_of_text(row['last_reported_at'])}."
    )
    return html.Div(
        [html.Div(header, className="small text-muted mb-1"), html.Ul(items, className="list-unstyled small mb-0")]
    ), link


@callback(
    Output(Ids.HISTORY, "rowData"),
    Output(Ids.HISTORY_TITLE, "children"),
    Input(Ids.DEPARTMENT, "value"),
    Input(Ids.REFRESH, "data"),
)
def update_history(department_code: str | None, _refresh: int):  # type: ignore[no-untyped-def]
    if not _allowed(department_code):
        return [], "Historique"
    rows = tf.history_rows(_history(department_code))  # type: ignore[arg-type]
    return rows, f"Historique du département {department_code} ({FORM_MAX_AGE_DAYS + 1} derniers jours déclarés)"


@callback(
    Output(Ids.DAY, "date"),
    Input(Ids.HISTORY, "cellClicked"),
    prevent_initial_call=True,
)
def pick_day(cell: dict | None):  # type: ignore[no-untyped-def]
    day = _as_day((cell or {}).get("rowId"))
    return day.isoformat() if day else no_update


@callback(
    Output(Ids.UPLOAD_RESULT, "children"),
    Output(Ids.REFRESH, "data", allow_duplicate=True),
    Input(Ids.UPLOAD, "contents"),
    State(Ids.UPLOAD, "filename"),
    State(Ids.REFRESH, "data"),
    prevent_initial_call=True,
)
def upload(contents: str | None, filename: str | None, refresh: int):  # type: ignore[no-untyped-def]
    if not contents:
        return no_update, no_update
    data = decode_upload(contents)
    if data is None:
        return dbc.Alert("Fichier illisible.", color="danger"), no_update
    try:
        with write_session() as session:
            report = upload_tracing_file(
                session, current_principal(), data, filename or "fichier", remote_addr=flask.request.remote_addr
            )
    except PermissionDenied as refusal:
        return dbc.Alert(f"Envoi refusé : {refusal}", color="danger"), no_update
    shown = upload_report(report, key_columns=UPLOAD_KEYS, id_prefix="report-tracing-upload")
    return shown, ((refresh or 0) + 1) if report.saved else no_update


@callback(
    Output(Ids.TEMPLATE_DOWNLOAD, "data"),
    Input(Ids.TEMPLATE, "n_clicks"),
    prevent_initial_call=True,
)
def download_template(_clicks: int | None):  # type: ignore[no-untyped-def]
    return dcc.send_string(template_csv(), "modele-contact-tracing.csv")


# --- Clusters -----------------------------------------------------------------------------------------------------


@callback(
    Output(Ids.CLUSTERS, "rowData"),
    Input(Ids.CLUSTER_REFRESH, "data"),
)
def update_clusters(_refresh: int):  # type: ignore[no-untyped-def]
    principal = current_principal()
    codes = [code for code, _ in department_choices(principal)]
    if not codes:
        return []
    with read_session() as session:
        if principal is not None and principal.role == "regional" and principal.region_code:
            frame = clusters(session, region_code=principal.region_code)
        elif principal is not None and principal.role == "admin":
            frame = clusters(session)
        else:
            frames = [clusters(session, department_code=code) for code in codes]
            frame = pd.concat(frames, ignore_index=True).sort_values(["opened_on", "cluster_id"], ascending=False)
    return tf.cluster_rows(frame)


@callback(
    Output(Ids.CLUSTER_DEPARTMENT, "value"),
    Input(Ids.DEPARTMENT, "value"),
)
def follow_department(department_code: str | None):  # type: ignore[no-untyped-def]
    """A new cluster is most often in the department being reported: start from it."""
    return department_code if _allowed(department_code) else no_update


def _errors_alert(errors: list[FieldError], alert_id: str) -> dbc.Alert:
    return dbc.Alert(
        [
            html.Strong("Rien n'est enregistré :"),
            html.Ul([html.Li(error.message) for error in errors], className="mb-0"),
        ],
        color="danger",
        id=alert_id,
    )


@callback(
    Output(Ids.CLUSTER_CREATE_FEEDBACK, "children"),
    Output(Ids.CLUSTER_REFRESH, "data"),
    Output(Ids.CLUSTER_LABEL, "value"),
    Output(Ids.CLUSTER_COMMUNE, "value"),
    Input(Ids.CLUSTER_CREATE, "n_clicks"),
    State(Ids.CLUSTER_DEPARTMENT, "value"),
    State(Ids.CLUSTER_COMMUNE, "value"),
    State(Ids.CLUSTER_LABEL, "value"),
    State(Ids.CLUSTER_SETTING, "value"),
    State(Ids.CLUSTER_OPENED, "date"),
    State(Ids.CLUSTER_CASES, "value"),
    State(Ids.CLUSTER_REFRESH, "data"),
    prevent_initial_call=True,
)
def create(
    _clicks: int | None,
    department_code: str | None,
    commune: str | None,
    label: str | None,
    setting: str | None,
    opened_on: str | None,
    cases: int | None,
    refresh: int,
):  # type: ignore[no-untyped-def]
    values = {
        "department_code": department_code,
        "commune": commune,
        "label": label,
        "setting": setting,
        "opened_on": opened_on,
        "cases": cases,
    }
    try:
        with write_session() as session:
            cluster, errors = create_cluster(
                session, current_principal(), values, remote_addr=flask.request.remote_addr
            )
            created = (cluster.id, cluster.label) if cluster is not None else None
    except PermissionDenied as refusal:
        return dbc.Alert(f"Création refusée : {refusal}", color="danger"), no_update, no_update, no_update
    if errors:
        return _errors_alert(errors, "report-tracing-cluster-create-error"), no_update, no_update, no_update
    assert created is not None
    alert = dbc.Alert(
        f"Cluster n° {created[0]} « {created[1]} » créé (statut « {CLUSTER_STATUSES['signal']} »).",
        color="success",
        id="report-tracing-cluster-created",
        duration=10000,
    )
    return alert, (refresh or 0) + 1, "", ""


@callback(
    Output(Ids.CLUSTER_SELECTED, "data"),
    Output(Ids.CLUSTER_SELECTED_TITLE, "children"),
    Output(Ids.CLUSTER_STATUS, "options"),
    Output(Ids.CLUSTER_STATUS, "value"),
    Output(Ids.CLUSTER_CLOSED, "date"),
    Output(Ids.CLUSTER_UPDATE_CASES, "value"),
    Output(Ids.CLUSTER_UPDATE, "disabled"),
    Output(Ids.CLUSTER_UPDATE_FEEDBACK, "children"),
    Input(Ids.CLUSTERS, "selectedRows"),
    prevent_initial_call=True,
)
def choose_cluster(selected: list[dict] | None):  # type: ignore[no-untyped-def]
    if not selected:
        # The feedback stays: a successful update clears the selection and its message must remain.
        return None, "Mettre à jour le cluster sélectionné", [], None, None, None, True, no_update
    row = selected[0]
    closed = _as_day(_iso(row.get("closed_on")))
    return (
        {"cluster_id": row["cluster_id"], "status": row["status"]},
        f"Mettre à jour le cluster n° {row['cluster_id']} — {row['label']}",
        tf.status_options(row["status"]),
        row["status"],
        closed.isoformat() if closed else None,
        row.get("cases"),
        False,
        "",
    )


def _iso(french_day: str | None) -> str | None:
    """'04/12/2026' -> '2026-12-04' (the grid shows French dates)."""
    if not french_day:
        return None
    try:
        return datetime.strptime(french_day, "%d/%m/%Y").date().isoformat()
    except ValueError:
        return None


@callback(
    Output(Ids.CLUSTER_CLOSED, "disabled"),
    Output(Ids.CLUSTER_CLOSED, "date", allow_duplicate=True),
    Input(Ids.CLUSTER_STATUS, "value"),
    State(Ids.CLUSTER_CLOSED, "date"),
    prevent_initial_call=True,
)
def closing_date(status: str | None, closed_on: str | None):  # type: ignore[no-untyped-def]
    if status == "closed":
        return False, closed_on or datetime.now(UTC).date().isoformat()
    return True, None


@callback(
    Output(Ids.CLUSTER_UPDATE_FEEDBACK, "children", allow_duplicate=True),
    Output(Ids.CLUSTER_REFRESH, "data", allow_duplicate=True),
    Output(Ids.CLUSTERS, "selectedRows"),
    Input(Ids.CLUSTER_UPDATE, "n_clicks"),
    State(Ids.CLUSTER_SELECTED, "data"),
    State(Ids.CLUSTER_STATUS, "value"),
    State(Ids.CLUSTER_CLOSED, "date"),
    State(Ids.CLUSTER_UPDATE_CASES, "value"),
    State(Ids.CLUSTER_REFRESH, "data"),
    prevent_initial_call=True,
)
def update(
    _clicks: int | None,
    selected: dict | None,
    status: str | None,
    closed_on: str | None,
    cases: int | None,
    refresh: int,
):  # type: ignore[no-untyped-def]
    if not selected:
        return dbc.Alert("Cochez d'abord un cluster dans la liste.", color="secondary"), no_update, no_update
    values: dict[str, object] = {"status": status, "cases": cases}
    if status == "closed":
        values["closed_on"] = closed_on
    try:
        with write_session() as session:
            cluster, errors = update_cluster(
                session, current_principal(), int(selected["cluster_id"]), values, remote_addr=flask.request.remote_addr
            )
            label = cluster.label if cluster is not None else ""
    except PermissionDenied as refusal:
        return dbc.Alert(f"Mise à jour refusée : {refusal}", color="danger"), no_update, no_update
    if errors:
        return _errors_alert(errors, "report-tracing-cluster-update-error"), no_update, no_update
    alert = dbc.Alert(
        f"Cluster n° {selected['cluster_id']} « {label} » mis à jour le {formatting.timestamp(utcnow())}.",
        color="success",
        id="report-tracing-cluster-updated",
        duration=10000,
    )
    return alert, (refresh or 0) + 1, []
