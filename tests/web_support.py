"""A committed database and the Flask test client of the real app, for HTTP-level tests."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data_access import db
from tests import factories as f
from tests.conftest import new_database


@dataclass
class WebWorld:
    engine: Engine
    reporter_email: str
    regional_email: str
    national_email: str
    admin_email: str
    establishment_id: int
    other_establishment_id: int


def build_world(tmp_path_factory: pytest.TempPathFactory, backend: str = "sqlite") -> WebWorld:
    engine = new_database(backend, tmp_path_factory)
    with Session(engine) as session, session.begin():
        mine = f.establishment(session, "54", name="CHRU de Nancy")
        other = f.establishment(session, "13", name="AP-HM Marseille")
        for establishment in (mine, other):
            icu = f.unit(session, establishment, "REA_ADULTE")
            f.bed_report(session, icu, reported_at=f.hours_ago(2), occupied=8)
        f.user(session, "reporter", establishments=[mine], email="declarant@test.fr")
        f.user(session, "regional", region_code="44", email="ars@test.fr")
        f.user(session, "national", email="national@test.fr")
        f.user(session, "admin", email="admin@test.fr")
        ids = (mine.id, other.id)
    db.configure(engine.url.render_as_string(hide_password=False))
    return WebWorld(engine, "declarant@test.fr", "ars@test.fr", "national@test.fr", "admin@test.fr", *ids)


def csrf_token(client) -> str:  # type: ignore[no-untyped-def]
    import re

    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the login form carries a CSRF token"
    return match.group(1)


def login(client, email: str, password: str = f.TEST_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)})
