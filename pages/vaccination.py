"""Vaccine appointments (`/vaccination`): placeholder until its capability is built."""

import dash

from components.placeholder import not_yet

dash.register_page(__name__, path="/vaccination", name="Vaccination", title="Vaccination — Salle de situation", order=6)


def layout(**_query: str):  # type: ignore[no-untyped-def]
    return not_yet(
        "Vaccination",
        "Créneaux proposés, réservés et honorés par centre, doses restantes et liste d'attente.",
        "vaccination-page",
    )
