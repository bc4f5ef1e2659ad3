"""Registers the test-positivity page at `/testing`: animated map, territory comparison, ages and table."""

import dash

from pages.testing import callbacks  # noqa: F401 - registers the page's callbacks
from pages.testing.layout import layout

dash.register_page(
    __name__, path="/testing", name="Dépistage", title="Dépistage — Salle de situation", order=4, layout=layout
)
