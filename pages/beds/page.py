"""Registers the bed situation page at `/beds`: saturation map, timeline, table, overdue list, find a bed."""

import dash

from pages.beds import callbacks  # noqa: F401 - registers the page's callbacks
from pages.beds.layout import layout

dash.register_page(__name__, path="/beds", name="Lits", title="Lits — Salle de situation", order=1, layout=layout)
