"""Pure builders for the contact-tracing pages: rate texts, map, timeline with positivity, table and grid rows."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go

from components import formatting
from components.figures import FONT, band_index, choropleth, empty_figure
from components.geo import DEFAULT_VIEW
from data_access.models import CLUSTER_STATUSES
from data_access.queries.tracing import COUNT_FIELDS, RATES, TARGET_VALUES
from services.tracing import CLUSTER_TRANSITIONS
from settings import Band, settings

NO_DATA = "pas de donnée"
DEFAULT_PERIOD_DAYS = 7
CLUSTER_COLOR = "#5e3c99"
POSITIVITY_COLOR = "#b2182b"
TARGET_COLOR = "#1a9850"


@dataclass(frozen=True)
class RateView:
    """How a coverage rate is shown: its French labels, bands, target and line colour."""

    key: str
    label: str
    choice: str  # the wording of the rate selector
    color: str

    @property
    def numerator(self) -> str:
        return RATES[self.key].numerator

    @property
    def denominator(self) -> str:
        return RATES[self.key].denominator

    @property
    def percent(self) -> bool:
        return RATES[self.key].unit == "%"

    @property
    def bands(self) -> tuple[Band, ...]:
        return settings.bands[self.key]

    @property
    def target(self) -> float | None:
        return TARGET_VALUES.get(self.key)

    @property
    def target_text(self) -> str:
        if self.target is not None:
            return f"objectif ≥ {self.target:.0f} %"
        if self.key == "pct_known_as_contacts":
            return "pas d'objectif officiel (20–25 % à l'automne 2020)"
        return "pas d'objectif officiel"

    def format(self, value: float | None) -> str:
        return format_rate(value, percent=self.percent)

    def color_of(self, value: float | None) -> str | None:
        index = band_index(value, self.bands)
        return None if index is None else self.bands[index].color


RATE_VIEWS: dict[str, RateView] = {
    "pct_index_reached_4h": RateView(
        "pct_index_reached_4h", RATES["pct_index_reached_4h"].label, "% cas index joints en moins de 4 h", "#1f4e79"
    ),
    "pct_contacts_reached_24h": RateView(
        "pct_contacts_reached_24h",
        RATES["pct_contacts_reached_24h"].label,
        "% contacts joints en moins de 24 h",
        "#7b3294",
    ),
    "pct_known_as_contacts": RateView(
        "pct_known_as_contacts",
        RATES["pct_known_as_contacts"].label,
        "% nouveaux cas déjà connus comme contacts",
        "#00806e",
    ),
    "contacts_per_case": RateView(
        "contacts_per_case", RATES["contacts_per_case"].label, "Contacts identifiés par cas", "#4d4d4d"
    ),
}
# The three rates drawn on the timeline (contacts per case is not a percentage).
TIMELINE_RATES = ("pct_index_reached_4h", "pct_contacts_reached_24h", "pct_known_as_contacts")


def is_missing(value: object) -> bool:
    """True for None, NA, NaT and NaN: a figure that was not reported or cannot be computed."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def format_rate(value: float | None, *, percent: bool) -> str:
    """A rate in French: « 62 % » for percentages (already × 100), « 2,4 » for a ratio, « — » when missing."""
    if is_missing(value):
        return "—"
    assert value is not None
    if percent:
        return f"{value:.0f}".replace(".", ",") + "\u00a0%"
    return f"{value:.1f}".replace(".", ",")


def _count(value: object) -> str:
    return "—" if is_missing(value) else formatting.number(int(value))  # type: ignore[call-overload]


def rate_line(row: Mapping[str, object], rate: str) -> str:
    """« Cas index joints en moins de 4 h : 62 % — 310 / 500 — objectif ≥ 80 % » for one territory."""
    view = RATE_VIEWS[rate]
    value = row.get(rate)
    shown = NO_DATA if is_missing(value) else view.format(value)  # type: ignore[arg-type]
    ratio = f"{_count(row.get(view.numerator))} / {_count(row.get(view.denominator))}"
    return f"{view.label} : {shown} — {ratio} — {view.target_text}"


def as_of_text(moment: object, now: datetime | None = None) -> str:
    """« au 04/12/2026 21:00 (il y a 2 h) », or « aucune déclaration »."""
    if is_missing(moment) or moment is None:
        return "aucune déclaration"
    stamp = pd.Timestamp(moment).to_pydatetime()  # type: ignore[arg-type]
    return f"au {formatting.timestamp(stamp)} ({formatting.age(stamp, now)})"


