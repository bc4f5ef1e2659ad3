"""Callbacks of the overview page: thin wrappers over data_access queries and figure builders."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, no_update

from components import figures, formatting
from components.kpi import kpi_card
from data_access.db import read_session
from data_access.queries import beds, overview
from pages.overview.ids import Ids
from settings import settings

LEVEL_LABELS = {"department": "département", "region": "région"}
HOVER = (
    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
    "Occupation : %{customdata[2]}<br>"
    "%{customdata[3]} occupés / %{customdata[4]} ouverts<br>"
    "dont COVID : %{customdata[5]}<br>"
    "Dernière déclaration : %{customdata[6]}<extra></extra>"
)


def _hover_columns(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["occupancy_text"] = frame["occupancy"].map(formatting.percent)
    frame["occupied_text"] = frame["occupied"].map(formatting.number)
    frame["open_text"] = frame["open_beds"].map(formatting.number)
    frame["covid_text"] = frame["occupied_covid"].map(formatting.number)
    frame["last_text"] = frame["last_report_at"].map(lambda t: formatting.timestamp(None if pd.isna(t) else t))
    return frame


@callback(
    Output(Ids.MAP, "figure"),
    Input(Ids.LEVEL, "value"),
    Input(Ids.SCOPE, "value"),
    Input(Ids.VIEW, "value"),
    Input(Ids.SELECTION, "data"),
)
def update_map(level: str, scope: str, view: str, selection: dict | None):  # type: ignore[no-untyped-def]
    with read_session() as session:
        frame = overview.territory_situation(session, level, scope, stale_hours=settings.stale_hours)
    frame = _hover_columns(frame)
    selected = selection["code"] if selection and selection.get("level") == level else None
    return figures.choropleth(
        frame,
        level=level,
        value_column="occupancy",
        bands=settings.bands["occupancy"],
        title="Occupation des lits ouverts",
        hover_template=HOVER,
        custom_columns=["name", "code", "occupancy_text", "occupied_text", "open_text", "covid_text", "last_text"],
        selected=selected,
        view=view,
    )


@callback(
    Output(Ids.SELECTION, "data"),
    Input(Ids.MAP, "clickData"),
    Input(Ids.RESET, "n_clicks"),
    Input(Ids.LEVEL, "value"),
    State(Ids.SELECTION, "data"),
    prevent_initial_call=True,
)
def select_territory(click: dict | None, _reset: int | None, level: str, current: dict | None):  # type: ignore[no-untyped-def]
    if ctx.triggered_id == Ids.MAP and click and click.get("points"):
        code = click["points"][0].get("location")
        if code:
            return {"level": level, "code": str(code)}
        return no_update
    return None


@callback(
    Output(Ids.KPIS, "children"),
    Output(Ids.AS_OF, "children"),
    Output(Ids.TIMELINE, "figure"),
    Output(Ids.TIMELINE_TITLE, "children"),
    Output(Ids.TABLE, "rowData"),
    Output(Ids.TABLE_TITLE, "children"),
    Input(Ids.SELECTION, "data"),
    Input(Ids.SCOPE, "value"),
    Input(Ids.LEVEL, "value"),
)
def update_details(selection: dict | None, scope: str, level: str):  # type: ignore[no-untyped-def]
    territory = (selection["level"], selection["code"]) if selection else None
    now = datetime.now(UTC)
    with read_session() as session:
        names = beds.territory_names(session, territory[0]) if territory else {}
        figures_now = overview.national_figures(
            session, scope, territory=territory, stale_hours=settings.stale_hours, now=now
        )
        history = overview.timeline(session, scope, territory=territory)
        region = _region_of(session, territory)
        table = overview.territory_situation(
            session, level, scope, stale_hours=settings.stale_hours, now=now, within_region=region
        )
    place = names.get(territory[1], territory[1]) if territory else "France"
    kpis = _kpi_row(figures_now)
    as_of = _as_of_text(figures_now, now)
    timeline_figure = (
        figures.timeline(
            history,
            x="day",
            series=[("occupancy", "Occupation des lits ouverts", "#1f4e79")],
            secondary=[("occupied_covid", "Patients COVID", "#c0392b")],
            secondary_title="Patients COVID",
            y_title="Occupation",
            percent=True,
            bands=settings.bands["occupancy"],
        )
        if not history.empty
        else figures.empty_figure("Aucune déclaration pour ce territoire.")
    )
    rows = _table_rows(table, territory)
    table_title = (
        f"Départements de la région — {names.get(territory[1], '')}"
        if territory and territory[0] == "region"
        else "Départements de la même région"
        if territory and level == "department"
        else "Régions"
        if level == "region"
        else "Départements"
    )
    return kpis, as_of, timeline_figure, f"Occupation au fil des jours — {place}", rows, table_title


def _region_of(session, territory: tuple[str, str] | None) -> str | None:  # type: ignore[no-untyped-def]
    if territory is None:
        return None
    if territory[0] == "region":
        return territory[1]
    from data_access.models import Department

    department = session.get(Department, territory[1])
    return department.region_code if department else None


def _kpi_row(values: dict) -> dbc.Row:
    if not values:
        return dbc.Alert("Aucune déclaration de lits pour ce territoire.", color="warning")
    occupancy = values.get("occupancy")
    band = figures.band_index(occupancy, settings.bands["occupancy"])
    tension = values.get("tension")
    tension_band = figures.band_index(tension, settings.bands["tension"])
    return dbc.Row(
        [
            kpi_card(
                "Occupation des lits ouverts",
                formatting.percent(occupancy),
                f"{formatting.number(values['occupied'])} occupés / {formatting.number(values['open_beds'])} ouverts",
                color=settings.bands["occupancy"][band].color if band is not None else None,
                card_id="kpi-occupancy",
            ),
            kpi_card(
                "Lits libres",
                formatting.number(values.get("free_beds")),
                f"sur {formatting.number(values.get('installed'))} lits installés",
                card_id="kpi-free",
            ),
            kpi_card(
                "Tension hospitalière (soins critiques)",
                formatting.percent(tension, 0),
                f"{formatting.number(values.get('critical_covid'))} patients COVID / "
                f"{formatting.number(values.get('critical_baseline'))} lits initiaux · seuils 30 % / 60 %",
                color=settings.bands["tension"][tension_band].color if tension_band is not None else None,
                card_id="kpi-tension",
            ),
            kpi_card(
                "Établissements déclarants",
                formatting.number(values.get("establishments")),
                f"{formatting.number(values.get('stale_units'))} unités sans déclaration depuis "
                f"{settings.stale_hours:.0f} h",
                card_id="kpi-reporting",
            ),
        ],
        className="g-3",
    )


def _as_of_text(values: dict, now: datetime) -> str:
    if not values or values.get("last_report_at") is None:
        return "Aucune donnée"
    last = values["last_report_at"]
    return (
        f"Situation au {formatting.timestamp(last)} ({formatting.age(last, now)}) · "
        f"déclaration la plus ancienne : {formatting.timestamp(values.get('oldest_report_at'))}"
    )


def _table_rows(table: pd.DataFrame, territory: tuple[str, str] | None) -> list[dict]:
    frame = table.copy()
    frame["occupancy_pct"] = (frame["occupancy"] * 100).round(1)
    frame["tension_pct"] = (frame["tension"] * 100).round(0)
    frame["last_report"] = frame["last_report_at"].map(lambda t: formatting.timestamp(None if pd.isna(t) else t))
    columns = [
        "code",
        "name",
        "occupancy_pct",
        "occupied",
        "open_beds",
        "free_beds",
        "occupied_covid",
        "tension_pct",
        "stale_units",
        "last_report",
    ]
    frame = frame[columns].astype(object).where(frame[columns].notna(), None)
    return frame.to_dict("records")
