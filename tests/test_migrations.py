"""Migrations build exactly the models, on an empty SQLite and an empty PostgreSQL database."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from data_access.models import Base
from data_access.schema import compare_type


def test_upgrade_creates_every_model_table(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_migrations_match_models_exactly(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": compare_type, "render_as_batch": engine.dialect.name == "sqlite"}
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models and migrations differ: {differences}"


def test_latest_report_index_exists(engine: Engine) -> None:
    indexes = {index["name"]: index["column_names"] for index in inspect(engine).get_indexes("bed_reports")}
    assert indexes["ix_bed_reports_unit_latest"] == ["unit_id", "reported_at", "id"]
