"""Reporting links over HTTP: a valid link opens the bed input page only; bad links are refused."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from data_access.models import ReportingLink, User, utcnow
from services.auth import hash_token
from tests.web_support import WebWorld


def make_link(
    web_world: WebWorld, token: str, *, expires_in: timedelta = timedelta(days=7), revoked: bool = False
) -> int:
    with Session(web_world.engine) as session, session.begin():
        admin = session.query(User).filter_by(email=web_world.admin_email).one()
        link = ReportingLink(
            token_hash=hash_token(token),
            establishment_id=web_world.establishment_id,
            holder_name="Dr Test",
            created_by_id=admin.id,
            expires_at=utcnow() + expires_in,
            revoked_at=utcnow() if revoked else None,
        )
        session.add(link)
        session.flush()
        return link.id


def test_valid_link_opens_only_the_bed_input_page(client, web_world: WebWorld) -> None:  # type: ignore[no-untyped-def]
    make_link(web_world, "valid-token-123")
    response = client.get("/report/link/valid-token-123")
    assert response.status_code == 302
    assert response.headers["Location"] == "/report/beds"
    assert client.get("/report/beds").status_code == 200
    # Situation pages and their data are not for link holders.
    assert client.get("/").headers["Location"] == "/report/beds"
    assert client.get("/beds").headers["Location"] == "/report/beds"
    overview = client.post(
        "/_dash-update-component",
        data=json.dumps({"output": "overview-kpis.children"}),
        content_type="application/json",
    )
    assert overview.status_code == 403


@pytest.mark.parametrize(
    ("make", "token", "message"),
    [
        (None, "tampered-token", "Lien de déclaration inconnu ou altéré."),
        ({"expires_in": timedelta(seconds=-1)}, "expired-token", "Ce lien de déclaration a expiré."),
        ({"revoked": True}, "revoked-token", "Ce lien de déclaration a été révoqué."),
    ],
)
def test_bad_links_are_refused(client, web_world: WebWorld, make, token: str, message: str) -> None:  # type: ignore[no-untyped-def]
    if make is not None:
        make_link(web_world, token, **make)
    response = client.get(f"/report/link/{token}")
    assert response.status_code == 403
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)
    assert client.get("/report/beds").status_code == 302  # still anonymous


def test_link_revoked_after_opening_loses_access(client, web_world: WebWorld) -> None:  # type: ignore[no-untyped-def]
    link_id = make_link(web_world, "soon-revoked")
    client.get("/report/link/soon-revoked")
    assert client.get("/report/beds").status_code == 200
    with Session(web_world.engine) as session, session.begin():
        session.get(ReportingLink, link_id).revoked_at = utcnow()
    assert client.get("/report/beds").status_code == 302
