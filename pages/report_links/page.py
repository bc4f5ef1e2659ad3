"""Registers `/report/links`: administrators and regional cells create and revoke password-less reporting links."""

import dash

from pages.report_links import callbacks  # noqa: F401 - registers the page's callbacks
from pages.report_links.layout import layout

dash.register_page(
    __name__,
    path="/report/links",
    name="Liens de déclaration",
    title="Liens de déclaration — Salle de situation",
    nav=False,
    layout=layout,
)
