"""Pure builders of the test-positivity page: map (and its per-day Patch), comparison timeline, age heatmap, table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from dash import Patch

from components import figures, formatting
from components.geo import DEFAULT_VIEW
from settings import Band, settings

PER_100K = 100_000.0
INCOMPLETE_FILL = "#9e9e9e"
PALETTE = ("#1f4e79", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#a6761d", "#e6ab02", "#666666")
FRENCH_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
FRENCH_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclass(frozen=True)
class Measure:
    """What a view can show: a 7-day rate of DESIGN §4, or a count of positives or tests."""

    key: str
    label: str
    unit: str
    bands_key: str | None
    is_rate: bool

    @property
    def bands(self) -> tuple[Band, ...]:
        return settings.bands[self.bands_key] if self.bands_key else ()

    @property
    def percent(self) -> bool:
        return self.unit == "%"

    def value_text(self, value: float | None) -> str:
        """The value with its unit, French style: « 182 pour 100 000 », « 7,3 % », « 1 234 »."""
        if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
            return "—"
        if self.percent:
            return f"{value:.1f}".replace(".", ",") + "\u00a0%"
        text = decimal(value)
        return f"{text} {self.unit}" if self.unit else text


MEASURES: dict[str, Measure] = {
    "incidence": Measure("incidence", "Incidence", "pour 100 000", "incidence", True),
    "positivity": Measure("positivity", "Taux de positivité", "%", "positivity", True),
    "testing_rate": Measure("testing_rate", "Taux de dépistage", "pour 100 000", "testing_rate", True),
    "positives": Measure("positives", "Cas positifs", "", None, False),
    "tests": Measure("tests", "Tests réalisés", "", None, False),
}
MAP_INDICATORS = ("incidence", "positivity", "testing_rate")
# Only what varies per territory travels in customdata (it is what a day step sends); the words and the
# thresholds, constant for an indicator, are in the hover template.
MAP_CUSTOM_COLUMNS = [
    "name", "code", "value_text", "positives_text", "tests_text", "population_text", "band_text", "window_text",
    "change_text",
]  # fmt: skip
MAP_DETAILS = {
    "incidence": "%{customdata[3]} cas positifs sur 7 jours / %{customdata[5]} habitants",
    "positivity": "%{customdata[3]} cas positifs / %{customdata[4]} tests sur 7 jours",
    "testing_rate": "%{customdata[4]} tests sur 7 jours / %{customdata[5]} habitants",
}


# --- French texts -------------------------------------------------------------------------------------------------


def decimal(value: float) -> str:
    """A rate in French: no decimals from 100 up (« 1 234 »), one below (« 12,5 »)."""
    if abs(value) >= 100:
        return formatting.number(value)
    return f"{value:.1f}".replace(".", ",")


def short_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def long_date(day: date) -> str:
    """« jeudi 3 décembre 2026 », independent of the server's locale."""
    first = "1er" if day.day == 1 else str(day.day)
    return f"{FRENCH_WEEKDAYS[day.weekday()]} {first} {FRENCH_MONTHS[day.month - 1]} {day.year}"


def incomplete_since(last_day: date, incomplete_days: int | None = None) -> date:
    """First day whose results are still arriving (the last ``incomplete_days`` days of data)."""
    days = settings.incomplete_days if incomplete_days is None else incomplete_days
    return last_day - timedelta(days=days - 1)


def as_of_text(last_day: date | None, incomplete_days: int | None = None) -> str:
    """Header line: the data's last day and which days are incomplete."""
    if last_day is None:
        return "Aucune donnée de dépistage importée."
    days = settings.incomplete_days if incomplete_days is None else incomplete_days
    first_incomplete = incomplete_since(last_day, days)
    return (
        f"Données jusqu'au {short_date(last_day)} (date de prélèvement) · les {days} derniers jours "
        f"(du {first_incomplete:%d/%m} au {last_day:%d/%m}) sont incomplets : des résultats arrivent encore."
    )


