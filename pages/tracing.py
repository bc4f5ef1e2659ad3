"""Tracing coverage (`/tracing`): placeholder until its capability is built."""

import dash

from components.placeholder import not_yet

dash.register_page(
    __name__, path="/tracing", name="Contact-tracing", title="Contact-tracing — Salle de situation", order=5
)


def layout(**_query: str):  # type: ignore[no-untyped-def]
    return not_yet("Contact-tracing", "Couverture du contact-tracing et clusters.", "tracing-page")
