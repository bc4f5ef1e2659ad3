"""Callbacks of the bed situation page: thin wrappers over data_access queries and figure builders."""

from __future__ import annotations

from datetime import UTC, datetime

import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, ctx, dcc, html, no_update

from components import figures, formatting
from components.tables import grid, register_exports
from data_access.db import read_session
from data_access.models import Department, Establishment
from data_access.queries import beds, overview
from data_access.queries.beds_directory import OriginError, find_beds, overdue_establishments, resolve_origin
from data_access.queries.hospital import hospital_timeline
from pages.beds.ids import Ids
from pages.beds.indicators import INDICATORS
from pages.beds.layout import TABLE_COLUMNS
from services.auth import DetailScope, detail_scope
from services.web import current_principal
from settings import settings

FRESHNESS_LABELS = {"fresh": "À jour", "stale": "> 12 h", "overdue": "> 24 h"}
TERRITORY_HOVER = (
    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>%{customdata[2]}<br>"
    "%{customdata[3]} occupés / %{customdata[4]} ouverts · %{customdata[5]} libres<br>"
    "Dernière déclaration : %{customdata[6]}<extra></extra>"
)
POINT_HOVER = (
    "<b>%{customdata[1]}</b><br>%{customdata[2]} — %{customdata[3]}<br>"
    "Occupation : %{customdata[4]} (%{customdata[5]} occupés / %{customdata[6]} ouverts)<br>"
    "<b>Lits libres par type</b><br>%{customdata[7]}<br>"
    "Tél. %{customdata[8]}<br>Dernière déclaration : %{customdata[9]}<extra></extra>"
)


def _freshness(moment: datetime | None, now: datetime) -> str:
    if moment is None or pd.isna(moment):
        return "overdue"
    hours = (now - moment).total_seconds() / 3600
    return "fresh" if hours < settings.stale_hours else "stale" if hours < settings.overdue_hours else "overdue"


def _establishments(scope: DetailScope, bed_scope: str, selection: dict | None) -> pd.DataFrame:
    with read_session() as session:
        frame = beds.establishment_situation(
            session,
            bed_types=overview.bed_type_filter(session, bed_scope),
            region_code=scope.region_code,
            establishment_ids=scope.establishment_ids,
        )
    if frame.empty:
        return frame
    if selection and selection.get("level") == "department":
        frame = frame[frame["department_code"] == selection["code"]]
    elif selection and selection.get("level") == "region":
        frame = frame[frame["region_code"] == selection["code"]]
    elif selection and selection.get("level") == "establishment":
        frame = frame[frame["establishment_id"] == int(selection["code"])]
    now = datetime.now(UTC)
    frame = frame.copy()
    frame["freshness"] = frame["last_report_at"].map(lambda moment: _freshness(moment, now))
    return frame


@callback(
    Output(Ids.MAP, "figure"),
    Input(Ids.LEVEL, "value"),
    Input(Ids.INDICATOR, "value"),
    Input(Ids.SCOPE, "value"),
    Input(Ids.VIEW, "value"),
    Input(Ids.POINTS, "value"),
    Input(Ids.SELECTION, "data"),
)
def update_map(level: str, indicator_key: str, bed_scope: str, view: str, points: list[str], selection: dict | None):  # type: ignore[no-untyped-def]
    indicator = INDICATORS[indicator_key]
    with read_session() as session:
        frame = overview.territory_situation(session, level, bed_scope, stale_hours=settings.stale_hours)
    frame["value_text"] = frame[indicator.column].map(lambda v: f"{indicator.label} : {indicator.format(v)}")
    for column in ("occupied", "open_beds", "free_beds"):
        frame[f"{column}_text"] = frame[column].map(formatting.number)
    frame["last_text"] = frame["last_report_at"].map(lambda t: formatting.timestamp(None if pd.isna(t) else t))
    selected = selection["code"] if selection and selection.get("level") == level else None
    figure = figures.choropleth(
        frame,
        level=level,
        value_column=indicator.column,
        bands=indicator.bands,
        title=indicator.label,
        hover_template=TERRITORY_HOVER,
        selected=selected,
        view=view,
        custom_columns=["name", "code", "value_text", "occupied_text", "open_beds_text", "free_beds_text", "last_text"],
    )
    scope = detail_scope(current_principal())
    if "on" in (points or []) and scope is not None:
        places = _establishments(scope, bed_scope, None)
        if not places.empty:
            places["id_text"] = places["establishment_id"].astype(str)
            places["occupancy_text"] = places["occupancy"].map(formatting.percent)
            places["last_text"] = [f"{formatting.timestamp(t)} ({formatting.age(t)})" for t in places["last_report_at"]]
            places["phone_text"] = places["phone"].fillna("—")
            figures.add_establishment_points(
                figure,
                places,
                value_column="occupancy",
                bands=settings.bands["occupancy"],
                hover_template=POINT_HOVER,
                custom_columns=[
                    "id_text",
                    "name",
                    "commune",
                    "department_code",
                    "occupancy_text",
                    "occupied",
                    "open_beds",
                    "free_by_type",
                    "phone_text",
                    "last_text",
                ],
            )
    return figure


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
    if isinstance(custom, list) and custom and str(custom[0]).isdigit():
        return {"level": "establishment", "code": str(custom[0]), "name": custom[1]}
    return no_update


