"""Pure figure builders: data frames in, Plotly figures out; no database, no callbacks."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from components.geo import DEFAULT_VIEW, FEATURE_ID_KEY, GEOJSON_URLS, map_views
from settings import Band

NO_DATA_COLOR = "#d9d9d9"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def band_index(value: float | None, bands: Sequence[Band]) -> int | None:
    """Which band a value falls in (bands are ordered by upper bound; the last one is open-ended)."""
    if value is None or pd.isna(value):
        return None
    for index, band in enumerate(bands):
        if band.upper is None or value < band.upper:
            return index
    return len(bands) - 1


def _discrete_colorscale(bands: Sequence[Band]) -> list[list[float | str]]:
    steps = len(bands)
    scale: list[list[float | str]] = []
    for index, band in enumerate(bands):
        scale.append([index / steps, band.color])
        scale.append([(index + 1) / steps, band.color])
    return scale


def choropleth(
    frame: pd.DataFrame,
    *,
    level: str,
    value_column: str,
    bands: Sequence[Band],
    title: str,
    hover_template: str,
    custom_columns: Sequence[str],
    selected: str | None = None,
    view: str = DEFAULT_VIEW,
    height: int = 560,
) -> go.Figure:
    """A MapLibre choropleth coloured by indicator band, the legend listing every band.

    The boundaries are fetched by the browser from ``/assets`` (cached), never sent in the figure.
    ``frame`` needs a ``code`` column (INSEE code as a string) and ``value_column``.
    """
    steps = len(bands)
    indices = [band_index(value, bands) for value in frame[value_column]]
    has_value = [index is not None for index in indices]
    shown = frame[has_value]
    missing = frame[[not flag for flag in has_value]]
    figure = go.Figure()
    if not missing.empty:
        figure.add_trace(
            go.Choroplethmap(
                geojson=GEOJSON_URLS[level],
                featureidkey=FEATURE_ID_KEY,
                locations=missing["code"],
                z=[0] * len(missing),
                colorscale=[[0, NO_DATA_COLOR], [1, NO_DATA_COLOR]],
                showscale=False,
                marker={"line": {"color": "white", "width": 0.6}},
                customdata=missing[list(custom_columns)] if custom_columns else None,
                hovertemplate="<b>%{customdata[0]}</b><br>Pas de données<extra></extra>",
                name="Sans données",
            )
        )
    figure.add_trace(
        go.Choroplethmap(
            geojson=GEOJSON_URLS[level],
            featureidkey=FEATURE_ID_KEY,
            locations=shown["code"],
            z=[index + 0.5 for index in indices if index is not None],
            zmin=0,
            zmax=steps,
            colorscale=_discrete_colorscale(bands),
            marker={"line": {"color": "white", "width": 0.6}, "opacity": 0.9},
            customdata=shown[list(custom_columns)],
            hovertemplate=hover_template,
            colorbar={
                "tickvals": [index + 0.5 for index in range(steps)],
                "ticktext": [band.label for band in bands],
                # Top left lies over the Atlantic at every view, so the legend never hides a territory.
                "thickness": 12,
                "len": 0.42,
                "x": 0.01,
                "xanchor": "left",
                "y": 0.98,
                "yanchor": "top",
                "bgcolor": "rgba(255,255,255,0.7)",
            },
            name=title,
        )
    )
    if selected:
        figure.add_trace(
            go.Choroplethmap(
                geojson=GEOJSON_URLS[level],
                featureidkey=FEATURE_ID_KEY,
                locations=[selected],
                z=[0],
                colorscale=[[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
                showscale=False,
                marker={"line": {"color": "#111", "width": 2.5}},
                hoverinfo="skip",
                name="Sélection",
            )
        )
    chosen = map_views().get(view) or map_views()[DEFAULT_VIEW]
    figure.update_layout(
        map={"style": "white-bg", "center": chosen["center"], "zoom": chosen["zoom"]},
        # The legend's title sits above the map: inside it, its box would veil the land beneath.
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.99, "yanchor": "top", "font": {"size": 14}},
        margin={"l": 0, "r": 0, "t": 30, "b": 0},
        height=height,
        font=FONT,
        showlegend=False,
        # Keeps the user's pan and zoom when only the values change; a new view resets it.
        uirevision=f"{level}-{view}",
        clickmode="event",
    )
    return figure


def timeline(
    frame: pd.DataFrame,
    *,
    x: str,
    series: Sequence[tuple[str, str, str]],
    y_title: str,
    percent: bool = False,
    bands: Sequence[Band] | None = None,
    secondary: Sequence[tuple[str, str, str]] = (),
    secondary_title: str = "",
    height: int = 360,
) -> go.Figure:
    """Lines over time; ``series`` are (column, label, colour). Threshold bands are drawn as background strips."""
    figure = go.Figure()
    for column, label, color in series:
        figure.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[column],
                name=label,
                mode="lines",
                line={"color": color, "width": 2.5},
                hovertemplate=f"{label} : %{{y:{'.1%' if percent else ',.0f'}}}<extra>%{{x|%d/%m/%Y}}</extra>",
            )
        )
    for column, label, color in secondary:
        figure.add_trace(
            go.Scatter(
                x=frame[x],
                y=frame[column],
                name=label,
                mode="lines",
                line={"color": color, "width": 1.5, "dash": "dot"},
                yaxis="y2",
                hovertemplate=f"{label} : %{{y:,.0f}}<extra>%{{x|%d/%m/%Y}}</extra>",
            )
        )
    if bands and percent:
        lower = 0.0
        for band in bands:
            upper = (
                band.upper
                if band.upper is not None
                else max(1.0, float(frame[[c for c, _, _ in series]].max().max() or 1))
            )
            figure.add_hrect(y0=lower, y1=upper, fillcolor=band.color, opacity=0.08, line_width=0)
            lower = upper
    layout: dict = {
        "height": height,
        "margin": {"l": 60, "r": 60 if secondary else 20, "t": 10, "b": 40},
        "font": FONT,
        "hovermode": "x unified",
        "legend": {"orientation": "h", "y": -0.15},
        "yaxis": {"title": {"text": y_title}, "tickformat": ".0%" if percent else ",", "rangemode": "tozero"},
        "xaxis": {"tickformat": "%d/%m"},
        "plot_bgcolor": "white",
        "separators": ", ",
    }
    if secondary:
        layout["yaxis2"] = {
            "title": {"text": secondary_title},
            "overlaying": "y",
            "side": "right",
            "tickformat": ",.0f",
            "rangemode": "tozero",
            "showgrid": False,
        }
    figure.update_layout(**layout)
    figure.update_xaxes(showgrid=True, gridcolor="#eee")
    figure.update_yaxes(showgrid=True, gridcolor="#eee")
    return figure


def empty_figure(message: str, height: int = 360) -> go.Figure:
    figure = go.Figure()
    figure.add_annotation(text=message, showarrow=False, font={"size": 15, "color": "#666"})
    figure.update_layout(
        height=height,
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="white",
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
    )
    return figure


def add_establishment_points(
    figure: go.Figure,
    frame: pd.DataFrame,
    *,
    value_column: str,
    bands: Sequence[Band],
    hover_template: str,
    custom_columns: Sequence[str],
) -> go.Figure:
    """Establishments as dots coloured by band; late ones get a ring (orange: stale, red: overdue).

    ``frame`` needs latitude, longitude, ``value_column`` and a ``freshness`` column ("fresh", "stale",
    "overdue"). Only plain circles are used: symbol icons would need a sprite from the internet.
    """
    if frame.empty:
        return figure
    rings = {"stale": ("#ff9800", "Déclaration > 12 h"), "overdue": ("#b71c1c", "Déclaration > 24 h")}
    for freshness, (color, label) in rings.items():
        late = frame[frame["freshness"] == freshness]
        if not late.empty:
            figure.add_trace(
                go.Scattermap(
                    lat=late["latitude"],
                    lon=late["longitude"],
                    mode="markers",
                    marker={"size": 19, "color": color, "opacity": 0.9},
                    hoverinfo="skip",
                    name=label,
                    showlegend=True,
                )
            )
    colors = [
        bands[index].color if (index := band_index(value, bands)) is not None else NO_DATA_COLOR
        for value in frame[value_column]
    ]
    # A dark disc under each dot stands in for an outline (map markers have none), so a dot stays visible
    # on a territory of the same colour.
    figure.add_trace(
        go.Scattermap(
            lat=frame["latitude"],
            lon=frame["longitude"],
            mode="markers",
            marker={"size": 13, "color": "#263238", "opacity": 1},
            hoverinfo="skip",
            showlegend=False,
        )
    )
    figure.add_trace(
        go.Scattermap(
            lat=frame["latitude"],
            lon=frame["longitude"],
            mode="markers",
            marker={"size": 9, "color": colors, "opacity": 1},
            customdata=frame[list(custom_columns)],
            hovertemplate=hover_template,
            name="Établissements",
            showlegend=False,
        )
    )
    figure.update_layout(
        showlegend=True,
        legend={"x": 0.99, "xanchor": "right", "y": 0.02, "yanchor": "bottom", "bgcolor": "rgba(255,255,255,0.85)"},
    )
    return figure
