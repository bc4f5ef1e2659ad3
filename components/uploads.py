"""File upload pieces shared by the input pages: the drop zone card, decoding, and the per-row report."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from settings import settings


def upload_card(
    *,
    upload_id: str,
    result_id: str,
    template_id: str,
    template_download_id: str,
    instructions: str,
    extra: Sequence[Any] = (),
) -> dbc.Card:
    """A card with the rules of the file, a template to download, the drop zone and where the report goes."""
    limit = f"Taille maximale : {settings.max_upload_bytes // (1024 * 1024)} Mo. "
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2("Envoyer un fichier (CSV ou XLSX)", className="h5"),
                html.P(
                    [
                        f"{instructions} {limit}",
                        html.A("Télécharger le modèle", id=template_id, href="#"),
                        dcc.Download(id=template_download_id),
                    ],
                    className="small text-muted",
                ),
                dcc.Upload(
                    id=upload_id,
                    children=html.Div(["Glissez un fichier ici ou ", html.A("choisissez-le")]),
                    className="border border-2 border-secondary-subtle rounded p-3 text-center bg-white",
                    # The server refuses files over the limit with a message; the browser only stops absurd ones.
                    max_size=settings.max_upload_bytes * 2,
                    multiple=False,
                ),
                html.Div(id=result_id, className="mt-3"),
                *extra,
            ]
        ),
        className="mb-4",
    )


def decode_upload(contents: str | None) -> bytes | None:
    """The bytes of a dcc.Upload data URL, or None when it is not one."""
    if not contents or "," not in contents:
        return None
    try:
        return base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (binascii.Error, ValueError):
        return None


def upload_report(
    report: Any, *, key_columns: Sequence[tuple[str, Callable[[Any], object]]], id_prefix: str, pending: bool = False
) -> html.Div:
    """The summary, then a table of rejected rows (line, the row's keys, every broken rule), then warnings."""
    color = "danger" if report.file_error else "warning" if pending or report.rejected else "success"
    parts: list = [dbc.Alert(report.summary(), color=color, id=f"{id_prefix}-summary")]
    if getattr(report, "ignored_columns", None):
        parts.append(html.Div(f"Colonnes ignorées : {', '.join(report.ignored_columns)}.", className="small mb-2"))
    if report.rejected:
        header = html.Tr([html.Th("Ligne"), *(html.Th(title) for title, _ in key_columns), html.Th("Motif")])
        rows = [
            html.Tr(
                [
                    html.Td(row.line),
                    *(html.Td(value(row) or "—") for _, value in key_columns),
                    html.Td(html.Ul([html.Li(error.message) for error in row.errors], className="mb-0")),
                ]
            )
            for row in report.rejected
        ]
        parts.append(
            dbc.Table(
                [html.Thead(header), html.Tbody(rows)],
                size="sm",
                striped=True,
                bordered=True,
                id=f"{id_prefix}-rejected",
            )
        )
    warned = [row for row in report.accepted if getattr(row, "warnings", None)]
    if warned:
        parts.append(
            html.Ul(
                [html.Li(f"Ligne {row.line} — {warning.message}") for row in warned for warning in row.warnings],
                className="small",
            )
        )
    return html.Div(parts)