def bands_text(bands: Sequence[Band], percent: bool) -> str:
    """« 10 / 50 / 150 / 250 » or « 5 / 10 % »: the thresholds between bands."""
    steps = [
        formatting.number(band.upper) if float(band.upper).is_integer() else decimal(band.upper)
        for band in bands
        if band.upper is not None
    ]
    return " / ".join(steps) + (" %" if percent else "")


def slider_marks(first: date, last: date, every_days: int = 14, most: int = 9) -> dict[int, str]:
    """Marks keyed by day ordinal, every two weeks back from the last day (wider on long spans)."""
    span = (last - first).days
    step = every_days
    while span // step >= most:
        step += every_days
    with_year = first.year != last.year
    marks: dict[int, str] = {}
    day = last
    while day >= first:
        marks[day.toordinal()] = day.strftime("%d/%m/%y" if with_year else "%d/%m")
        day -= timedelta(days=step)
    return dict(sorted(marks.items()))


# --- Map ----------------------------------------------------------------------------------------------------------


def with_all_territories(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Add the territories without data (NaN values), so they show grey with "no data" instead of vanishing."""
    missing = sorted(set(names) - set(frame["code"]))
    if not missing:
        return frame
    extra = pd.DataFrame({"code": missing, "name": [names[code] for code in missing]})
    combined = pd.concat([frame, extra.astype({"code": "string", "name": "string"})], ignore_index=True)
    return combined.sort_values("code", kind="stable", ignore_index=True)


def map_hover_template(measure: Measure) -> str:
    """Value, numerator and denominator, band and thresholds, window ("as of") and 7-day change."""
    return (
        "<b>%{customdata[0]}</b> (%{customdata[1]})<br>"
        f"{measure.label} : %{{customdata[2]}}<br>"
        f"{MAP_DETAILS[measure.key]}<br>"
        f"Seuil : %{{customdata[6]}} (seuils {bands_text(measure.bands, measure.percent)})<br>"
        "%{customdata[7]}<br>"
        "Évolution des cas sur 7 jours : %{customdata[8]}<extra></extra>"
    )


def map_hover_columns(frame: pd.DataFrame, measure: Measure) -> pd.DataFrame:
    """The per-territory parts of the hover (see ``map_hover_template``), as text columns."""
    frame = frame.copy()
    bands = measure.bands
    frame["value_text"] = [measure.value_text(value) for value in frame[measure.key]]
    frame["positives_text"] = frame["positives_7d"].map(_count)
    frame["tests_text"] = frame["tests_7d"].map(_count)
    frame["population_text"] = frame["population"].map(_count)
    frame["band_text"] = [
        bands[index].label if (index := figures.band_index(value, bands)) is not None else "—"
        for value in frame[measure.key]
    ]
    frame["window_text"] = [_window_text(row) for row in frame.itertuples(index=False)]
    frame["change_text"] = frame["incidence_change_pct"].map(_change_text)
    return frame


def _flag(value: Any) -> bool:
    """A flag that may be missing (territories without data have none)."""
    return False if value is None or pd.isna(value) else bool(value)


def _count(value: Any) -> str:
    return "—" if value is None or pd.isna(value) else formatting.number(float(value))


def _window_text(row: Any) -> str:
    if pd.isna(row.day):
        return "Aucune donnée sur la fenêtre"
    start, end = pd.Timestamp(row.window_start).date(), pd.Timestamp(row.day).date()
    text = f"Fenêtre du {start:%d/%m} au {short_date(end)}"
    days = row.days_in_window
    if not pd.isna(days) and int(days) < 7:
        text += f" (partielle : {int(days)} j sur 7)"
    if _flag(row.incomplete):
        text += " — jours incomplets, valeur provisoire"
    return text


def _change_text(change_pct: float | None) -> str:
    if change_pct is None or pd.isna(change_pct):
        return "—"
    return f"{change_pct:+.0f}".replace("-", "−") + "\u00a0%"


def _split_codes(frame: pd.DataFrame, measure: Measure) -> tuple[list[str], list[str], list[float]]:
    """Codes on the coloured trace, codes on the grey "no data" trace, and the coloured trace's z values —
    exactly as ``figures.choropleth`` splits them."""
    shown: list[str] = []
    missing: list[str] = []
    z: list[float] = []
    for code, value in zip(frame["code"], frame[measure.key], strict=True):
        index = figures.band_index(value, measure.bands)
        if index is None:
            missing.append(str(code))
        else:
            shown.append(str(code))
            z.append(index + 0.5)
    return shown, missing, z


def _signature(shown: list[str], missing: list[str]) -> str:
    return ",".join(shown) + "|" + ",".join(missing)


def positivity_map(
    frame: pd.DataFrame,
    *,
    level: str,
    measure: Measure,
    view: str = DEFAULT_VIEW,
    selected: str | None = None,
    height: int = 560,
) -> tuple[go.Figure, dict[str, Any]]:
    """The choropleth of one day, and the trace layout a later day may patch into (see ``map_patch``).

    ``frame`` comes from ``with_all_territories(indicators(...))`` through ``map_hover_columns``.
    """
    shown, missing, _z = _split_codes(frame, measure)
    figure = figures.choropleth(
        frame,
        level=level,
        value_column=measure.key,
        bands=measure.bands,
        title=f"{measure.label} ({'%' if measure.percent else measure.unit})",
        hover_template=map_hover_template(measure),
        custom_columns=MAP_CUSTOM_COLUMNS,
        selected=selected,
        view=view,
        height=height,
    )
    return figure, {"signature": _signature(shown, missing), "shown_index": 1 if missing else 0}


def map_patch(frame: pd.DataFrame, measure: Measure, layout: dict[str, Any] | None) -> Patch | None:
    """Only the colours (z) and hover texts of another day, or None when the map must be rebuilt.

    A rebuild is needed when a territory gains or loses its value: it then moves between the coloured and
    the grey trace. Otherwise the GeoJSON, legend and view stay in the browser and only values travel.
    """
    if not layout:
        return None
    shown, missing, z = _split_codes(frame, measure)
    if _signature(shown, missing) != layout.get("signature"):
        return None
    coloured = frame[frame["code"].isin(shown)]
    patch = Patch()
    index = layout["shown_index"]
    patch["data"][index]["z"] = z
    patch["data"][index]["customdata"] = coloured[MAP_CUSTOM_COLUMNS].astype(str).values.tolist()
    return patch


# --- Comparison timeline ------------------------------------------------------------------------------------------


def timeline_values(frame: pd.DataFrame, measure: Measure, per_100k: bool) -> pd.Series:
    """The plotted value: a rate as computed in SQL, or a count (optionally per 100 000 inhabitants)."""
    if measure.is_rate or not per_100k:
        return frame[measure.key].astype("float64")
    population = frame["population"].astype("float64")
    return frame[measure.key].astype("float64") * PER_100K / population.where(population > 0)


def _timeline_detail(frame: pd.DataFrame, measure: Measure, mode: str, per_100k: bool) -> list[str]:
    span = "sur 7 jours" if mode == "7d" else "ce jour"
    texts = []
    for positives, tests, population in zip(frame["positives"], frame["tests"], frame["population"], strict=True):
        cases, tested, people = _count(positives), _count(tests), _count(population)
        if measure.key == "positivity":
            texts.append(f"{cases} cas / {tested} tests {span}")
        elif measure.key == "incidence":
            texts.append(f"{cases} cas {span} / {people} hab.")
        elif measure.key == "testing_rate":
            texts.append(f"{tested} tests {span} / {people} hab.")
        else:
            count = cases if measure.key == "positives" else tested
            texts.append(f"{count} {span} / {people} hab." if per_100k else f"{span}")
    return texts


def timeline_title(measure: Measure, mode: str, per_100k: bool) -> str:
    """The y-axis title, short enough for the axis: the unit and the window (the measure is in its selector)."""
    window = "sur 7 jours" if mode == "7d" else "par jour"
    if measure.is_rate:
        unit = "%" if measure.percent else "pour 100 000 hab."
    else:
        unit = "pour 100 000 hab." if per_100k else "nombre"
    return f"{unit}, {window}"


def without_leading_partial_windows(frame: pd.DataFrame, by: str = "territory") -> pd.DataFrame:
    """Drop each series' 7-day values before its first full window (rows in day order within ``by``): at the
    start of the data they sum fewer than 7 days, and their rise would read as an epidemic rising."""
    if "days_in_window" not in frame or frame.empty:
        return frame
    full = frame["days_in_window"].fillna(0).astype(int) >= 7
    started = full.groupby(frame[by], sort=False).cummax()
    has_full = full.groupby(frame[by], sort=False).transform("any")
    return frame[started | ~has_full]


def comparison_timeline(
    frame: pd.DataFrame,
    *,
    measure: Measure,
    mode: str = "7d",
    log: bool = False,
    per_100k: bool = False,
    height: int = 400,
) -> go.Figure:
    """One line per territory (column ``territory``), the incomplete last days dotted over a grey band.

    Threshold bands are drawn as background strips and listed in the legend when they apply: always for
    positivity, and for 7-day incidence and testing rate (their thresholds are 7-day values).
    """
    if frame.empty:
        return figures.empty_figure("Aucune donnée pour cette sélection.", height=height)
    frame = (without_leading_partial_windows(frame) if mode == "7d" else frame).copy()
    frame["value"] = timeline_values(frame, measure, per_100k)
    if log:
        frame["value"] = frame["value"].where(frame["value"] > 0)
    frame["detail"] = _timeline_detail(frame, measure, mode, per_100k)
    percent = measure.percent
    number_format = ",.1f" if measure.is_rate or per_100k else ",.0f"
    suffix = " %" if percent else ""
    figure = go.Figure()
    for position, (territory, rows) in enumerate(frame.groupby("territory", sort=False)):
        color = PALETTE[position % len(PALETTE)]
        rows = rows.sort_values("day")
        complete = rows[~rows["incomplete"].astype(bool)]
        incomplete = rows[rows["incomplete"].astype(bool)]
        hover = f"{territory} : %{{y:{number_format}}}{suffix} (%{{customdata}})<extra>%{{x|%d/%m/%Y}}</extra>"
        figure.add_trace(
            go.Scatter(
                x=complete["day"],
                y=complete["value"],
                customdata=complete["detail"],
                name=str(territory),
                legendgroup=str(territory),
                mode="lines",
                line={"color": color, "width": 2.2},
                hovertemplate=hover,
            )
        )
        if not incomplete.empty:
            # Start the dotted part at the last complete day so that the line stays continuous.
            tail = pd.concat([complete.tail(1), incomplete])
            figure.add_trace(
                go.Scatter(
                    x=tail["day"],
                    y=tail["value"],
                    customdata=tail["detail"],
                    name=f"{territory} (incomplet)",
                    legendgroup=str(territory),
                    showlegend=False,
                    mode="lines+markers",
                    line={"color": color, "width": 2.2, "dash": "dot"},
                    marker={"size": 5, "color": color, "symbol": "circle-open"},
                    hovertemplate=hover.replace("<extra>", "<extra>incomplet · "),
                )
            )
    incomplete_days = frame.loc[frame["incomplete"].astype(bool), "day"]
    if not incomplete_days.empty:
        start = pd.Timestamp(incomplete_days.min()) - pd.Timedelta(hours=12)
        end = pd.Timestamp(frame["day"].max()) + pd.Timedelta(hours=12)
        figure.add_vrect(
            x0=start,
            x1=end,
            fillcolor=INCOMPLETE_FILL,
            opacity=0.18,
            line_width=0,
            layer="below",
            annotation_text="incomplet",
            annotation_position="top left",
            annotation_font={"size": 11, "color": "#555"},
        )
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": "#555", "width": 2, "dash": "dot"},
                name="Jours incomplets (provisoires)",
                hoverinfo="skip",
            )
        )
    if measure.bands and (mode == "7d" or percent):
        _add_bands(figure, measure, frame["value"], log)
    figure.update_layout(
        height=height,
        # Room above the plot for the modebar, so it never covers the "incomplet" label.
        margin={"l": 70, "r": 20, "t": 34, "b": 40},
        font=figures.FONT,
        hovermode="x unified",
        legend={"orientation": "h", "y": -0.14, "x": 0},
        plot_bgcolor="white",
        separators=", ",
        xaxis={"tickformat": "%d/%m/%y", "showgrid": True, "gridcolor": "#eee"},
        yaxis={
            "title": {"text": timeline_title(measure, mode, per_100k)},
            "type": "log" if log else "linear",
            "rangemode": "normal" if log else "tozero",
            "showgrid": True,
            "gridcolor": "#eee",
            # Plotly puts a suffix on a log axis's powers of ten only: the unit is in the title instead.
            "ticksuffix": "" if log else suffix,
            "exponentformat": "none",
            "separatethousands": True,
        },
    )
    return figure


def _add_bands(figure: go.Figure, measure: Measure, values: pd.Series, log: bool) -> None:
    """Background strips for each band, and a legend entry per band (a legend shows the active bands)."""
    highest = float(values.max()) if values.notna().any() else 0.0
    lowest_positive = float(values[values > 0].min()) if (values > 0).any() else 1.0
    # Shapes take data values on a log axis too, but zero has no logarithm: start at a tenth of the data.
    lower = lowest_positive / 10 if log else 0.0
    for position, band in enumerate(measure.bands):
        upper = band.upper if band.upper is not None else max(highest * 1.2, lower * 2, 1.0)
        if upper > lower:
            figure.add_hrect(y0=lower, y1=upper, fillcolor=band.color, opacity=0.10, line_width=0, layer="below")
        lower = upper
        figure.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 12, "color": band.color},
                # Named "Seuils : < 10", "10–50"…: one compact row under the territories.
                name=f"Seuils : {band.label}" if position == 0 else band.label,
                hoverinfo="skip",
            )
        )


# --- Age heatmap --------------------------------------------------------------------------------------------------


def weekly_windows(frame: pd.DataFrame, last_day: date) -> pd.DataFrame:
    """Keep the 7-day values of every seventh day back from ``last_day``: consecutive, non-overlapping weeks."""
    days = pd.to_datetime(frame["day"])
    back = (pd.Timestamp(last_day) - days).dt.days
    return frame[(back >= 0) & (back % 7 == 0)]


def age_heatmap(frame: pd.DataFrame, *, measure: Measure, last_day: date, height: int = 380) -> go.Figure:
    """Age class × week, coloured by the measure's bands (listed on the colour bar); incomplete weeks outlined.

    ``frame`` is ``age_timeline(...)`` (7-day values, every age class with ``age_label``).
    """
    ages = without_leading_partial_windows(frame[frame["age_class"] != "0"].sort_values("day"), by="age_class")
    weeks = weekly_windows(ages, last_day)
    if weeks.empty or weeks[measure.key].isna().all():
        return figures.empty_figure("Pas de valeur par classe d'âge pour ce territoire.", height=height)
    weeks = weeks.assign(day=pd.to_datetime(weeks["day"]))
    days = sorted(weeks["day"].unique())
    # SpF codes a class by its upper bound ("09" … "90"), so the codes sort in age order.
    classes = sorted(weeks["age_class"].unique())
    labels = dict(zip(weeks["age_class"], weeks["age_label"], strict=True))
    cells = {(row["age_class"], row["day"]): row for row in weeks.to_dict("records")}
    bands = measure.bands
    z: list[list[float | None]] = []
    customdata: list[list[list[str]]] = []
    for age_class in classes:
        z_row: list[float | None] = []
        data_row: list[list[str]] = []
        for day in days:
            cell = cells.get((age_class, day))
            index = None if cell is None else figures.band_index(cell[measure.key], bands)
            z_row.append(None if index is None else index + 0.5)
            data_row.append(["—", "", ""] if cell is None else _age_texts(cell, measure))
        z.append(z_row)
        customdata.append(data_row)
    figure = go.Figure(
        go.Heatmap(
            x=days,
            y=[labels[age_class] for age_class in classes],
            z=z,
            zmin=0,
            zmax=len(bands),
            colorscale=discrete_colorscale(bands),
            customdata=customdata,
            xgap=1,
            ygap=1,
            hovertemplate=(
                f"<b>%{{y}}</b><br>%{{customdata[2]}}<br>{measure.label} : %{{customdata[0]}}<br>"
                "%{customdata[1]}<extra></extra>"
            ),
            colorbar={
                "title": {"text": f"{measure.label}<br>({'%' if measure.percent else measure.unit})", "side": "top"},
                "tickvals": [index + 0.5 for index in range(len(bands))],
                "ticktext": [band.label for band in bands],
                "thickness": 12,
            },
        )
    )
    for day in sorted(weeks.loc[weeks["incomplete"].astype(bool), "day"].unique()):
        figure.add_vrect(
            x0=pd.Timestamp(day) - pd.Timedelta(days=3.5),
            x1=pd.Timestamp(day) + pd.Timedelta(days=3.5),
            line={"color": "#333", "width": 1.5, "dash": "dot"},
            fillcolor="rgba(0,0,0,0)",
            annotation_text="incomplète",
            annotation_position="top",
            annotation_font={"size": 11, "color": "#333"},
        )
    figure.update_layout(
        height=height,
        margin={"l": 110, "r": 20, "t": 40, "b": 40},
        font=figures.FONT,
        plot_bgcolor="white",
        separators=", ",
        xaxis={"tickformat": "%d/%m/%y", "title": {"text": "Semaine (dernier jour de la fenêtre de 7 jours)"}},
    )
    return figure


def discrete_colorscale(bands: Sequence[Band]) -> list[list[float | str]]:
    """One flat colour per band over z in [0, len(bands)], as the choropleth builder colours territories."""
    scale: list[list[float | str]] = []
    for index, band in enumerate(bands):
        scale += [[index / len(bands), band.color], [(index + 1) / len(bands), band.color]]
    return scale


def _age_texts(cell: dict[str, Any], measure: Measure) -> list[str]:
    end = pd.Timestamp(cell["day"]).date()
    start = end - timedelta(days=6)
    window = f"Semaine du {start:%d/%m} au {short_date(end)}" + (" — incomplète" if _flag(cell["incomplete"]) else "")
    return [measure.value_text(cell[measure.key]), _age_detail(cell, measure), window]


def _age_detail(row: dict[str, Any], measure: Measure) -> str:
    positives, tests, population = _count(row["positives"]), _count(row["tests"]), _count(row["population"])
    if measure.key == "positivity":
        return f"{positives} cas / {tests} tests sur 7 jours"
    if measure.key == "testing_rate":
        return f"{tests} tests sur 7 jours / {population} hab."
    return f"{positives} cas sur 7 jours / {population} hab."


# --- Table --------------------------------------------------------------------------------------------------------


TABLE_FIELDS = [
    "code", "name", "incidence", "positivity", "testing_rate", "positives_7d", "tests_7d", "population",
    "change_pct", "days_in_window", "incomplete",
]  # fmt: skip


def table_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per territory: the three rates, their counts, population, 7-day change and the incomplete flag."""
    if frame.empty:
        return []
    table = pd.DataFrame(
        {
            "code": frame["code"].astype(str),
            "name": frame["name"].astype(str),
            "incidence": frame["incidence"].round(1),
            "positivity": frame["positivity"].round(2),
            "testing_rate": frame["testing_rate"].round(0),
            "positives_7d": frame["positives_7d"],
            "tests_7d": frame["tests_7d"],
            "population": frame["population"].round(0),
            "change_pct": frame["incidence_change_pct"].round(1),
            "days_in_window": frame["days_in_window"],
            "incomplete": frame["incomplete"].map({True: "Oui", False: "Non"}),
        }
    )
    table = table.astype(object).where(table.notna(), None)
    return [{key: _plain(value) for key, value in row.items()} for row in table.to_dict("records")]


def _plain(value: Any) -> Any:
    """JSON-friendly numbers (numpy and pandas scalars become Python ones)."""
    if value is None or isinstance(value, str):
        return value
    number = float(value)
    return int(number) if number.is_integer() else number
