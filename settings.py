"""The one place that reads the environment: database, secrets, modes, freshness limits and indicator bands."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE_DIR = ROOT / "instance"

DEV_SECRET_KEY = "dev-only-secret-key-change-me"


class SettingsError(RuntimeError):
    """Raised when the environment describes a configuration that must not run."""


@dataclass(frozen=True)
class Band:
    """One colour band of an indicator: values below ``upper`` (or everything, if None)."""

    upper: float | None
    label: str
    color: str


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    production: bool
    ratelimit_storage_uri: str
    login_attempts_per_minute: int
    max_upload_bytes: int
    stale_hours: float = 12.0
    overdue_hours: float = 24.0
    drug_stale_days: float = 3.0
    bed_jump_confirm: int = 10
    correction_days: int = 14
    incomplete_days: int = 3
    bands: dict[str, tuple[Band, ...]] = field(default_factory=dict)


# Thresholds are data: every legend and every alert reads them from here.
BANDS: dict[str, tuple[Band, ...]] = {
    "occupancy": (
        Band(0.70, "< 70 %", "#1a9850"),
        Band(0.85, "70–85 %", "#fee08b"),
        Band(0.95, "85–95 %", "#fc8d59"),
        Band(None, "≥ 95 %", "#d73027"),
    ),
    "free_beds": (
        Band(1, "0", "#d73027"),
        Band(5, "1–4", "#fc8d59"),
        Band(20, "5–19", "#fee08b"),
        Band(None, "≥ 20", "#1a9850"),
    ),
    "covid_share": (
        Band(0.10, "< 10 %", "#1a9850"),
        Band(0.30, "10–30 %", "#fee08b"),
        Band(0.50, "30–50 %", "#fc8d59"),
        Band(None, "≥ 50 %", "#d73027"),
    ),
    "tension": (
        Band(0.30, "< 30 %", "#1a9850"),
        Band(0.60, "30–60 %", "#fc8d59"),
        Band(None, "> 60 %", "#d73027"),
    ),
    "incidence": (
        Band(10, "< 10", "#1a9850"),
        Band(50, "10–50", "#fee08b"),
        Band(150, "50–150", "#fc8d59"),
        Band(250, "150–250", "#d73027"),
        Band(None, "≥ 250", "#7f0000"),
    ),
    "positivity": (
        Band(5, "< 5 %", "#1a9850"),
        Band(10, "5–10 %", "#fc8d59"),
        Band(None, "≥ 10 %", "#d73027"),
    ),
    # Tests per 100 000 inhabitants over 7 days. No official alert levels exist: these indicative steps
    # span France's range from summer 2020 (~1 000) to winter 2021–22 (> 10 000). More testing is not a
    # danger, hence a blue scale.
    "testing_rate": (
        Band(1000, "< 1 000", "#c6dbef"),
        Band(2000, "1 000–2 000", "#9ecae1"),
        Band(3000, "2 000–3 000", "#6baed6"),
        Band(5000, "3 000–5 000", "#3182bd"),
        Band(None, "≥ 5 000", "#08519c"),
    ),
    "days_of_cover": (
        Band(3, "< 3 j", "#d73027"),
        Band(7, "3–7 j", "#fc8d59"),
        Band(21, "7–21 j", "#fee08b"),
        Band(60, "21–60 j", "#1a9850"),
        Band(None, "> 60 j", "#4575b4"),
    ),
    # Tracing rates are in percent. 80 % within 4 h / 24 h are the French targets; for new cases already known
    # as contacts there is no official target: Santé publique France reported only 20–25 % in autumn 2020.
    "pct_index_reached_4h": (
        Band(50, "< 50 %", "#d73027"),
        Band(80, "50–80 %", "#fc8d59"),
        Band(None, "≥ 80 % (objectif)", "#1a9850"),
    ),
    "pct_contacts_reached_24h": (
        Band(50, "< 50 %", "#d73027"),
        Band(80, "50–80 %", "#fc8d59"),
        Band(None, "≥ 80 % (objectif)", "#1a9850"),
    ),
    "pct_known_as_contacts": (
        Band(25, "< 25 %", "#d73027"),
        Band(50, "25–50 %", "#fc8d59"),
        Band(None, "≥ 50 %", "#1a9850"),
    ),
    # Contacts identified per case has no official target either: a neutral blue scale, not a judgement.
    "contacts_per_case": (
        Band(1, "< 1", "#deebf7"),
        Band(2, "1–2", "#9ecae1"),
        Band(3, "2–3", "#4292c6"),
        Band(None, "≥ 3", "#08519c"),
    ),
}


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} doit être un entier (reçu {raw!r})") from exc


def default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'situation.db'}"


def load() -> Settings:
    """Read the environment once; refuse a production start with the development secret."""
    production = os.environ.get("SITUATION_ENV", "development").strip().lower() == "production"
    secret_key = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
    if production and secret_key == DEV_SECRET_KEY:
        raise SettingsError("SECRET_KEY must be set to a private random value when SITUATION_ENV=production")
    redis_url = os.environ.get("REDIS_URL") or None
    return Settings(
        database_url=os.environ.get("DATABASE_URL") or default_database_url(),
        secret_key=secret_key,
        production=production,
        ratelimit_storage_uri=redis_url or "memory://",
        login_attempts_per_minute=_int("LOGIN_ATTEMPTS_PER_MINUTE", 10),
        max_upload_bytes=_int("MAX_UPLOAD_BYTES", 5 * 1024 * 1024),
        stale_hours=float(_int("STALE_HOURS", 12)),
        overdue_hours=float(_int("OVERDUE_HOURS", 24)),
        bed_jump_confirm=_int("BED_JUMP_CONFIRM", 10),
        bands=BANDS,
    )


settings = load()
