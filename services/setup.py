"""Bring a database to a usable state: migrate it, load reference data, and seed demo data when it is empty."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from data_access import db
from data_access.models import Establishment
from data_access.schema import upgrade
from services.reference import load_reference


def init_database() -> None:
    engine = db.get_engine()
    upgrade(engine)
    with db.write_session() as session:
        load_reference(session)


def prepare_database(seed_when_empty: bool = True) -> str:
    """Migrate, then seed the demo data if no establishment exists yet; returns what was done."""
    init_database()
    with db.read_session() as session:
        empty = session.scalar(select(func.count(Establishment.id))) == 0
    if not (empty and seed_when_empty):
        return "migrated"
    from services.demo import seed_demo

    with db.write_session() as session:
        seed_demo(session, end=datetime.now(UTC).date())
    return "seeded"