def _place_name(selection: dict | None) -> str:
    if not selection:
        return "France"
    if selection["level"] == "establishment":
        return selection.get("name") or "Établissement"
    with read_session() as session:
        return beds.territory_names(session, selection["level"]).get(selection["code"], selection["code"])


def _change_text(history: pd.DataFrame, column: str, percent: bool) -> str:
    values = history.dropna(subset=[column])
    if len(values) < 8:
        return "Évolution sur 7 jours : historique insuffisant."
    latest, week_ago = values[column].iloc[-1], values[column].iloc[-8]
    delta = latest - week_ago
    if percent:
        return f"Évolution sur 7 jours : {delta * 100:+.1f} points".replace(".", ",")
    return f"Évolution sur 7 jours : {delta:+,.0f}".replace(",", "\u202f")


def _open_data_block(selection: dict | None) -> html.Div | str:
    level, code = ("country", None) if not selection else (selection["level"], selection["code"])
    if level == "establishment":
        return ""
    with read_session() as session:
        days = hospital_timeline(session, level, code, datetime(2020, 1, 1).date(), datetime.now(UTC).date())
    if not days:
        return html.Div(
            "Données hospitalières de Santé publique France : non importées "
            "(« flask --app app import hospital FICHIER »).",
            className="small text-muted",
        )
    frame = pd.DataFrame(days)
    frame["day"] = pd.to_datetime(frame["day"])
    figure = figures.timeline(
        frame,
        x="day",
        y_title="Patients",
        series=[("hospitalised", "Hospitalisés COVID", "#6a3d9a"), ("intensive_care", "dont réanimation", "#e31a1c")],
        height=260,
    )
    return html.Div(
        [
            html.H3("Patients COVID hospitalisés — données ouvertes Santé publique France", className="h6 mt-3"),
            dcc.Graph(figure=figure, config={"displaylogo": False}, id="beds-open-data-graph"),
        ]
    )


def _table_rows(frame: pd.DataFrame) -> list[dict]:
    if frame.empty:
        return []
    rows = frame.assign(
        occupancy_pct=(frame["occupancy"] * 100).round(1),
        last_report=[f"{formatting.timestamp(t)} ({formatting.age(t)})" for t in frame["last_report_at"]],
        freshness_label=frame["freshness"].map(FRESHNESS_LABELS),
    )
    columns = [
        "establishment_id",
        "name",
        "department_code",
        "commune",
        "kind",
        "open_beds",
        "occupied",
        "free_beds",
        "occupancy_pct",
        "occupied_covid",
        "last_report",
        "freshness_label",
        "phone",
        "finess",
    ]
    rows = rows[columns]
    return rows.astype(object).where(rows.notna(), None).to_dict("records")


@callback(
    Output(Ids.TIMELINE, "figure"),
    Output(Ids.TIMELINE_TITLE, "children"),
    Output(Ids.CHANGE, "children"),
    Output(Ids.OPEN_DATA, "children"),
    Output(Ids.AS_OF, "children"),
    Input(Ids.SELECTION, "data"),
    Input(Ids.INDICATOR, "value"),
    Input(Ids.SCOPE, "value"),
)
def update_timeline(selection: dict | None, indicator_key: str, bed_scope: str):  # type: ignore[no-untyped-def]
    indicator = INDICATORS[indicator_key]
    territory = (selection["level"], selection["code"]) if selection else None
    if territory and territory[0] == "establishment" and detail_scope(current_principal()) is None:
        territory = None
    with read_session() as session:
        history = overview.timeline(session, bed_scope, territory=territory)
        last = beds.last_received(session)
    place = _place_name(selection)
    if history.empty:
        figure = figures.empty_figure("Aucune déclaration pour cette sélection.")
        change = ""
    else:
        figure = figures.timeline(
            history,
            x="day",
            series=[(indicator.column, indicator.label, "#1f4e79")],
            y_title=indicator.label,
            percent=indicator.percent,
            bands=indicator.bands if indicator.percent else None,
        )
        change = _change_text(history, indicator.column, indicator.percent)
    as_of = f"Dernière déclaration reçue : {formatting.timestamp(last)} ({formatting.age(last)})" if last else ""
    return figure, f"{indicator.label} — {place}", change, _open_data_block(selection), as_of


