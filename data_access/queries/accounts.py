"""Read queries for administration: accounts with their scope and the recent audit trail."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data_access.models import AuditEvent, Establishment, User


def users(session: Session) -> pd.DataFrame:
    rows = []
    for user in session.scalars(
        select(User).options(selectinload(User.establishments), selectinload(User.departments)).order_by(User.email)
    ):
        scope = user.region_code or ", ".join(
            [e.name for e in user.establishments] + [d.code for d in user.departments]
        )
        rows.append(
            {
                "email": user.email,
                "name": user.display_name,
                "role": user.role,
                "scope": scope,
                "active": user.active,
                "last_login_at": user.last_login_at,
            }
        )
    return pd.DataFrame(rows, columns=["email", "name", "role", "scope", "active", "last_login_at"])


def recent_audit(session: Session, limit: int = 200) -> pd.DataFrame:
    query = (
        select(
            AuditEvent.at,
            User.email,
            AuditEvent.channel,
            AuditEvent.action,
            AuditEvent.entity,
            AuditEvent.entity_id,
            AuditEvent.remote_addr,
            AuditEvent.detail,
        )
        .outerjoin(User, AuditEvent.user_id == User.id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return pd.DataFrame(session.execute(query).all(), columns=[c.key for c in query.selected_columns])


def establishments_of(session: Session, establishment_ids: frozenset[int]) -> list[Establishment]:
    if not establishment_ids:
        return []
    return list(
        session.scalars(
            select(Establishment).where(Establishment.id.in_(establishment_ids)).order_by(Establishment.name)
        )
    )