def completeness_text(row: Mapping[str, object], level: str) -> str:
    """How complete the sums are: days reported of the period, and reporting departments for regions."""
    days = f"{_count(row.get('days_reported'))} / {_count(row.get('days_in_period'))} jours déclarés"
    if level == "department":
        return days
    departments = f"{_count(row.get('departments_reporting'))} / {_count(row.get('departments'))} départements"
    return f"{departments}, {days}"


MAP_HOVER = (
    "<b>%{customdata[0]}</b> (%{customdata[1]})<br>%{customdata[2]}<br>%{customdata[3]}<br>"
    "Dernière déclaration %{customdata[4]}<br>%{customdata[5]}<extra></extra>"
)
MAP_COLUMNS = ["name", "code", "rate_line", "completeness", "as_of", "clusters_line"]


def coverage_hover_frame(
    frame: pd.DataFrame, rate: str, level: str, *, active: pd.DataFrame | None = None, now: datetime | None = None
) -> pd.DataFrame:
    """The coverage frame with the hover texts of ``MAP_COLUMNS`` (and active clusters when given)."""
    shown = frame.copy()
    records = shown.to_dict("records")
    shown["rate_line"] = [rate_line(row, rate) for row in records]
    shown["completeness"] = [completeness_text(row, level) for row in records]
    shown["as_of"] = [as_of_text(row.get("last_reported_at"), now) for row in records]
    counts = active_clusters_by_territory(active, level) if active is not None else None
    if counts is None:
        shown["clusters_line"] = ""
    else:
        numbers = shown["code"].map(counts).fillna(0).astype(int)
        shown["clusters_line"] = [f"Clusters actifs : {count}" for count in numbers]
    return shown


def active_clusters_by_territory(active: pd.DataFrame, level: str) -> pd.Series:
    """Active clusters per department code, or summed per region code."""
    if active.empty:
        return pd.Series(dtype="int64")
    key = "code" if level == "department" else "region_code"
    return active.groupby(key)["active_clusters"].sum().astype("int64")


def coverage_map(
    frame: pd.DataFrame,
    *,
    level: str,
    rate: str,
    view: str = DEFAULT_VIEW,
    selected: str | None = None,
    active: pd.DataFrame | None = None,
    now: datetime | None = None,
    height: int = 560,
) -> go.Figure:
    """Choropleth of one coverage rate in its bands, the hover giving numerator, denominator, target and as of.

    With ``active`` (active_clusters_per_department), active clusters are drawn as circles sized by their count
    at each department's centroid: clusters have only a commune name, no coordinates of their own.
    """
    rate_view = RATE_VIEWS[rate]
    shown = coverage_hover_frame(frame, rate, level, active=active, now=now)
    figure = choropleth(
        shown,
        level=level,
        value_column=rate,
        bands=rate_view.bands,
        title=rate_view.choice,
        hover_template=MAP_HOVER,
        custom_columns=MAP_COLUMNS,
        selected=selected,
        view=view,
        height=height,
    )
    if active is not None:
        # A circle covers the middle of its department: its hover repeats the department's rate.
        context = dict(zip(shown["code"], shown["rate_line"], strict=True)) if level == "department" else {}
        add_cluster_circles(figure, active, context=context)
    return figure


def cluster_circle_sizes(counts: Sequence[int] | pd.Series, *, smallest: float = 6, largest: float = 24) -> list[float]:
    """Marker diameters whose area grows with the count (so 4 clusters look 4 times 1, not 16 times)."""
    values = [max(0, int(count)) for count in counts]
    if not values:
        return []
    top = max(values) or 1
    return [smallest + (largest - smallest) * math.sqrt(value / top) for value in values]


def _cluster_hover(row: Mapping[str, object], context: str | None = None) -> str:
    parts = [
        f"{int(row[status])} {label}"  # type: ignore[call-overload]
        for status, label in (("signal", "signalé(s)"), ("investigating", "en investigation"), ("active", "actif(s)"))
        if int(row[status] or 0)  # type: ignore[call-overload]
    ]
    text = (
        f"<b>{row['name']}</b> ({row['code']})<br>{int(row['active_clusters'])} cluster(s) non clôturé(s) : "  # type: ignore[call-overload]
        f"{', '.join(parts)}<br>{_count(row['cases_in_active_clusters'])} cas dans ces clusters"
    )
    return f"{text}<br>{context}" if context else text


