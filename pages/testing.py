"""Test positivity (`/testing`): placeholder until its capability is built."""

import dash

from components.placeholder import not_yet

dash.register_page(__name__, path="/testing", name="Dépistage", title="Dépistage — Salle de situation", order=4)


def layout(**_query: str):  # type: ignore[no-untyped-def]
    return not_yet("Dépistage", "Incidence, positivité et taux de dépistage par territoire (SI-DEP).", "testing-page")
