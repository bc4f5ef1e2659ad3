"""Who may do what: password hashing, sign-in with lockout, and the one authorisation check every write calls."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import ROLES, Department, Establishment, ReportingLink, User, utcnow

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


class AuthError(Exception):
    """A refused sign-in, with a message safe to show the user."""


class PermissionDenied(Exception):
    """A refused write; the message says which scope was missing."""


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Principal:
    """The authenticated actor of a request: a signed-in user, or the holder of a reporting link."""

    role: str
    user_id: int | None = None
    display_name: str = ""
    region_code: str | None = None
    establishment_ids: frozenset[int] = field(default_factory=frozenset)
    department_codes: frozenset[str] = field(default_factory=frozenset)
    link_id: int | None = None
    link_unit_id: int | None = None

    @property
    def channel(self) -> str:
        return "link" if self.link_id is not None else "form"


def principal_for_user(user: User) -> Principal:
    return Principal(
        role=user.role,
        user_id=user.id,
        display_name=user.display_name,
        region_code=user.region_code,
        establishment_ids=frozenset(e.id for e in user.establishments),
        department_codes=frozenset(d.code for d in user.departments),
    )


def authenticate(session: Session, email: str, password: str, now: datetime | None = None) -> User:
    """Check credentials; five failures lock the account for 15 minutes. Never says which part was wrong."""
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not email or not password:
        raise AuthError("Saisissez votre adresse électronique et votre mot de passe.")
    user = session.scalar(select(User).where(func.lower(User.email) == email))
    if user is None or not user.active:
        raise AuthError("Adresse électronique ou mot de passe incorrect.")
    if user.locked_until is not None and user.locked_until > now:
        raise AuthError("Trop de tentatives : compte verrouillé pendant 15 minutes.")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        raise AuthError("Adresse électronique ou mot de passe incorrect.")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def resolve_link(session: Session, token: str, now: datetime | None = None) -> tuple[ReportingLink, Principal]:
    """Turn a reporting-link token into a principal bound to its establishment; refuse expired or revoked links."""
    now = now or utcnow()
    link = session.scalar(select(ReportingLink).where(ReportingLink.token_hash == hash_token(token or "")))
    if link is None:
        raise AuthError("Lien de déclaration inconnu ou altéré.")
    if link.revoked_at is not None:
        raise AuthError("Ce lien de déclaration a été révoqué.")
    if link.expires_at <= now:
        raise AuthError("Ce lien de déclaration a expiré.")
    link.last_used_at = now
    return link, Principal(
        role="link",
        display_name=link.holder_name,
        establishment_ids=frozenset({link.establishment_id}),
        link_id=link.id,
        link_unit_id=link.unit_id,
    )


# Which roles may take each write action, and how their scope is checked.
ESTABLISHMENT_ACTIONS = {"beds.report", "drugs.report", "staffing.report", "vaccination.report"}
DEPARTMENT_ACTIONS = {"tracing.report", "cluster.write"}
REGIONAL_ACTIONS = {"link.create", "link.revoke"}
ADMIN_ACTIONS = {"user.create", "import.opendata", "establishment.write"}
ALL_ACTIONS = ESTABLISHMENT_ACTIONS | DEPARTMENT_ACTIONS | REGIONAL_ACTIONS | ADMIN_ACTIONS


def authorize(
    session: Session,
    principal: Principal | None,
    action: str,
    *,
    establishment_id: int | None = None,
    department_code: str | None = None,
    unit_id: int | None = None,
) -> None:
    """Raise PermissionDenied unless ``principal`` may do ``action`` on that establishment or department."""
    if action not in ALL_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if principal is None:
        raise PermissionDenied("Connexion requise.")
    if principal.role == "admin":
        return
    if action in ADMIN_ACTIONS:
        raise PermissionDenied("Action réservée aux administrateurs.")

    region_of_target: str | None = None
    if establishment_id is not None:
        establishment = session.get(Establishment, establishment_id)
        if establishment is None:
            raise PermissionDenied("Établissement inconnu.")
        department_code = establishment.department_code
    if department_code is not None:
        department = session.get(Department, department_code)
        if department is None:
            raise PermissionDenied(f"Département inconnu : {department_code}.")
        region_of_target = department.region_code

    if principal.role == "regional" and action not in ADMIN_ACTIONS:
        if region_of_target is None or region_of_target != principal.region_code:
            raise PermissionDenied("Hors du périmètre de votre région.")
        return

    if action in ESTABLISHMENT_ACTIONS and principal.role in {"reporter", "link"}:
        if establishment_id is None or establishment_id not in principal.establishment_ids:
            raise PermissionDenied("Vous ne pouvez déclarer que pour votre établissement.")
        if principal.link_unit_id is not None and unit_id is not None and unit_id != principal.link_unit_id:
            raise PermissionDenied("Ce lien ne vaut que pour une seule unité.")
        return

    if action in DEPARTMENT_ACTIONS and principal.role == "tracing":
        if department_code is None or department_code not in principal.department_codes:
            raise PermissionDenied("Hors des départements de votre plateforme.")
        return

    role_label = ROLES.get(principal.role, principal.role)
    raise PermissionDenied(f"Le rôle « {role_label} » ne permet pas cette action.")


@dataclass(frozen=True)
class DetailScope:
    """Which establishments' own figures a principal may see (aggregates are open to every signed-in user)."""

    region_code: str | None = None
    establishment_ids: frozenset[int] | None = None

    @property
    def everything(self) -> bool:
        return self.region_code is None and self.establishment_ids is None


def detail_scope(principal: Principal | None) -> DetailScope | None:
    """National cell and administrators see every establishment, a regional cell its region, a reporter its
    own establishments; tracing platforms and link holders see aggregates only (None)."""
    if principal is None:
        return None
    if principal.role in {"national", "admin"}:
        return DetailScope()
    if principal.role == "regional":
        return DetailScope(region_code=principal.region_code)
    if principal.role == "reporter":
        return DetailScope(establishment_ids=principal.establishment_ids)
    return None
