"""Registers the bed input page at `/report/beds`: a bed manager updates every unit in under 30 seconds."""

import dash

from pages.report_beds import callbacks  # noqa: F401 - registers the page's callbacks
from pages.report_beds.layout import layout

dash.register_page(
    __name__,
    path="/report/beds",
    name="Déclarer les lits",
    title="Déclarer les lits — Salle de situation",
    nav=False,
    layout=layout,
)
