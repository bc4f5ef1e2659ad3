"""Staffing gaps and reinforcements (`/staffing`): placeholder until its capability is built."""

import dash

from components.placeholder import not_yet

dash.register_page(__name__, path="/staffing", name="Personnels", title="Personnels — Salle de situation", order=3)


def layout(**_query: str):  # type: ignore[no-untyped-def]
    return not_yet(
        "Personnels", "Besoins en personnels par établissement et profession, missions de renfort.", "staffing-page"
    )
