"""Command-line commands: good input works, bad input gets one clear French line and no traceback."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import User
from tests.web_support import WebWorld


@pytest.fixture
def run(web_world: WebWorld):  # type: ignore[no-untyped-def]
    from app import server

    runner = server.test_cli_runner()

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(args=list(args), input=input)

    return invoke


def _users(web_world: WebWorld) -> int:
    with Session(web_world.engine) as session:
        return session.scalar(select(func.count(User.id)))


@pytest.mark.parametrize("command", ["init-db", "seed-demo", "create-user", "import"])
def test_every_command_has_help(run, command: str) -> None:  # type: ignore[no-untyped-def]
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Usage:" in result.output


def test_create_user_with_scope(run, web_world: WebWorld) -> None:  # type: ignore[no-untyped-def]
    result = run(
        "create-user",
        "--email",
        "Nouvelle.ARS@test.fr",
        "--name",
        "ARS Grand Est",
        "--role",
        "regional",
        "--region",
        "44",
        "--password",
        "un mot de passe long",
    )
    assert result.exit_code == 0, result.output
    assert "Compte créé : nouvelle.ars@test.fr" in result.output
    with Session(web_world.engine) as session:
        user = session.scalar(select(User).where(User.email == "nouvelle.ars@test.fr"))
        assert user.role == "regional"
        assert user.region_code == "44"
        assert user.password_hash.startswith("$argon2")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "not-an-email", "--name", "X", "--role", "national"], "n'est pas une adresse valide"),
        (["--email", "a@test.fr", "--name", "X", "--role", "regional"], "Région : obligatoire"),
        (
            ["--email", "a@test.fr", "--name", "X", "--role", "regional", "--region", "99"],
            "Région : code « 99 » inconnu",
        ),
        (["--email", "a@test.fr", "--name", "X", "--role", "reporter"], "au moins un FINESS"),
        (
            ["--email", "a@test.fr", "--name", "X", "--role", "reporter", "--establishment", "999999999"],
            "FINESS « 999999999 » inconnu",
        ),
        (
            ["--email", "a@test.fr", "--name", "X", "--role", "tracing", "--department", "00"],
            "Département : code « 00 » inconnu",
        ),
        (["--email", "national@test.fr", "--name", "X", "--role", "national"], "existe déjà"),
    ],
)
def test_create_user_refusals(run, web_world: WebWorld, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    before = _users(web_world)
    result = run("create-user", *args, "--password", "un mot de passe long")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert _users(web_world) == before


def test_create_user_short_password_refused(run, web_world: WebWorld) -> None:  # type: ignore[no-untyped-def]
    result = run("create-user", "--email", "b@test.fr", "--name", "B", "--role", "national", "--password", "court")
    assert result.exit_code == 1
    assert "10 caractères au moins" in result.output


def test_unknown_role_is_a_usage_error(run) -> None:  # type: ignore[no-untyped-def]
    result = run("create-user", "--email", "b@test.fr", "--name", "B", "--role", "minister", "--password", "x" * 12)
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output


def test_import_missing_file_and_unknown_kind(run, tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = run("import", "sidep", str(tmp_path / "absent.csv"))
    assert result.exit_code == 1
    assert "Fichier introuvable" in result.output
    result = run("import", "weather", str(tmp_path / "absent.csv"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_seed_demo_bad_arguments(run) -> None:  # type: ignore[no-untyped-def]
    result = run("seed-demo", "--days", "3")
    assert result.exit_code == 2
    assert "--days" in result.output
    result = run("seed-demo", "--end", "31/12/2020")
    assert result.exit_code == 2


def test_unreachable_database_is_one_clear_line(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from app import server
    from data_access import db

    previous = db.get_engine().url.render_as_string(hide_password=False)
    db.configure("postgresql+psycopg://nobody@127.0.0.1:1/none")
    try:
        result = server.test_cli_runner().invoke(args=["init-db"])
    finally:
        db.configure(previous)
    assert result.exit_code == 1
    assert "Base de données injoignable" in result.output
    assert "Traceback" not in result.output
