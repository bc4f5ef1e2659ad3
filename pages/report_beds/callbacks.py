"""Callbacks of the bed input page: thin wrappers over services.beds and services.bed_upload."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash_bootstrap_components as dbc
import flask
from dash import ALL, MATCH, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from sqlalchemy.orm import selectinload

from components import formatting
from components.uploads import decode_upload, upload_report
from data_access.db import read_session, write_session
from data_access.models import BedReport, Unit
from data_access.queries.bed_reporting import report_history, units_with_latest
from pages.report_beds.forms import correction_fields, unit_card
from pages.report_beds.ids import CORRECTION_FIELD, FIELD, FREE, Ids
from services.auth import PermissionDenied
from services.bed_upload import template_csv, upload_bed_file
from services.beds import correct_bed_report, submit_establishment_reports
from services.web import current_principal
from settings import settings

UPLOAD_KEYS = (("FINESS", lambda row: row.finess), ("Unité", lambda row: row.unit))
HIDDEN = {"display": "none"}
SHOWN = {"display": "inline-block"}


def _may_see(establishment_id: int | None) -> bool:
    principal = current_principal()
    if principal is None or establishment_id is None:
        return False
    from data_access.queries.bed_reporting import reportable_establishments

    with read_session() as session:
        return any(choice == establishment_id for choice, _ in reportable_establishments(session, principal))


def _cards(
    establishment_id: int,
    typed: dict[int, dict] | None = None,
    errors: dict | None = None,
    warnings: dict | None = None,
) -> list:
    principal = current_principal()
    unit_id = principal.link_unit_id if principal else None
    with read_session() as session:
        rows = units_with_latest(session, establishment_id, unit_id)
        for unit, _latest in rows:
            _ = unit.bed_type.label  # loaded while the session is open
    if not rows:
        return [dbc.Alert("Aucune unité active dans cet établissement.", color="secondary")]
    now = datetime.now(UTC)
    return [
        unit_card(
            unit,
            latest,
            typed=(typed or {}).get(unit.id),
            errors=(errors or {}).get(unit.id),
            warnings=(warnings or {}).get(unit.id),
            now=now,
        )
        for unit, latest in rows
    ]


def _history_rows(establishment_id: int) -> list[dict]:
    now = datetime.now(UTC)
    with read_session() as session:
        history = report_history(session, establishment_id, now - timedelta(days=settings.correction_days))
    rows = []
    for record in history.to_dict("records"):
        version = "corrigée" if record["superseded"] else ("correction" if record["supersedes_id"] else "originale")
        rows.append(
            {
                "id": str(record["id"]),
                "reported": formatting.timestamp(record["reported_at"]),
                "unit": f"{record['bed_type']} — {record['unit_name']}",
                "occupied": record["occupied"],
                "open_beds": record["open_beds"],
                "occupied_covid": record["occupied_covid"],
                "version": version,
                "by": record["author"] or (f"lien : {record['link_holder']}" if record["link_holder"] else "—"),
                "channel": record["channel"],
            }
        )
    return rows


@callback(
    Output(Ids.UNITS, "children"),
    Output(Ids.HISTORY, "rowData"),
    Input(Ids.ESTABLISHMENT, "value"),
    Input(Ids.REFRESH, "data"),
)
def render(establishment_id: int | None, _refresh: int):  # type: ignore[no-untyped-def]
    if not _may_see(establishment_id):
        return dbc.Alert("Établissement hors de votre périmètre.", color="danger"), []
    return _cards(establishment_id), _history_rows(establishment_id)


clientside_callback(
    """function(openBeds, occupied) {
        if (Number.isInteger(openBeds) && Number.isInteger(occupied)) { return String(openBeds - occupied); }
        return "—";
    }""",
    Output({"type": FREE, "unit": MATCH}, "children"),
    Input({"type": FIELD, "unit": MATCH, "field": "open_beds"}, "value"),
    Input({"type": FIELD, "unit": MATCH, "field": "occupied"}, "value"),
)


def _typed_values(values: list, ids: list[dict]) -> dict[int, dict[str, object]]:
    typed: dict[int, dict[str, object]] = {}
    for value, component_id in zip(values, ids, strict=True):
        typed.setdefault(component_id["unit"], {})[component_id["field"]] = value
    return typed


@callback(
    Output(Ids.FEEDBACK, "children"),
    Output(Ids.UNITS, "children", allow_duplicate=True),
    Output(Ids.CONFIRM, "style"),
    Output(Ids.REFRESH, "data"),
    Input(Ids.SAVE, "n_clicks"),
    Input(Ids.CONFIRM, "n_clicks"),
    State({"type": FIELD, "unit": ALL, "field": ALL}, "value"),
    State({"type": FIELD, "unit": ALL, "field": ALL}, "id"),
    State(Ids.ESTABLISHMENT, "value"),
    State(Ids.REFRESH, "data"),
    prevent_initial_call=True,
)
def save(_save: int | None, _confirm: int | None, values: list, ids: list[dict], establishment_id: int, refresh: int):  # type: ignore[no-untyped-def]
    typed = _typed_values(values, ids)
    if not typed:
        return dbc.Alert("Rien à enregistrer.", color="secondary"), no_update, HIDDEN, no_update
    confirm = ctx.triggered_id == Ids.CONFIRM
    try:
        with write_session() as session:
            result = submit_establishment_reports(
                session, current_principal(), typed, confirm=confirm, remote_addr=flask.request.remote_addr
            )
    except PermissionDenied as refusal:
        return dbc.Alert(f"Enregistrement refusé : {refusal}", color="danger"), no_update, HIDDEN, no_update
    if result.errors:
        count = sum(len(errors) for errors in result.errors.values())
        message = dbc.Alert(
            f"Rien n'est enregistré : {count} valeur(s) à corriger (en rouge ci-dessus).",
            color="danger",
            id="report-beds-error",
        )
        return message, _cards(establishment_id, typed, result.errors, result.warnings), HIDDEN, no_update
    if result.needs_confirmation:
        message = dbc.Alert(
            "Rien n'est encore enregistré : certains chiffres changent beaucoup depuis la dernière déclaration "
            "(signalés ⚠). Vérifiez-les, puis « Confirmer et enregistrer ».",
            color="warning",
            id="report-beds-warning",
        )
        return message, _cards(establishment_id, typed, None, result.warnings), SHOWN, no_update
    saved_at = formatting.timestamp(datetime.now(UTC))
    message = dbc.Alert(
        f"Enregistré le {saved_at} : {len(result.saved)} unité(s).",
        color="success",
        id="report-beds-saved",
        duration=8000,
    )
    return message, no_update, HIDDEN, (refresh or 0) + 1


@callback(
    Output(Ids.CORRECT, "disabled"),
    Input(Ids.HISTORY, "selectedRows"),
)
def enable_correction(selected: list[dict] | None) -> bool:
    return not selected


@callback(
    Output(Ids.CORRECTION_MODAL, "is_open"),
    Output(Ids.CORRECTION_BODY, "children"),
    Output(Ids.CORRECTION_TARGET, "data"),
    Output(Ids.CORRECTION_SAVE, "style"),
    Output(Ids.CORRECTION_FEEDBACK, "children"),
    Input(Ids.CORRECT, "n_clicks"),
    State(Ids.HISTORY, "selectedRows"),
    prevent_initial_call=True,
)
def open_correction(_clicks: int | None, selected: list[dict] | None):  # type: ignore[no-untyped-def]
    if not selected:
        return False, no_update, None, HIDDEN, ""
    report_id = int(selected[0]["id"])
    with read_session() as session:
        report = session.get(BedReport, report_id)
        unit = session.get(Unit, report.unit_id, options=[selectinload(Unit.bed_type)]) if report else None
        if report is None or unit is None or not _may_see(unit.establishment_id):
            return True, dbc.Alert("Déclaration introuvable.", color="danger"), None, HIDDEN, ""
        if selected[0]["version"] == "corrigée":
            note = dbc.Alert(
                "Cette version a déjà été corrigée : corrigez la version la plus récente.", color="warning"
            )
            return True, note, None, HIDDEN, ""
        if report.reported_at < datetime.now(UTC) - timedelta(days=settings.correction_days):
            note = dbc.Alert(f"Correction impossible après {settings.correction_days} jours.", color="warning")
            return True, note, None, HIDDEN, ""
        body = correction_fields(unit, report)
    return True, body, report_id, {}, ""


@callback(
    Output(Ids.CORRECTION_FEEDBACK, "children", allow_duplicate=True),
    Output(Ids.CORRECTION_CONFIRM, "style"),
    Output(Ids.CORRECTION_MODAL, "is_open", allow_duplicate=True),
    Output(Ids.FEEDBACK, "children", allow_duplicate=True),
    Output(Ids.REFRESH, "data", allow_duplicate=True),
    Input(Ids.CORRECTION_SAVE, "n_clicks"),
    Input(Ids.CORRECTION_CONFIRM, "n_clicks"),
    State({"type": CORRECTION_FIELD, "field": ALL}, "value"),
    State({"type": CORRECTION_FIELD, "field": ALL}, "id"),
    State(Ids.CORRECTION_TARGET, "data"),
    State(Ids.REFRESH, "data"),
    prevent_initial_call=True,
)
def save_correction(
    _save: int | None, _confirm: int | None, values: list, ids: list[dict], report_id: int | None, refresh: int
):  # type: ignore[no-untyped-def]
    if report_id is None:
        return no_update, HIDDEN, no_update, no_update, no_update
    typed = {component_id["field"]: value for value, component_id in zip(values, ids, strict=True)}
    try:
        with write_session() as session:
            result = correct_bed_report(
                session,
                current_principal(),
                report_id,
                typed,
                confirm=ctx.triggered_id == Ids.CORRECTION_CONFIRM,
                remote_addr=flask.request.remote_addr,
            )
    except PermissionDenied as refusal:
        return dbc.Alert(f"Correction refusée : {refusal}", color="danger"), HIDDEN, True, no_update, no_update
    if result.errors:
        items = [html.Li(error.message) for error in result.errors]
        return (
            dbc.Alert(["Rien n'est enregistré :", html.Ul(items)], color="danger"),
            HIDDEN,
            True,
            no_update,
            no_update,
        )
    if result.needs_confirmation:
        items = [html.Li(warning.message) for warning in result.warnings]
        return dbc.Alert(["À confirmer :", html.Ul(items)], color="warning"), SHOWN, True, no_update, no_update
    done = dbc.Alert(
        f"Correction enregistrée (nouvelle version n° {result.saved.id}).",
        color="success",
        id="report-beds-corrected",
        duration=8000,
    )
    return "", HIDDEN, False, done, (refresh or 0) + 1


@callback(
    Output(Ids.UPLOAD_RESULT, "children"),
    Output(Ids.UPLOAD_PENDING, "data"),
    Output(Ids.UPLOAD_CONFIRM, "style"),
    Output(Ids.REFRESH, "data", allow_duplicate=True),
    Input(Ids.UPLOAD, "contents"),
    Input(Ids.UPLOAD_CONFIRM, "n_clicks"),
    State(Ids.UPLOAD, "filename"),
    State(Ids.UPLOAD_PENDING, "data"),
    State(Ids.REFRESH, "data"),
    prevent_initial_call=True,
)
def upload(contents: str | None, _confirm: int | None, filename: str | None, pending: dict | None, refresh: int):  # type: ignore[no-untyped-def]
    confirm = ctx.triggered_id == Ids.UPLOAD_CONFIRM
    if confirm:
        if not pending:
            return no_update, None, HIDDEN, no_update
        contents, filename = pending["contents"], pending["filename"]
    if not contents:
        return no_update, None, HIDDEN, no_update
    data = decode_upload(contents)
    if data is None:
        return dbc.Alert("Fichier illisible.", color="danger"), None, HIDDEN, no_update
    with write_session() as session:
        report = upload_bed_file(
            session,
            current_principal(),
            data,
            filename or "fichier",
            confirm=confirm,
            remote_addr=flask.request.remote_addr,
        )
    shown = upload_report(
        report, key_columns=UPLOAD_KEYS, id_prefix="report-beds-upload", pending=report.needs_confirmation
    )
    if report.needs_confirmation:
        return shown, {"contents": contents, "filename": filename}, SHOWN, no_update
    return shown, None, HIDDEN, ((refresh or 0) + 1) if report.saved else no_update


@callback(
    Output(Ids.TEMPLATE_DOWNLOAD, "data"),
    Input(Ids.TEMPLATE, "n_clicks"),
    prevent_initial_call=True,
)
def download_template(_clicks: int | None):  # type: ignore[no-untyped-def]
    return dcc.send_string(template_csv(), "modele-declaration-lits.csv")
