"""Form controls with French texts: Dash's dropdown speaks English unless given its labels."""

from __future__ import annotations

from typing import Any

from dash import dcc

DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner",
    "deselect_all": "Tout désélectionner",
    "selected_count": "{num_selected} sélectionné(s)",
    "search": "Rechercher",
    "clear_search": "Effacer la recherche",
    "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucun résultat",
}


def dropdown(**props: Any) -> dcc.Dropdown:
    """A dcc.Dropdown with French labels and placeholder."""
    props.setdefault("labels", DROPDOWN_LABELS)
    props.setdefault("placeholder", "Choisir…")
    return dcc.Dropdown(**props)
