"""Audit trail: one row per write, in the caller's transaction, so a refused or failed write leaves none."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from data_access.models import AuditEvent
from services.auth import Principal


def record(
    session: Session,
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: object = None,
    *,
    channel: str | None = None,
    detail: dict[str, Any] | None = None,
    remote_addr: str | None = None,
) -> AuditEvent:
    event = AuditEvent(
        user_id=principal.user_id if principal else None,
        reporting_link_id=principal.link_id if principal else None,
        channel=channel or (principal.channel if principal else "cli"),
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        remote_addr=remote_addr,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
    )
    session.add(event)
    return event
