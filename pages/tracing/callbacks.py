"""Callbacks of the contact-tracing coverage page: thin wrappers over data_access queries and figure builders."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import dash_bootstrap_components as dbc
from dash import Input, Output, callback, ctx, no_update

from components import formatting
from components import tracing_figures as tf
from components.kpi import kpi_card
from components.tables import register_exports
from data_access.db import read_session
from data_access.models import utcnow
from data_access.queries import beds
from data_access.queries.tracing import (
    COUNTRY_CODE,
    active_clusters_per_department,
    clusters,
    coverage,
    coverage_timeline,
)
from pages.tracing.ids import Ids
from pages.tracing.layout import TABLE_COLUMNS
from services.tracing import local_today

# The timeline shows at least this many days, so that a 7-day period is seen against the weeks before it.
TIMELINE_MIN_DAYS = 60
LEVEL_NAMES = {"department": "Départements", "region": "Régions"}


def _period_text(start: date, end: date) -> str:
    days = (end - start).days + 1
    return f"du {start:%d/%m/%Y} au {end:%d/%m/%Y} ({days} jour{'s' if days > 1 else ''})"


@callback(
    Output(Ids.MAP, "figure"),
    Output(Ids.AS_OF, "children"),
    Output(Ids.PERIOD_NOTE, "children"),
    Input(Ids.RATE, "value"),
    Input(Ids.LEVEL, "value"),
    Input(Ids.PERIOD, "start_date"),
    Input(Ids.PERIOD, "end_date"),
    Input(Ids.VIEW, "value"),
    Input(Ids.CLUSTER_LAYER, "value"),
    Input(Ids.SELECTION, "data"),
)
def update_map(
    rate: str,
    level: str,
    start_date: str | None,
    end_date: str | None,
    view: str,
    layer: list[str] | None,
    selection: dict | None,
):  # type: ignore[no-untyped-def]
    start, end = tf.period_of(start_date, end_date, today=local_today(None, utcnow()))
    with read_session() as session:
        frame = coverage(session, level, start, end)
        active = active_clusters_per_department(session) if "on" in (layer or []) else None
    now = datetime.now(UTC)
    selected = selection["code"] if selection and selection.get("level") == level else None
    figure = tf.coverage_map(frame, level=level, rate=rate, view=view, selected=selected, active=active, now=now)
    last = frame["last_reported_at"].max() if not frame.empty else None
    as_of = f"Dernière déclaration reçue {tf.as_of_text(last, now)}"
    note = f"Période {_period_text(start, end)} ; les taux sont calculés sur les jours déclarés."
    return figure, as_of, note


@callback(
    Output(Ids.SELECTION, "data"),
    Input(Ids.MAP, "clickData"),
    Input(Ids.RESET, "n_clicks"),
    Input(Ids.LEVEL, "value"),
    prevent_initial_call=True,
)
def select(click: dict | None, _reset: int | None, level: str):  # type: ignore[no-untyped-def]
    if ctx.triggered_id != Ids.MAP or not click or not click.get("points"):
        return None
    point = click["points"][0]
    if point.get("location"):
        return {"level": level, "code": str(point["location"])}
    custom = point.get("customdata")
    # A cluster circle carries its department's code, name and region.
    if isinstance(custom, list) and len(custom) == 3:
        return (
            {"level": "department", "code": str(custom[0])}
            if level == "department"
            else {
                "level": "region",
                "code": str(custom[2]),
            }
        )
    return no_update


def _place(session, selection: dict | None) -> tuple[str, str, str]:  # type: ignore[no-untyped-def]
    """(level, code, name) of the selected territory, France when none."""
    if not selection:
        return "country", COUNTRY_CODE, "France"
    names = beds.territory_names(session, selection["level"])
    return selection["level"], selection["code"], names.get(selection["code"], selection["code"])


def _kpi_cards(row: dict | None, positivity: dict | None) -> dbc.Row | dbc.Alert:
    if row is None or not row.get("days_reported"):
        return dbc.Alert("Aucune déclaration de contact-tracing sur cette période pour ce territoire.", color="warning")
    cards = []
    for key, view in tf.RATE_VIEWS.items():
        value = row.get(key)
        numerator = formatting.number(row.get(view.numerator))
        denominator = formatting.number(row.get(view.denominator))
        cards.append(
            kpi_card(
                view.label,
                tf.NO_DATA if tf.is_missing(value) else view.format(value),
                f"{numerator} / {denominator} · {view.target_text}",
                color=view.color_of(value),
                card_id=f"tracing-kpi-{key}",
            )
        )
    if positivity is not None:
        value = positivity.get("positivity_7d")
        note = " (résultats incomplets)" if positivity.get("positivity_incomplete") else ""
        cards.append(
            kpi_card(
                "Positivité des tests (7 jours)",
                "—" if tf.is_missing(value) else f"{value:.1f}".replace(".", ",") + "\u00a0%",
                f"{formatting.number(positivity.get('positives_7d'))} positifs / "
                f"{formatting.number(positivity.get('tests_7d'))} tests au {positivity['day']:%d/%m/%Y}{note}",
                card_id="tracing-kpi-positivity",
            )
        )
    for card in cards:
        card.lg = True  # five equal cards on a laptop screen
    return dbc.Row(cards, className="g-3")


@callback(
    Output(Ids.KPIS, "children"),
    Output(Ids.KPIS_TITLE, "children"),
    Output(Ids.TIMELINE, "figure"),
    Output(Ids.TIMELINE_TITLE, "children"),
    Input(Ids.SELECTION, "data"),
    Input(Ids.PERIOD, "start_date"),
    Input(Ids.PERIOD, "end_date"),
)
def update_details(selection: dict | None, start_date: str | None, end_date: str | None):  # type: ignore[no-untyped-def]
    start, end = tf.period_of(start_date, end_date, today=local_today(None, utcnow()))
    timeline_start = min(start, end - timedelta(days=TIMELINE_MIN_DAYS - 1))
    with read_session() as session:
        level, code, name = _place(session, selection)
        figures_now = coverage(session, level, start, end, codes=[code])
        history = coverage_timeline(session, level, code, timeline_start, end)
    now = datetime.now(UTC)
    row = figures_now.iloc[0].to_dict() if not figures_now.empty else None
    kpis = _kpi_cards(row, tf.last_positivity(history))
    figure = tf.coverage_timeline_figure(history, period=(start, end))
    as_of = f" · chiffres {tf.as_of_text(row.get('last_reported_at'), now)}" if row else ""
    return (
        kpis,
        f"{name} — {_period_text(start, end)}{as_of}",
        figure,
        f"Évolution — {name} (7 jours glissants, période choisie grisée)",
    )


@callback(
    Output(Ids.TABLE, "rowData"),
    Output(Ids.TABLE_TITLE, "children"),
    Input(Ids.LEVEL, "value"),
    Input(Ids.PERIOD, "start_date"),
    Input(Ids.PERIOD, "end_date"),
)
def update_table(level: str, start_date: str | None, end_date: str | None):  # type: ignore[no-untyped-def]
    start, end = tf.period_of(start_date, end_date, today=local_today(None, utcnow()))
    with read_session() as session:
        frame = coverage(session, level, start, end)
        active = active_clusters_per_department(session)
    rows = tf.territory_rows(frame, level, active=active)
    return rows, f"{LEVEL_NAMES.get(level, level)} ({len(rows)}) — {_period_text(start, end)}"


@callback(
    Output(Ids.CLUSTERS, "rowData"),
    Output(Ids.CLUSTERS_TITLE, "children"),
    Input(Ids.CLUSTER_STATUS, "value"),
    Input(Ids.CLUSTER_SETTING, "value"),
    Input(Ids.SELECTION, "data"),
)
def update_clusters(statuses: list[str] | None, settings_: list[str] | None, selection: dict | None):  # type: ignore[no-untyped-def]
    territory = {}
    if selection and selection.get("level") == "department":
        territory = {"department_code": selection["code"]}
    elif selection and selection.get("level") == "region":
        territory = {"region_code": selection["code"]}
    with read_session() as session:
        _level, _code, name = _place(session, selection)
        frame = clusters(session, status=list(statuses) if statuses else None, **territory)
    if settings_:
        frame = frame[frame["setting"].isin(settings_)]
    rows = tf.cluster_rows(frame)
    return rows, f"Clusters — {name} ({len(rows)})"


export_csv, export_xlsx = register_exports(
    grid_id=Ids.TABLE,
    csv_button=Ids.EXPORT_CSV,
    xlsx_button=Ids.EXPORT_XLSX,
    download_id=Ids.DOWNLOAD,
    column_defs=TABLE_COLUMNS,
    sheet="Contact-tracing",
    file_stem="contact-tracing-territoires",
)
