"""Administration (`/admin`): accounts and the audit trail, for administrators only."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from components import formatting
from components.tables import grid
from data_access.db import read_session
from data_access.models import ROLES
from data_access.queries.accounts import recent_audit, users
from services.web import current_principal

dash.register_page(__name__, path="/admin", name="Administration", title="Administration — Salle de situation", order=9)


def layout(**_query: str) -> html.Div:
    principal = current_principal()
    if principal is None or principal.role != "admin":
        return dbc.Alert("Accès réservé aux administrateurs.", color="danger", id="admin-denied")
    with read_session() as session:
        accounts = users(session)
        events = recent_audit(session)
    accounts["role"] = accounts["role"].map(ROLES)
    accounts["last_login_at"] = accounts["last_login_at"].map(formatting.timestamp)
    events["at"] = events["at"].map(formatting.timestamp)
    return html.Div(
        [
            html.H1("Administration", className="h3"),
            html.P(
                "Création de comptes : « flask --app app create-user --help ». "
                "Imports de données ouvertes : « flask --app app import --help ».",
                className="text-muted",
            ),
            html.H2("Comptes", className="h5 mt-3"),
            grid(
                "admin-users",
                rows=accounts.to_dict("records"),
                column_defs=[
                    {"field": "email", "headerName": "Identifiant"},
                    {"field": "name", "headerName": "Nom"},
                    {"field": "role", "headerName": "Rôle"},
                    {"field": "scope", "headerName": "Périmètre", "flex": 2},
                    {"field": "last_login_at", "headerName": "Dernière connexion"},
                ],
            ),
            html.H2("Journal d'audit (200 derniers événements)", className="h5 mt-4"),
            grid(
                "admin-audit",
                rows=events.astype(object).where(events.notna(), None).to_dict("records"),
                page_size=20,
                column_defs=[
                    {"field": "at", "headerName": "Date"},
                    {"field": "email", "headerName": "Compte"},
                    {"field": "channel", "headerName": "Canal"},
                    {"field": "action", "headerName": "Action"},
                    {"field": "entity", "headerName": "Objet"},
                    {"field": "entity_id", "headerName": "N°"},
                    {"field": "detail", "headerName": "Détail", "flex": 3},
                ],
            ),
        ]
    )
