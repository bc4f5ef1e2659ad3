"""Shared fixtures: the same tests run on SQLite and PostgreSQL; Chromium options for dash_duo."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from data_access.db import make_engine
from data_access.schema import upgrade
from services.reference import load_reference

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")
_POSTGRES_DATABASES: dict[Engine, str] = {}


def pytest_setup_options():  # type: ignore[no-untyped-def]
    """Options dash_duo gives Chromium: Debian's binary, headless, and no background traffic."""
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = os.environ.get("CHROMIUM_BINARY", "/usr/bin/chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1000",
    ):
        options.add_argument(argument)
    return options


def _postgres_engine(worker: str) -> Engine:
    """A fresh database per test session (and per xdist worker) on the local PostgreSQL server."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"situation_test_{worker}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        message = (
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({type(exc).__name__}): start it or set TEST_POSTGRES_URL"
        )
        if IN_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    admin.dispose()
    engine = make_engine(make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False))
    _POSTGRES_DATABASES[engine] = name
    return engine


def _drop_postgres(engine: Engine) -> None:
    name = _POSTGRES_DATABASES.pop(engine, None)
    engine.dispose()
    if name:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def new_database(backend: str, tmp_path_factory: pytest.TempPathFactory, worker: str = "main") -> Engine:
    """An empty database of the given backend, migrated to head, with reference data."""
    if backend == "sqlite":
        path = tmp_path_factory.mktemp("db") / "situation.db"
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = _postgres_engine(worker)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        load_reference(session)
    return engine


@pytest.fixture(scope="session", params=BACKENDS)
def engine(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Iterator[Engine]:
    """One migrated database per backend for the whole run; tests isolate themselves with ``session``."""
    engine = new_database(request.param, tmp_path_factory, worker_id)
    yield engine
    _drop_postgres(engine)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction rolled back after the test: code under test may flush and commit freely."""
    connection = engine.connect()
    transaction = connection.begin()
    db_session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield db_session
    finally:
        db_session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="module")
def web_world(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A committed database for one test module, with the app pointed at it (see tests/web_support.py)."""
    from tests.web_support import build_world

    return build_world(tmp_path_factory)


@pytest.fixture
def client(web_world):  # type: ignore[no-untyped-def]
    """The real app's Flask test client, with the login throttle reset between tests."""
    from app import server
    from services.web import limiter

    limiter.reset()
    server.config["TESTING"] = True
    with server.test_client() as test_client:
        yield test_client