@callback(
    Output(Ids.TABLE, "rowData"),
    Output(Ids.TABLE_TITLE, "children"),
    Output(Ids.OVERDUE, "rowData"),
    Output(Ids.OVERDUE_TITLE, "children"),
    Input(Ids.SELECTION, "data"),
    Input(Ids.SCOPE, "value"),
)
def update_tables(selection: dict | None, bed_scope: str):  # type: ignore[no-untyped-def]
    scope = detail_scope(current_principal())
    if scope is None:
        return [], "", [], ""
    frame = _establishments(scope, bed_scope, selection)
    place = _place_name(selection)
    department = selection["code"] if selection and selection["level"] == "department" else None
    region = scope.region_code or (selection["code"] if selection and selection["level"] == "region" else None)
    with read_session() as session:
        late = overdue_establishments(
            session, region_code=region, department_code=department, establishment_ids=scope.establishment_ids
        )
    overdue_rows = [
        {
            "name": item.name,
            "department_code": item.department_code,
            "phone": item.phone or "—",
            "level_label": {"never": "Jamais déclaré", "overdue": "> 24 h", "stale": "> 12 h"}[item.level],
            "hours": None if item.hours_since is None else round(item.hours_since, 1),
            "last_report": formatting.timestamp(item.last_report_at),
        }
        for item in late
    ]
    return (
        _table_rows(frame),
        f"Établissements — {place} ({len(frame)})",
        overdue_rows,
        f"À relancer : sans déclaration depuis {settings.stale_hours:.0f} h ou {settings.overdue_hours:.0f} h "
        f"({len(overdue_rows)})",
    )


@callback(
    Output(Ids.FIND_ESTABLISHMENT, "options"),
    Input(Ids.FIND_ORIGIN_KIND, "value"),
)
def establishment_options(_kind: str):  # type: ignore[no-untyped-def]
    scope = detail_scope(current_principal())
    if scope is None:
        return []
    from sqlalchemy import select

    with read_session() as session:
        query = (
            select(Establishment.id, Establishment.name, Establishment.department_code)
            .join(Department, Establishment.department_code == Department.code)
            .where(Establishment.kind.in_(("CHU", "CH", "CLINIQUE", "ESPIC")))
            .order_by(Establishment.name)
        )
        if scope.region_code:
            query = query.where(Department.region_code == scope.region_code)
        rows = session.execute(query).all()
    return [{"label": f"{name} ({code})", "value": identifier} for identifier, name, code in rows]


@callback(
    Output(Ids.FIND_RESULT, "children"),
    Input(Ids.FIND_SUBMIT, "n_clicks"),
    State(Ids.FIND_ORIGIN_KIND, "value"),
    State(Ids.FIND_DEPARTMENT, "value"),
    State(Ids.FIND_COMMUNE, "value"),
    State(Ids.FIND_ESTABLISHMENT, "value"),
    State(Ids.FIND_BED_TYPE, "value"),
    State(Ids.FIND_NEEDS, "value"),
    prevent_initial_call=True,
)
def find(
    _clicks: int | None,
    kind: str,
    department: str | None,
    commune: str | None,
    establishment_id: int | None,
    bed_type: str,
    needs: list[str],
):  # type: ignore[no-untyped-def]
    scope = detail_scope(current_principal())
    if scope is None:
        return dbc.Alert("Recherche réservée aux cellules de crise.", color="danger")
    origin_args = {
        "department": {"department_code": department},
        "commune": {"commune": (commune or "").strip() or None, "department_code": department},
        "establishment": {"establishment_id": establishment_id},
    }[kind]
    now = datetime.now(UTC)
    with read_session() as session:
        try:
            origin = resolve_origin(session, **origin_args)
        except OriginError as problem:
            return dbc.Alert(str(problem), color="warning", id="beds-find-error")
        offers = find_beds(
            session,
            origin,
            bed_type,
            need_invasive="invasive" in needs,
            need_ecmo="ecmo" in needs,
            now=now,
            region_code=scope.region_code,
        )
    if not offers:
        return dbc.Alert(f"Aucun lit libre de ce type depuis {origin.label}.", color="warning", id="beds-find-none")
    rows = [
        {
            "rank": rank,
            "name": offer.name,
            "distance_km": round(offer.distance_km, 1),
            "free_beds": offer.free_beds,
            "invasive_available": offer.invasive_available,
            "ecmo_available": offer.ecmo_available,
            "phone": offer.phone or "—",
            "commune": f"{offer.commune} ({offer.department_code})",
            "freshness": ("⚠ " if offer.stale else "")
            + f"{formatting.age(offer.reported_at, now)}"
            + (" — chiffres anciens" if offer.overdue else " — à vérifier" if offer.stale else ""),
        }
        for rank, offer in enumerate(offers, start=1)
    ]
    from pages.beds.layout import FIND_COLUMNS

    return html.Div(
        [
            html.P(
                f"Depuis {origin.label} : {len(rows)} établissement(s), du plus proche au plus éloigné. Les chiffres "
                "anciens sont signalés, pas masqués.",
                className="small",
            ),
            grid("beds-find-grid", FIND_COLUMNS, rows=rows, page_size=None),
        ]
    )


export_csv, export_xlsx = register_exports(
    grid_id=Ids.TABLE,
    csv_button=Ids.EXPORT_CSV,
    xlsx_button=Ids.EXPORT_XLSX,
    download_id=Ids.DOWNLOAD,
    column_defs=TABLE_COLUMNS,
    sheet="Lits",
    file_stem="lits-etablissements",
)
