"""Registers the contact-tracing coverage page at `/tracing`: are cases and contacts reached in time."""

import dash

from pages.tracing import callbacks  # noqa: F401 - registers the page's callbacks
from pages.tracing.layout import layout

dash.register_page(
    __name__,
    path="/tracing",
    name="Contact-tracing",
    title="Contact-tracing — Salle de situation",
    order=5,
    layout=layout,
)
