"""Tables: dash-ag-grid with French texts and the defaults crisis cells expect (sort, filter, resize)."""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag

AG_GRID_FRENCH = {
    "page": "Page",
    "of": "sur",
    "to": "à",
    "more": "plus",
    "next": "Suivante",
    "last": "Dernière",
    "first": "Première",
    "previous": "Précédente",
    "pageSizeSelectorLabel": "Lignes par page :",
    "ariaPageSizeSelectorLabel": "Lignes par page",
    "pageLastRowUnknown": "?",
    "noRowsToShow": "Aucune ligne à afficher",
    "loadingOoo": "Chargement…",
    "loadingError": "Erreur",
    "filterOoo": "Filtrer…",
    "searchOoo": "Rechercher…",
    "selectAll": "(Tout sélectionner)",
    "blanks": "(Vide)",
    "equals": "Égal à",
    "notEqual": "Différent de",
    "blank": "Vide",
    "notBlank": "Non vide",
    "empty": "Choisir…",
    "lessThan": "Inférieur à",
    "greaterThan": "Supérieur à",
    "lessThanOrEqual": "Inférieur ou égal à",
    "greaterThanOrEqual": "Supérieur ou égal à",
    "inRange": "Entre",
    "inRangeStart": "De",
    "inRangeEnd": "À",
    "contains": "Contient",
    "notContains": "Ne contient pas",
    "startsWith": "Commence par",
    "endsWith": "Se termine par",
    "before": "Avant",
    "after": "Après",
    "andCondition": "ET",
    "orCondition": "OU",
    "applyFilter": "Appliquer",
    "resetFilter": "Réinitialiser",
    "clearFilter": "Effacer",
    "cancelFilter": "Annuler",
    "columns": "Colonnes",
    "filters": "Filtres",
    "pinColumn": "Épingler la colonne",
    "autosizeThisColumn": "Ajuster cette colonne",
    "autosizeAllColumns": "Ajuster toutes les colonnes",
    "resetColumns": "Réinitialiser les colonnes",
    "copy": "Copier",
    "export": "Exporter",
    "csvExport": "Export CSV",
    "sortAscending": "Tri croissant",
    "sortDescending": "Tri décroissant",
    "sortUnSort": "Annuler le tri",
    "ariaChecked": "coché",
    "ariaUnchecked": "non coché",
}

DEFAULT_COLUMN = {"sortable": True, "filter": True, "resizable": True, "flex": 1, "minWidth": 90}


def grid(
    grid_id: str,
    column_defs: list[dict],
    *,
    rows: list[dict] | None = None,
    page_size: int | None = 15,
    options: dict[str, Any] | None = None,
    **props: Any,
) -> dag.AgGrid:
    """An AG Grid in French; ``page_size=None`` shows every row."""
    grid_options: dict[str, Any] = {"domLayout": "autoHeight", "localeText": AG_GRID_FRENCH}
    if page_size:
        grid_options.update(
            pagination=True, paginationPageSize=page_size, paginationPageSizeSelector=[page_size, 50, 100]
        )
    grid_options.update(options or {})
    props.setdefault("defaultColDef", DEFAULT_COLUMN)
    return dag.AgGrid(id=grid_id, columnDefs=column_defs, rowData=rows or [], dashGridOptions=grid_options, **props)
