"""Tables: dash-ag-grid with French texts and the defaults crisis cells expect (sort, filter, resize)."""

from __future__ import annotations

from collections.abc import Callable
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


def column_headers(column_defs: list[dict], prefix: str = "") -> dict[str, str]:
    """field -> header of a grid's columns, a grouped column named « group — child »."""
    headers: dict[str, str] = {}
    for column in column_defs:
        if "children" in column:
            headers.update(column_headers(column["children"], f"{column['headerName']} — "))
        else:
            headers[column["field"]] = prefix + column["headerName"]
    return headers


def xlsx_bytes(rows: list[dict] | None, column_defs: list[dict], sheet: str) -> bytes:
    """The grid's rows as an XLSX sheet with the grid's French headers; codes stay text."""
    import io

    import pandas as pd

    labels = column_headers(column_defs)
    frame = pd.DataFrame(rows or [], columns=list(labels)).rename(columns=labels)
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def register_exports(
    *,
    grid_id: str,
    csv_button: str,
    xlsx_button: str,
    download_id: str,
    column_defs: list[dict],
    sheet: str,
    file_stem: str,
) -> tuple[Callable, Callable]:
    """Wire a grid's CSV button (AG Grid exports in the browser) and XLSX button (built on the server)."""
    from datetime import UTC, datetime

    from dash import Input, Output, State, callback, dcc

    @callback(Output(grid_id, "exportDataAsCsv"), Input(csv_button, "n_clicks"), prevent_initial_call=True)
    def export_csv(_clicks: int | None) -> bool:
        return True

    @callback(
        Output(download_id, "data"),
        Input(xlsx_button, "n_clicks"),
        State(grid_id, "rowData"),
        prevent_initial_call=True,
    )
    def export_xlsx(_clicks: int | None, rows: list[dict] | None) -> dict:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
        return dcc.send_bytes(xlsx_bytes(rows, column_defs, sheet), f"{file_stem}-{stamp}.xlsx")

    return export_csv, export_xlsx


def export_header(*, title_id: str, csv_button: str, xlsx_button: str, download_id: str) -> Any:
    """A table's title with its CSV and XLSX buttons (wired by ``register_exports``)."""
    import dash_bootstrap_components as dbc
    from dash import dcc, html

    return html.Div(
        [
            html.H2(id=title_id, className="h6 me-auto mb-0"),
            dbc.Button("Exporter CSV", id=csv_button, size="sm", color="secondary", outline=True, className="me-2"),
            dbc.Button("Exporter XLSX", id=xlsx_button, size="sm", color="secondary", outline=True),
            dcc.Download(id=download_id),
        ],
        className="d-flex align-items-center mb-2",
    )
