"""Builders of the bed input cards: one card per unit, prefilled with its last report and its age."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import dash_bootstrap_components as dbc
from dash import html

from components import formatting
from data_access.models import BedReport, Unit
from pages.report_beds.ids import CORRECTION_FIELD, FIELD, FREE
from services.beds import FIELD_LABELS
from services.validation import FieldError
from settings import settings

MAIN_FIELDS = ("installed", "open_beds", "occupied", "occupied_covid")
VENTILATION_FIELDS = (
    "vent_invasive_used",
    "vent_invasive_available",
    "vent_noninvasive_used",
    "vent_noninvasive_available",
)
ECMO_FIELDS = ("ecmo_used", "ecmo_available")
CLOSED_FIELDS = ("closed_staff", "closed_equipment", "closed_supplies")


def unit_fields(unit: Unit) -> tuple[str, ...]:
    fields = list(MAIN_FIELDS)
    if unit.has_ventilators:
        fields += VENTILATION_FIELDS
    if unit.has_ecmo:
        fields += ECMO_FIELDS
    return (*fields, *CLOSED_FIELDS)


def freshness_badge(reported_at: datetime | None, now: datetime) -> dbc.Badge:
    if reported_at is None:
        return dbc.Badge("Jamais déclarée", color="secondary")
    hours = (now - reported_at).total_seconds() / 3600
    color = "success" if hours < settings.stale_hours else "warning" if hours < settings.overdue_hours else "danger"
    return dbc.Badge(
        f"Dernière déclaration {formatting.age(reported_at, now)} ({formatting.timestamp(reported_at)})",
        color=color,
        className="text-wrap",
    )


def dom_id(component_id: dict) -> str:
    """The DOM id Dash gives a pattern-matching id (sorted keys, compact JSON), so labels can point to inputs."""
    return json.dumps(dict(sorted(component_id.items())), separators=(",", ":"))


def _number_input(component_id: dict, name: str, value: object, errors: dict[str, str]) -> dbc.Col:
    message = errors.get(name)
    return dbc.Col(
        [
            dbc.Label(FIELD_LABELS[name], html_for=dom_id(component_id), className="small mb-0"),
            dbc.Input(
                id=component_id,
                type="number",
                min=0,
                step=1,
                value=value,
                inputMode="numeric",
                invalid=message is not None,
                size="sm",
                debounce=False,
            ),
            dbc.FormFeedback(message or "", type="invalid"),
        ],
        xs=6,
        md=3,
        className="mb-2",
    )


def unit_card(
    unit: Unit,
    latest: BedReport | None,
    *,
    typed: dict[str, object] | None = None,
    errors: list[FieldError] | None = None,
    warnings: list[FieldError] | None = None,
    now: datetime | None = None,
) -> dbc.Card:
    """The values shown are what the user typed (after a refused save) or else the last report's."""
    now = now or datetime.now(UTC)
    error_by_field = {error.field: error.message for error in errors or []}
    previous = {name: getattr(latest, name) for name in unit_fields(unit)} if latest else {}
    values = typed if typed is not None else previous

    def field_col(name: str) -> dbc.Col:
        return _number_input({"type": FIELD, "unit": unit.id, "field": name}, name, values.get(name), error_by_field)

    open_beds, occupied = values.get("open_beds"), values.get("occupied")
    free = (open_beds - occupied) if isinstance(open_beds, int) and isinstance(occupied, int) else None
    blocks = [
        dbc.Row([*(field_col(name) for name in MAIN_FIELDS)], className="g-2"),
        html.Div(
            [
                "Lits libres (calculé) : ",
                html.Strong("—" if free is None else str(free), id={"type": FREE, "unit": unit.id}),
            ],
            className="small mb-2",
        ),
    ]
    if unit.has_ventilators or unit.has_ecmo:
        extra = [name for name in (*VENTILATION_FIELDS, *ECMO_FIELDS) if name in unit_fields(unit)]
        blocks.append(dbc.Row([field_col(name) for name in extra], className="g-2"))
    blocks.append(
        html.Details(
            [
                html.Summary("Lits fermés (motif)", className="small"),
                dbc.Row([field_col(name) for name in CLOSED_FIELDS], className="g-2 mt-1"),
            ],
            open=any(values.get(name) for name in CLOSED_FIELDS) or any(n in error_by_field for n in CLOSED_FIELDS),
        )
    )
    notes = [
        html.Div(error.message, className="text-danger small")
        for error in errors or []
        if error.field not in unit_fields(unit)
    ]
    notes += [html.Div(f"⚠ {warning.message}", className="text-warning-emphasis small") for warning in warnings or []]
    return dbc.Card(
        [
            dbc.CardHeader(
                [
                    html.Strong(f"{unit.bed_type.label} — {unit.name}"),
                    html.Div(freshness_badge(latest.reported_at if latest else None, now)),
                ],
                className="d-flex flex-wrap justify-content-between gap-2",
            ),
            dbc.CardBody([*blocks, *notes]),
        ],
        className="mb-3" + (" border-danger" if errors else " border-warning" if warnings else ""),
        id=f"report-beds-unit-{unit.id}",
    )


def correction_fields(unit: Unit, report: BedReport, errors: list[FieldError] | None = None) -> html.Div:
    error_by_field = {error.field: error.message for error in errors or []}
    return html.Div(
        [
            html.P(
                [
                    f"{unit.bed_type.label} — {unit.name}, déclaration du ",
                    html.Strong(formatting.timestamp(report.reported_at)),
                    ". La correction crée une nouvelle version ; l'originale reste dans l'historique.",
                ]
            ),
            dbc.Row(
                [
                    _number_input(
                        {"type": CORRECTION_FIELD, "field": name}, name, getattr(report, name), error_by_field
                    )
                    for name in unit_fields(unit)
                ],
                className="g-2",
            ),
        ]
    )
