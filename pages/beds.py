"""Bed situation (`/beds`): placeholder until its capability is built."""

import dash

from components.placeholder import not_yet

dash.register_page(__name__, path="/beds", name="Lits", title="Lits — Salle de situation", order=1)


def layout(**_query: str):  # type: ignore[no-untyped-def]
    return not_yet(
        "Lits",
        "Carte, courbe et tableau des lits par type, établissements en retard de déclaration, recherche d'un lit.",
        "beds-page",
    )
