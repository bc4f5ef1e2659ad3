"""Registers the situation overview at `/`: bed occupancy on a national map, key figures, timeline and table."""

import dash

from pages.overview import callbacks  # noqa: F401 - registers the page's callbacks
from pages.overview.layout import layout

dash.register_page(
    __name__, path="/", name="Vue d'ensemble", title="Vue d'ensemble — Salle de situation", order=0, layout=layout
)
