"""Account management: create users with a role and a scope that matches the role."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import ROLES, Department, Establishment, Region, User
from services import audit
from services.auth import MIN_PASSWORD_LENGTH, Principal, hash_password

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """Invalid account data; the message names the field and the rule."""


def create_account(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: str,
    password: str,
    region_code: str | None = None,
    finess: list[str] | None = None,
    department_codes: list[str] | None = None,
    actor: Principal | None = None,
    password_hash: str | None = None,
) -> User:
    """Validate everything first, then write the user and its scope in the caller's transaction."""
    email = (email or "").strip().lower()
    display_name = (display_name or "").strip()
    finess = [code.strip() for code in finess or [] if code.strip()]
    department_codes = [code.strip() for code in department_codes or [] if code.strip()]
    if not EMAIL_PATTERN.match(email):
        raise AccountError(f"Adresse électronique : « {email} » n'est pas une adresse valide.")
    if not display_name:
        raise AccountError("Nom affiché : obligatoire.")
    if role not in ROLES:
        raise AccountError(f"Rôle : « {role} » inconnu (valeurs possibles : {', '.join(sorted(ROLES))}).")
    if password_hash is None and len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Mot de passe : {MIN_PASSWORD_LENGTH} caractères au moins.")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
        raise AccountError(f"Adresse électronique : un compte « {email} » existe déjà.")

    if role == "regional":
        if not region_code:
            raise AccountError("Région : obligatoire pour une cellule régionale (--region).")
        if session.get(Region, region_code) is None:
            raise AccountError(f"Région : code « {region_code} » inconnu.")
    elif region_code:
        raise AccountError("Région : seule une cellule régionale est rattachée à une région.")

    establishments: list[Establishment] = []
    if role == "reporter":
        if not finess:
            raise AccountError(
                "Établissement : au moins un FINESS est obligatoire pour un déclarant (--establishment)."
            )
        for code in finess:
            establishment = session.scalar(select(Establishment).where(Establishment.finess == code))
            if establishment is None:
                raise AccountError(f"Établissement : FINESS « {code} » inconnu.")
            establishments.append(establishment)
    elif finess:
        raise AccountError("Établissement : seul un déclarant est rattaché à des établissements.")

    departments: list[Department] = []
    if role == "tracing":
        if not department_codes:
            raise AccountError("Département : au moins un département est obligatoire pour le contact-tracing.")
        for code in department_codes:
            department = session.get(Department, code)
            if department is None:
                raise AccountError(f"Département : code « {code} » inconnu.")
            departments.append(department)
    elif department_codes:
        raise AccountError("Département : seule une plateforme de contact-tracing est rattachée à des départements.")

    user = User(
        email=email,
        display_name=display_name,
        password_hash=password_hash or hash_password(password),
        role=role,
        region_code=region_code,
        establishments=establishments,
        departments=departments,
    )
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor,
        "create",
        "user",
        user.id,
        channel="cli" if actor is None else "form",
        detail={"email": email, "role": role},
    )
    return user
