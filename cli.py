"""Flask CLI commands on the Dash server: init-db, seed-demo, create-user and import <kind> FILE."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from data_access import db
from data_access.models import ROLES, User

# Importers by kind: module path and function name, imported only when used.
IMPORTERS: dict[str, tuple[str, str, str]] = {
    "sidep": ("services.importers.sidep", "import_sidep", "Résultats de tests SI-DEP (Santé publique France)"),
    "hospital": (
        "services.importers.hospital",
        "import_hospital_file",
        "Données hospitalières COVID-19 (Santé publique France)",
    ),
}


def _database_errors(action: Callable[[], Any]) -> Any:
    """Run ``action``; turn database failures into one clear line instead of a traceback."""
    try:
        return action()
    except OperationalError as exc:
        raise click.ClickException(
            f"Base de données injoignable ou non initialisée ({exc.orig.__class__.__name__}). "
            "Vérifiez DATABASE_URL, puis lancez « flask --app app init-db »."
        ) from None
    except SQLAlchemyError as exc:
        raise click.ClickException(f"Erreur de base de données : {exc.__class__.__name__}.") from None


def register_commands(server: Flask) -> None:
    server.cli.add_command(init_db)
    server.cli.add_command(seed_demo_command)
    server.cli.add_command(create_user)
    server.cli.add_command(import_command)


@click.command("init-db")
def init_db() -> None:
    """Create or migrate the database to the latest schema and load reference data."""
    from services.setup import init_database

    _database_errors(init_database)
    click.echo("Base de données à jour.")


@click.command("seed-demo")
@click.option("--days", type=click.IntRange(7, 800), default=90, show_default=True, help="Nombre de jours.")
@click.option("--end", "end_day", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Dernier jour (AAAA-MM-JJ).")
@click.option("--seed", type=int, default=2020, show_default=True, help="Graine du générateur.")
@click.option("--departments", default="", help="Codes de départements séparés par des virgules (tous par défaut).")
def seed_demo_command(days: int, end_day: datetime | None, seed: int, departments: str) -> None:
    """Fill an empty database with deterministic demo data for every domain."""
    from services.demo import DemoError, seed_demo
    from services.setup import init_database

    codes = [code.strip() for code in departments.split(",") if code.strip()] or None
    end = end_day.date() if end_day else datetime.now(UTC).date()

    def run() -> Any:
        init_database()
        with db.write_session() as session:
            return seed_demo(session, end=end, days=days, seed=seed, departments=codes)

    try:
        summary = _database_errors(run)
    except DemoError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(
        f"Données de démonstration créées du {summary.start:%d/%m/%Y} au {summary.end:%d/%m/%Y} "
        f"pour {len(summary.departments)} département(s)."
    )
    for name, value in summary.counts().items():
        click.echo(f"  {name}: {value}")
    click.echo("Comptes de démonstration (mot de passe commun, voir le README) :")
    for account in summary.accounts:
        click.echo(f"  {account.email} — {account.description}")


@click.command("create-user")
@click.option("--email", required=True, help="Adresse électronique (identifiant).")
@click.option("--name", "display_name", required=True, help="Nom affiché.")
@click.option("--role", type=click.Choice(sorted(ROLES)), required=True, help="Rôle.")
@click.option("--region", default=None, help="Code région (cellule régionale).")
@click.option("--establishment", "finess", multiple=True, help="FINESS d'un établissement (déclarant), répétable.")
@click.option("--department", "departments", multiple=True, help="Code département (contact-tracing), répétable.")
@click.password_option("--password", prompt="Mot de passe", help="Mot de passe (demandé si absent).")
def create_user(
    email: str,
    display_name: str,
    role: str,
    region: str | None,
    finess: tuple[str, ...],
    departments: tuple[str, ...],
    password: str,
) -> None:
    """Create an account with its role and scope."""
    from services.accounts import AccountError, create_account

    def run() -> User:
        with db.write_session() as session:
            return create_account(
                session,
                email=email,
                display_name=display_name,
                role=role,
                password=password,
                region_code=region,
                finess=list(finess),
                department_codes=list(departments),
            )

    try:
        user = _database_errors(run)
    except AccountError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"Compte créé : {user.email} ({ROLES[user.role]}).")


@click.command("import")
@click.argument("kind", type=click.Choice(sorted(IMPORTERS)))
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_command(kind: str, file: Path) -> None:
    """Import an open-data FILE of the given KIND (sidep, hospital)."""
    import importlib

    if not file.exists():
        raise click.ClickException(f"Fichier introuvable : {file}")
    module_name, function_name, label = IMPORTERS[kind]
    importer = getattr(importlib.import_module(module_name), function_name)
    data = file.read_bytes()

    def run() -> Any:
        with db.write_session() as session:
            return importer(session, data, file.name)

    try:
        report = _database_errors(run)
    except (ValueError, LookupError) as refusal:
        raise click.ClickException(f"{label} : fichier refusé — {refusal}") from None
    click.echo(f"{label} : {file.name}")
    for line in _report_lines(report):
        click.echo(f"  {line}")


def _report_lines(report: object) -> list[str]:
    if hasattr(report, "summary_lines"):
        return list(report.summary_lines())
    if dataclasses.is_dataclass(report):
        return [f"{key}: {value}" for key, value in dataclasses.asdict(report).items()]
    return [str(report)]
