"""Registers the contact-tracing input page at `/report/tracing`: a platform sends a department's daily aggregates."""

import dash

from pages.report_tracing import callbacks  # noqa: F401 - registers the page's callbacks
from pages.report_tracing.layout import layout

dash.register_page(
    __name__,
    path="/report/tracing",
    name="Déclarer le contact-tracing",
    title="Déclarer le contact-tracing — Salle de situation",
    nav=False,
    layout=layout,
)