def add_cluster_circles(
    figure: go.Figure, active: pd.DataFrame, *, context: Mapping[str, str] | None = None
) -> go.Figure:
    """Sized circles at department centroids for departments with at least one active cluster.

    ``context`` adds a line per department code to the hover (the department's rate on the coverage map).
    """
    present = active[(active["active_clusters"] > 0) & active["latitude"].notna()]
    if present.empty:
        return figure
    records = present.to_dict("records")
    figure.add_trace(
        go.Scattermap(
            lat=present["latitude"],
            lon=present["longitude"],
            mode="markers",
            marker={
                "size": cluster_circle_sizes(present["active_clusters"]),
                "color": CLUSTER_COLOR,
                "opacity": 0.6,
            },
            customdata=[[row["code"], row["name"], row["region_code"]] for row in records],
            hovertext=[_cluster_hover(row, (context or {}).get(str(row["code"]))) for row in records],
            hovertemplate="%{hovertext}<extra></extra>",
            name="Clusters actifs (surface ∝ nombre)",
            showlegend=True,
        )
    )
    figure.update_layout(
        showlegend=True,
        legend={"x": 0.99, "xanchor": "right", "y": 0.02, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"},
    )
    return figure


def coverage_timeline_figure(
    frame: pd.DataFrame, *, period: tuple[date, date] | None = None, height: int = 460
) -> go.Figure:
    """The three 7-day rates with the 80 % target line, and 7-day test positivity in a small chart beneath.

    Sharing the time axis, the cell sees tracing fall behind when positivity rises. Every point's hover gives
    its numerator and denominator; positivity's last days, whose results are still arriving, are dotted.
    """
    has_rates = not frame.empty and frame[list(TIMELINE_RATES)].notna().any().any()
    has_positivity = not frame.empty and frame["positivity_7d"].notna().any()
    if not has_rates and not has_positivity:
        return empty_figure("Aucune déclaration de contact-tracing sur cette période.", height=height)
    # One time axis under two stacked value axes (not subplots) so that a unified hover lists the rates and the
    # positivity of the same day together.
    figure = go.Figure()
    days = pd.to_datetime(frame["day"])
    for rate in TIMELINE_RATES:
        view = RATE_VIEWS[rate]
        figure.add_trace(
            go.Scatter(
                x=days,
                y=frame[rate],
                name=view.label,
                mode="lines",
                line={"color": view.color, "width": 2.5},
                customdata=frame[[view.numerator, view.denominator]].astype("float64").to_numpy(),
                hovertemplate=(
                    f"{view.label} : %{{y:.0f}} % (%{{customdata[0]:,.0f}} / %{{customdata[1]:,.0f}})<extra></extra>"
                ),
            )
        )
    targets = sorted({view.target for view in RATE_VIEWS.values() if view.target is not None})
    for target in targets:
        # A trace rather than a shape so that the legend names it and it never hides a line's label.
        figure.add_trace(
            go.Scatter(
                x=[days.min(), days.max()],
                y=[target, target],
                name=f"Objectif {target:.0f} %",
                mode="lines",
                line={"color": TARGET_COLOR, "dash": "dash", "width": 1.5},
                hoverinfo="skip",
            )
        )
    incomplete_mask = frame["positivity_incomplete"].astype(bool)
    complete = frame["positivity_7d"].where(~incomplete_mask)
    # The dotted part starts at the last complete day so that the two segments join.
    incomplete = frame["positivity_7d"].where(incomplete_mask | incomplete_mask.shift(-1, fill_value=False))
    tests = frame[["positives_7d", "tests_7d"]].astype("float64").to_numpy()
    for values, dash, name in (
        (complete, "solid", "Positivité des tests (7 j)"),
        (incomplete, "dot", "Positivité — résultats incomplets"),
    ):
        if values.notna().any():
            figure.add_trace(
                go.Scatter(
                    x=days,
                    y=values,
                    name=name,
                    mode="lines",
                    yaxis="y2",
                    line={"color": POSITIVITY_COLOR, "width": 2, "dash": dash},
                    customdata=tests,
                    hovertemplate=(
                        f"{name} : %{{y:.1f}} % (%{{customdata[0]:,.0f}} positifs / %{{customdata[1]:,.0f}} tests)"
                        "<extra></extra>"
                    ),
                )
            )
    top = float(frame["positivity_7d"].max()) if has_positivity else 10.0
    ceiling = max(top * 1.15, 1.0)
    lower = 0.0
    for band in settings.bands["positivity"]:
        upper = min(band.upper, ceiling) if band.upper is not None else ceiling
        if lower < ceiling:
            figure.add_shape(
                type="rect",
                xref="x domain",
                yref="y2",
                x0=0,
                x1=1,
                y0=lower,
                y1=upper,
                fillcolor=band.color,
                opacity=0.08,
                line_width=0,
                layer="below",
            )
        lower = upper
    if period is not None:
        start, end = period
        figure.add_shape(
            type="rect",
            xref="x",
            yref="paper",
            y0=0,
            y1=1,
            x0=pd.Timestamp(start) - pd.Timedelta(hours=12),
            x1=pd.Timestamp(end) + pd.Timedelta(hours=12),
            fillcolor="#6c757d",
            opacity=0.07,
            line_width=0,
            layer="below",
        )
    grid = {"showgrid": True, "gridcolor": "#eee"}
    figure.update_layout(
        height=height,
        margin={"l": 60, "r": 20, "t": 10, "b": 40},
        font=FONT,
        hovermode="x unified",
        hoversubplots="axis",
        legend={"orientation": "h", "y": -0.12, "font": {"size": 11}},
        plot_bgcolor="white",
        separators=", ",
        xaxis={"anchor": "y2", "tickformat": "%d/%m", "hoverformat": "%d/%m/%Y", **grid},
        yaxis={"domain": [0.38, 1], "title": {"text": "% sur 7 jours"}, "range": [0, 100], "ticksuffix": " %", **grid},
        yaxis2={
            "domain": [0, 0.28],
            "title": {"text": "Positivité"},
            "range": [0, ceiling],
            "ticksuffix": " %",
            **grid,
        },
    )
    return figure


def readable_text_color(background: str) -> str:
    """Dark text on a light band colour, white on a dark one (relative luminance of a #rrggbb colour)."""
    red, green, blue = (int(background.lstrip("#")[index : index + 2], 16) / 255 for index in (0, 2, 4))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#212529" if luminance > 0.55 else "#ffffff"


def last_positivity(frame: pd.DataFrame) -> dict | None:
    """The timeline's latest day with a complete 7-day positivity (else the latest at all), or None."""
    tested = frame.dropna(subset=["positivity_7d"]) if not frame.empty else frame
    if tested.empty:
        return None
    complete = tested[~tested["positivity_incomplete"].astype(bool)]
    return (complete if not complete.empty else tested).iloc[-1].to_dict()


@dataclass(frozen=True)
class RatePreview:
    """One rate computed from figures typed in the form, before they are saved."""

    key: str
    label: str
    value: float | None
    text: str
    color: str | None
    inconsistent: bool = False

    @property
    def badge(self) -> str:
        return "> 100 %" if self.inconsistent else RATE_VIEWS[self.key].format(self.value)


def _as_number(raw: object) -> float | None:
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return None if math.isnan(raw) else float(raw)
    try:
        return float(str(raw).replace(",", ".").strip())
    except ValueError:
        return None


def form_rates(values: Mapping[str, object]) -> list[RatePreview]:
    """The four rates of the figures being typed (field names as in TracingDaily), for a live preview.

    A rate whose parts are missing, or whose denominator is 0, shows « — »; no validation here (the server
    does it on save).
    """
    previews = []
    for key, view in RATE_VIEWS.items():
        numerator, denominator = _as_number(values.get(view.numerator)), _as_number(values.get(view.denominator))
        value = None
        ratio = f"{_count(numerator)} / {_count(denominator)}"
        if view.percent and numerator is not None and denominator is not None and numerator > denominator:
            # A part larger than its whole: say so rather than draw a reassuring « 200 % » in green.
            text = f"{view.label} : incohérent ({ratio}), la part dépasse le total"
            previews.append(RatePreview(key, view.label, None, text, None, inconsistent=True))
            continue
        if numerator is not None and denominator is not None and denominator > 0:
            value = numerator * (100.0 if view.percent else 1.0) / denominator
        text = f"{view.label} : {view.format(value)} ({ratio}) — {view.target_text}"
        previews.append(RatePreview(key, view.label, value, text, view.color_of(value)))
    return previews


def _round(value: object, digits: int) -> float | None:
    return None if is_missing(value) else round(float(value), digits)  # type: ignore[arg-type]


def _day_text(value: object) -> str:
    return "—" if is_missing(value) else pd.Timestamp(value).strftime("%d/%m/%Y")  # type: ignore[arg-type]


def territory_rows(
    frame: pd.DataFrame, level: str, *, active: pd.DataFrame | None = None, now: datetime | None = None
) -> list[dict]:
    """Rows of the territory table: each rate (1 decimal) with its numerator and denominator, completeness,
    last report and, when given, the number of active clusters."""
    counts = active_clusters_by_territory(active, level) if active is not None else None
    rows = []
    for record in frame.to_dict("records"):
        row: dict[str, object] = {"code": record["code"], "name": record["name"]}
        for rate in RATE_VIEWS:
            row[rate] = _round(record[rate], 1 if RATE_VIEWS[rate].percent else 2)
        for column in COUNT_FIELDS:
            row[column] = None if is_missing(record[column]) else int(record[column])
        row["median_contacts_per_case"] = _round(record["median_contacts_per_case"], 1)
        row["days"] = f"{_count(record['days_reported'])} / {_count(record['days_in_period'])}"
        row["departments"] = f"{_count(record['departments_reporting'])} / {_count(record['departments'])}"
        row["last_day"] = _day_text(record["last_day"])
        last = record["last_reported_at"]
        row["last_report"] = "—" if is_missing(last) else formatting.timestamp(pd.Timestamp(last).to_pydatetime())
        if counts is not None:
            row["active_clusters"] = int(counts.get(record["code"], 0))
        rows.append(row)
    return rows


def cluster_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows of the cluster grid: French labels, French dates, and the cluster id for selection."""
    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            {
                "cluster_id": int(record["cluster_id"]),
                "row_id": str(record["cluster_id"]),  # AG Grid row ids are strings
                "department": f"{record['department_code']} — {record['department_name']}",
                "department_code": record["department_code"],
                "commune": None if is_missing(record["commune"]) else record["commune"],
                "label": record["label"],
                "setting": record["setting"],
                "setting_label": record["setting_label"],
                "status": record["status"],
                "status_label": record["status_label"],
                "opened_on": _day_text(record["opened_on"]),
                "closed_on": _day_text(record["closed_on"]) if not is_missing(record["closed_on"]) else "",
                "cases": None if is_missing(record["cases"]) else int(record["cases"]),
                "updated": "—"
                if is_missing(record["updated_at"])
                else formatting.timestamp(pd.Timestamp(record["updated_at"]).to_pydatetime()),
            }
        )
    return rows


CHANNEL_LABELS = {"form": "formulaire", "upload": "fichier", "api": "API", "demo": "démonstration", "link": "lien"}


def history_rows(frame: pd.DataFrame) -> list[dict]:
    """Rows of the input page's history: the current version of each day with its rates and who sent it."""
    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            {
                "id": str(record["id"]),
                "day": pd.Timestamp(record["day"]).strftime("%Y-%m-%d"),
                "day_text": _day_text(record["day"]),
                **{name: int(record[name]) for name in COUNT_FIELDS},
                "contacts_per_case_median": _round(record["contacts_per_case_median"], 1),
                "pct_index_reached_4h": _round(record["pct_index_reached_4h"], 1),
                "pct_contacts_reached_24h": _round(record["pct_contacts_reached_24h"], 1),
                "pct_known_as_contacts": _round(record["pct_known_as_contacts"], 1),
                "reported": formatting.timestamp(pd.Timestamp(record["reported_at"]).to_pydatetime()),
                "by": "—" if is_missing(record["author_name"]) else record["author_name"],
                "channel": CHANNEL_LABELS.get(str(record["channel"]), str(record["channel"])),
                "versions": int(record["versions"]),
            }
        )
    return rows


def period_of(start_date: str | None, end_date: str | None, *, today: date) -> tuple[date, date]:
    """The period picked (ISO texts) as dates: never after today, start not after end, the last 7 days by default."""
    try:
        end = date.fromisoformat(end_date[:10]) if end_date else today
    except ValueError:
        end = today
    end = min(end, today)
    try:
        start = date.fromisoformat(start_date[:10]) if start_date else end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    except ValueError:
        start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return min(start, end), end


def status_options(current: str) -> list[dict[str, str]]:
    """The current status and those CLUSTER_TRANSITIONS allows from it, in the order of the investigation."""
    allowed = {current, *CLUSTER_TRANSITIONS.get(current, frozenset())}
    return [{"label": label, "value": key} for key, label in CLUSTER_STATUSES.items() if key in allowed]
