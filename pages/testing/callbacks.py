"""Callbacks of the test-positivity page: thin wrappers over the testing queries and the pure figure builders.

The map is rebuilt when the indicator, level, view or selection changes; when only the day changes (slider,
play button) it receives a ``Patch`` with the new colours and hover texts. Play and pause run in the browser.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from dash import Input, Output, State, callback, clientside_callback, ctx, html, no_update
from dash.exceptions import PreventUpdate

from components import figures
from components import testing_figures as tf
from components.tables import register_exports
from data_access.db import read_session
from data_access.queries import testing
from pages.testing import territories
from pages.testing.ids import Ids
from pages.testing.layout import PAUSE_LABEL, PLAY_LABEL, TABLE_COLUMNS

MAX_COMPARED = 8
LEVEL_TITLES = {"department": "Départements", "region": "Régions"}


@callback(
    Output(Ids.MAP, "figure"),
    Output(Ids.MAP_LAYOUT, "data"),
    Output(Ids.DAY_LABEL, "children"),
    Output(Ids.DAY_NOTE, "children"),
    Input(Ids.SLIDER, "value"),
    Input(Ids.LEVEL, "value"),
    Input(Ids.INDICATOR, "value"),
    Input(Ids.VIEW, "value"),
    Input(Ids.SELECTION, "data"),
    State(Ids.MAP_LAYOUT, "data"),
)
def update_map(  # type: ignore[no-untyped-def]
    day_number: int, level: str, indicator: str, view: str, selection: dict | None, shown: dict | None
):
    day = date.fromordinal(int(day_number))
    measure = tf.MEASURES[indicator]
    with read_session() as session:
        values = testing.indicators(session, level, day)
        names = testing.territory_names(session, level)
    frame = tf.map_hover_columns(tf.with_all_territories(values, names), measure)
    selected = selection["code"] if selection and selection.get("level") == level else None
    key = f"{level}|{indicator}|{view}|{selected}"
    label = f"{measure.label} sur 7 jours au {tf.long_date(day)} (fenêtre {_window(day)})"
    note = (
        html.Div(
            "⚠ Jour incomplet : des résultats arrivent encore, les valeurs sont provisoires (sous-estimées).",
            className="alert alert-warning py-1 px-2 mb-1 small",
            id="testing-incomplete-note",
        )
        if bool(values["incomplete"].any())
        else ""
    )
    patch = tf.map_patch(frame, measure, shown) if shown and shown.get("key") == key else None
    if ctx.triggered_id == Ids.SLIDER and patch is not None:
        return patch, {**shown, "day": day_number}, label, note
    figure, trace_layout = tf.positivity_map(frame, level=level, measure=measure, view=view, selected=selected)
    return figure, {**trace_layout, "key": key, "day": day_number}, label, note


def _window(day: date) -> str:
    return f"du {day - timedelta(days=6):%d/%m} au {tf.short_date(day)}"


# While the map plays, only the map follows the days: the table's day is passed on in the browser, and only
# when the animation is paused or over, so playing sends no table request at all.
clientside_callback(
    """
    function(value, paused) {
        return paused ? value : window.dash_clientside.no_update;
    }
    """,
    Output(Ids.TABLE_DAY, "data"),
    Input(Ids.SLIDER, "value"),
    Input(Ids.INTERVAL, "disabled"),
)


@callback(
    Output(Ids.TABLE, "rowData"),
    Output(Ids.TABLE_TITLE, "children"),
    Input(Ids.TABLE_DAY, "data"),
    Input(Ids.LEVEL, "value"),
)
def update_table(day_number: int | None, level: str):  # type: ignore[no-untyped-def]
    if day_number is None:
        raise PreventUpdate
    day = date.fromordinal(int(day_number))
    with read_session() as session:
        rows = tf.table_rows(testing.indicators(session, level, day))
    return rows, f"{LEVEL_TITLES[level]} — fenêtre {_window(day)} ({len(rows)})"


@callback(
    Output(Ids.SELECTION, "data"),
    Output(Ids.COMPARE, "value"),
    Output(Ids.AGE_TERRITORY, "value"),
    Input(Ids.MAP, "clickData"),
    State(Ids.LEVEL, "value"),
    State(Ids.COMPARE, "value"),
    prevent_initial_call=True,
)
def select_territory(click: dict | None, level: str, compared: list[str] | None):  # type: ignore[no-untyped-def]
    code = (click or {}).get("points", [{}])[0].get("location")
    if not code:
        return no_update, no_update, no_update
    choice = territories.value(level, str(code))
    chosen = [value for value in (compared or []) if value != choice] + [choice]
    if len(chosen) > MAX_COMPARED:
        # Keep the first choice (France by default) as the reference and drop the oldest additions.
        chosen = chosen[:1] + chosen[-(MAX_COMPARED - 1) :]
    return {"level": level, "code": str(code)}, chosen, choice


@callback(
    Output(Ids.MEASURE, "value"),
    Input(Ids.INDICATOR, "value"),
    prevent_initial_call=True,
)
def follow_indicator(indicator: str) -> str:
    return indicator


def _compared_timelines(choices: list[str], mode: str) -> pd.DataFrame:
    by_level: dict[str, list[str]] = {}
    for choice in choices:
        level, code = territories.parse(choice)
        by_level.setdefault(level, []).append(code)
    parts: dict[str, pd.DataFrame] = {}
    with read_session() as session:
        for level, codes in by_level.items():
            first, last = testing.available_days(session, level)
            if first is None or last is None:
                continue
            frame = testing.timeline(session, level, codes, first, last, window=mode)
            for code, rows in frame.groupby("code", sort=False):
                name = str(rows["name"].iloc[0])
                parts[territories.value(level, str(code))] = rows.assign(
                    territory=territories.label(level, str(code), name)
                )
    # Lines (and colours) follow the order in which the territories were chosen.
    ordered = [parts[choice] for choice in choices if choice in parts]
    return pd.concat(ordered, ignore_index=True) if ordered else pd.DataFrame()


@callback(
    Output(Ids.TIMELINE, "figure"),
    Output(Ids.PER_100K, "disabled"),
    Output(Ids.PER_100K_NOTE, "children"),
    Input(Ids.COMPARE, "value"),
    Input(Ids.MEASURE, "value"),
    Input(Ids.MODE, "value"),
    Input(Ids.SCALE, "value"),
    Input(Ids.PER_100K, "value"),
)
def update_timeline(  # type: ignore[no-untyped-def]
    choices: list[str] | None, measure_key: str, mode: str, scale: str, per_100k: bool
):
    measure = tf.MEASURES[measure_key]
    note = "Sans objet pour un taux (déjà pour 100 000 habitants, ou en %)." if measure.is_rate else ""
    if not choices:
        return figures.empty_figure("Choisissez au moins un territoire."), measure.is_rate, note
    frame = _compared_timelines(choices, mode)
    figure = tf.comparison_timeline(
        frame, measure=measure, mode=mode, log=scale == "log", per_100k=bool(per_100k) and not measure.is_rate
    )
    return figure, measure.is_rate, note


@callback(
    Output(Ids.AGE, "figure"),
    Output(Ids.AGE_TITLE, "children"),
    Output(Ids.AGE_NOTE, "children"),
    Input(Ids.AGE_TERRITORY, "value"),
    Input(Ids.INDICATOR, "value"),
)
def update_ages(choice: str | None, indicator: str):  # type: ignore[no-untyped-def]
    measure = tf.MEASURES[indicator]
    level, code = territories.parse(choice or territories.FRANCE)
    with read_session() as session:
        first, last = testing.available_days(session, level)
        names = testing.territory_names(session, level)
        frame = testing.age_timeline(session, level, code, first, last) if first and last else pd.DataFrame()
    place = territories.label(level, code, names.get(code, code))
    title = f"{measure.label} par classe d'âge — {place}"
    if frame.empty or last is None:
        return figures.empty_figure("Aucune donnée pour ce territoire."), title, ""
    note = (
        "Chaque colonne est une fenêtre de 7 jours qui se termine le jour indiqué ; la dernière, qui contient "
        "les jours incomplets, est encadrée en pointillés."
    )
    ages = frame[frame["age_class"] != testing.ALL_AGES]
    if measure.key != "positivity" and ages["population"].isna().all():
        note = (
            "Population par classe d'âge absente des fichiers importés : ce taux n'est pas calculable par âge "
            "(le taux de positivité l'est)."
        )
    return tf.age_heatmap(frame, measure=measure, last_day=last), title, note


# Play / pause: starting at the last day restarts from the first one.
clientside_callback(
    f"""
    function(clicks, disabled, value, min, max) {{
        if (!disabled) {{
            return [true, "{PLAY_LABEL}", window.dash_clientside.no_update];
        }}
        return [false, "{PAUSE_LABEL}", value >= max ? min : window.dash_clientside.no_update];
    }}
    """,
    Output(Ids.INTERVAL, "disabled"),
    Output(Ids.PLAY, "children"),
    Output(Ids.SLIDER, "value"),
    Input(Ids.PLAY, "n_clicks"),
    State(Ids.INTERVAL, "disabled"),
    State(Ids.SLIDER, "value"),
    State(Ids.SLIDER, "min"),
    State(Ids.SLIDER, "max"),
    prevent_initial_call=True,
)

# Each tick moves one day on, but only once the map shows the current day: a slow answer delays the
# animation instead of piling requests up on the server.
clientside_callback(
    f"""
    function(ticks, value, max, shown) {{
        const no = window.dash_clientside.no_update;
        if (!shown || shown.day !== value) {{
            return [no, no, no];
        }}
        if (value >= max) {{
            return [no, true, "{PLAY_LABEL}"];
        }}
        return [value + 1, no, no];
    }}
    """,
    Output(Ids.SLIDER, "value", allow_duplicate=True),
    Output(Ids.INTERVAL, "disabled", allow_duplicate=True),
    Output(Ids.PLAY, "children", allow_duplicate=True),
    Input(Ids.INTERVAL, "n_intervals"),
    State(Ids.SLIDER, "value"),
    State(Ids.SLIDER, "max"),
    State(Ids.MAP_LAYOUT, "data"),
    prevent_initial_call=True,
)


export_csv, export_xlsx = register_exports(
    grid_id=Ids.TABLE,
    csv_button=Ids.EXPORT_CSV,
    xlsx_button=Ids.EXPORT_XLSX,
    download_id=Ids.DOWNLOAD,
    column_defs=TABLE_COLUMNS,
    sheet="Dépistage",
    file_stem="depistage-territoires",
)
