"""Drug stocks of hospital pharmacies (`/drugs`): placeholder until its capability is built."""

import dash

from components.placeholder import not_yet

dash.register_page(__name__, path="/drugs", name="Médicaments", title="Médicaments — Salle de situation", order=2)


def layout(**_query: str):  # type: ignore[no-untyped-def]
    return not_yet(
        "Médicaments",
        "Stocks des pharmacies à usage intérieur, jours de couverture et ruptures prévisibles.",
        "drugs-page",
    )
