"""Callbacks of the reporting-link page: thin wrappers over services.beds link functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dash_bootstrap_components as dbc
import flask
from dash import Input, Output, State, callback, html, no_update
from sqlalchemy import select

from components import formatting
from data_access.db import read_session, write_session
from data_access.models import Unit
from services.auth import PermissionDenied
from services.beds import LinkError, create_reporting_link, reporting_links, revoke_reporting_link
from services.web import current_principal


@callback(
    Output("report-links-unit", "options"),
    Output("report-links-unit", "value"),
    Input("report-links-establishment", "value"),
)
def unit_options(establishment_id: int | None):  # type: ignore[no-untyped-def]
    if establishment_id is None:
        return [], None
    with read_session() as session:
        units = session.scalars(select(Unit).where(Unit.establishment_id == establishment_id).order_by(Unit.name))
        return [{"label": unit.name, "value": unit.id} for unit in units], None


@callback(
    Output("report-links-table", "rowData"),
    Input("report-links-establishment", "value"),
    Input("report-links-refresh", "data"),
)
def list_links(establishment_id: int | None, _refresh: int):  # type: ignore[no-untyped-def]
    principal = current_principal()
    if establishment_id is None or principal is None or principal.role not in {"admin", "regional"}:
        return []
    now = datetime.now(UTC)
    with read_session() as session:
        units = dict(session.execute(select(Unit.id, Unit.name).where(Unit.establishment_id == establishment_id)).all())
        links = reporting_links(session, establishment_id)
    rows = []
    for link in links:
        status = "révoqué" if link.revoked_at else "expiré" if link.expires_at <= now else "actif"
        rows.append(
            {
                "id": str(link.id),
                "holder": link.holder_name,
                "unit": units.get(link.unit_id, "Tout l'établissement"),
                "created": formatting.timestamp(link.created_at),
                "expires": formatting.timestamp(link.expires_at),
                "status": status,
                "last_used": formatting.timestamp(link.last_used_at) if link.last_used_at else "jamais",
            }
        )
    return rows


@callback(
    Output("report-links-created", "children"),
    Output("report-links-refresh", "data"),
    Input("report-links-create", "n_clicks"),
    State("report-links-establishment", "value"),
    State("report-links-unit", "value"),
    State("report-links-holder", "value"),
    State("report-links-days", "value"),
    State("report-links-refresh", "data"),
    prevent_initial_call=True,
)
def create(
    _clicks: int | None,
    establishment_id: int | None,
    unit_id: int | None,
    holder: str | None,
    days: int | None,
    refresh: int,
):  # type: ignore[no-untyped-def]
    if establishment_id is None:
        return dbc.Alert("Établissement : obligatoire.", color="danger"), no_update
    if not isinstance(days, int) or not 1 <= days <= 365:
        return dbc.Alert("Validité : un nombre entier de jours entre 1 et 365.", color="danger"), no_update
    try:
        with write_session() as session:
            link, token = create_reporting_link(
                session,
                current_principal(),
                establishment_id,
                holder or "",
                unit_id=unit_id,
                valid_for=timedelta(days=days),
                remote_addr=flask.request.remote_addr,
            )
            expires = link.expires_at
    except (PermissionDenied, LinkError) as refusal:
        return dbc.Alert(f"Lien non créé : {refusal}", color="danger", id="report-links-error"), no_update
    url = f"{flask.request.host_url.rstrip('/')}/report/link/{token}"
    shown = dbc.Alert(
        [
            html.Div("Lien créé. Copiez-le maintenant et transmettez-le à son titulaire : il ne sera plus affiché."),
            html.Code(url, id="report-links-url", className="d-block my-2 user-select-all"),
            html.Small(f"Valable jusqu'au {formatting.timestamp(expires)}."),
        ],
        color="success",
    )
    return shown, (refresh or 0) + 1


@callback(
    Output("report-links-revoked", "children"),
    Output("report-links-refresh", "data", allow_duplicate=True),
    Input("report-links-revoke", "n_clicks"),
    State("report-links-table", "selectedRows"),
    State("report-links-refresh", "data"),
    prevent_initial_call=True,
)
def revoke(_clicks: int | None, selected: list[dict] | None, refresh: int):  # type: ignore[no-untyped-def]
    if not selected:
        return dbc.Alert("Sélectionnez d'abord un lien.", color="warning"), no_update
    try:
        with write_session() as session:
            link = revoke_reporting_link(
                session, current_principal(), int(selected[0]["id"]), remote_addr=flask.request.remote_addr
            )
            holder = link.holder_name
    except (PermissionDenied, LinkError) as refusal:
        return dbc.Alert(f"Révocation refusée : {refusal}", color="danger"), no_update
    return dbc.Alert(f"Lien de {holder} révoqué.", color="success", id="report-links-done"), (refresh or 0) + 1
