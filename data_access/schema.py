"""Create or migrate a database to the latest Alembic revision, from code (CLI, app start, tests)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect

from data_access.models import UTCDateTime
from settings import ROOT


def render_item(type_: str, obj: object, autogen_context) -> str | bool:  # type: ignore[no-untyped-def]
    # Migrations must not import application code that may change later: UTCDateTime renders as DateTime.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):  # type: ignore[no-untyped-def]
    if isinstance(metadata_type, UTCDateTime):
        return not type(inspected_type).__name__.upper().startswith(("DATETIME", "TIMESTAMP"))
    return None


def alembic_config() -> Config:
    return Config(str(ROOT / "alembic.ini"))


def upgrade(engine: Engine) -> None:
    """Bring the schema to head; an empty database gets every table from the migrations."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_empty(engine: Engine) -> bool:
    return "regions" not in inspect(engine).get_table_names()
