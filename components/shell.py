"""The application shell: a French navigation bar built from the page registry, around the page container."""

from __future__ import annotations

import logging

import dash
import dash_bootstrap_components as dbc
from dash import html

from data_access.models import ROLES
from services.web import current_principal


def _nav_links(link_holder: bool) -> list[dbc.NavItem]:
    if link_holder:  # a reporting-link holder sees only the bed input page
        return [dbc.NavItem(dbc.NavLink("Déclarer les lits", href="/report/beds", active="exact"))]
    pages = sorted(
        (page for page in dash.page_registry.values() if page.get("nav", True)),
        key=lambda page: page.get("order", 99),
    )
    return [
        dbc.NavItem(
            dbc.NavLink(
                page["name"], href=page["relative_path"], active="exact", id=f"nav-{page['module'].replace('.', '-')}"
            )
        )
        for page in pages
    ]


def shell() -> html.Div:
    """Rebuilt on every full page load, so the bar shows who is signed in."""
    principal = current_principal()
    who = []
    if principal is not None:
        who = [
            html.Div(
                [
                    html.Div(principal.display_name, className="fw-semibold text-truncate shell-user-name"),
                    html.Div(ROLES.get(principal.role, "Lien de déclaration"), className="small text-white-50"),
                ],
                className="navbar-text text-light me-3 lh-sm",
                id="shell-user",
                title=principal.display_name,
            ),
            html.A(
                "Se déconnecter" if principal.role != "link" else "Quitter",
                href="/logout",
                className="btn btn-outline-light btn-sm text-nowrap align-self-center",
                id="shell-logout",
            ),
        ]
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Salle de situation", href="/", className="fw-semibold"),
                dbc.NavbarToggler(id="shell-toggler"),
                dbc.Collapse(
                    [
                        dbc.Nav(
                            _nav_links(principal is not None and principal.role == "link"),
                            navbar=True,
                            className="me-auto",
                        ),
                        html.Div(who, className="d-flex"),
                    ],
                    id="shell-collapse",
                    navbar=True,
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )
    error_toast = dbc.Toast(
        id=ERROR_TOAST,
        header="Erreur inattendue",
        icon="danger",
        is_open=False,
        dismissable=True,
        style={"position": "fixed", "top": "5rem", "right": "1rem", "zIndex": 2000, "maxWidth": "26rem"},
    )
    return html.Div([navbar, error_toast, dbc.Container(dash.page_container, fluid=True, className="pb-4")])


ERROR_TOAST = "shell-error"
logger = logging.getLogger("situation")


def on_callback_error(error: Exception) -> None:
    """Any unforeseen failure in a callback: logged in full for the team, a plain French notice for the user,
    and nothing else on the page changes (no stack trace, no HTTP 500)."""
    logger.exception("callback failed", exc_info=error)
    dash.set_props(
        ERROR_TOAST,
        {
            "is_open": True,
            "children": "L'action n'a pas pu aboutir et rien n'a été modifié par cette erreur. Réessayez ; si elle "
            "persiste, signalez-la à l'administrateur (l'erreur est enregistrée dans le journal du serveur).",
        },
    )


dash.clientside_callback(
    "function(n, open) { return n ? !open : open; }",
    dash.Output("shell-collapse", "is_open"),
    dash.Input("shell-toggler", "n_clicks"),
    dash.State("shell-collapse", "is_open"),
)
