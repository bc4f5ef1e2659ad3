"""Password-less reporting links: who may create them, what they allow, and refusals that write nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEvent, BedReport, ReportingLink
from services.auth import AuthError, PermissionDenied, hash_token, resolve_link
from services.beds import (
    LinkError,
    correct_bed_report,
    create_reporting_link,
    reporting_links,
    revoke_reporting_link,
    submit_bed_report,
)
from tests.test_bed_reporting import (
    NOW,
    count_audit,
    count_reports,
    figures,
    make_establishment,
    make_unit,
    make_user,
)


@pytest.fixture
def world(session: Session) -> dict:
    nancy = make_establishment(session, "540000001", "CHRU de Nancy")
    metz = make_establishment(session, "570000001", "CHR Metz-Thionville", "57", latitude=49.12, longitude=6.18)
    return {
        "nancy": nancy,
        "nancy_rea": make_unit(session, nancy),
        "nancy_usc": make_unit(session, nancy, "USC", "USC"),
        "metz": metz,
        "metz_rea": make_unit(session, metz),
        "admin": make_user(session, "admin"),
    }


def test_link_is_stored_hashed_and_audited_without_the_token(session: Session, world: dict) -> None:
    link, token = create_reporting_link(session, world["admin"], world["nancy"].id, "Dr Martin", now=NOW)
    assert link.token_hash == hash_token(token) and token not in link.token_hash
    assert link.expires_at == NOW + timedelta(days=30) and link.created_by_id == world["admin"].user_id
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "link.create"))
    assert event is not None and token not in (event.detail or "")
    assert json.loads(event.detail or "{}")["holder_name"] == "Dr Martin"
    assert [item.id for item in reporting_links(session, world["nancy"].id)] == [link.id]


def test_valid_link_writes_for_its_establishment_only(session: Session, world: dict) -> None:
    link, token = create_reporting_link(session, world["admin"], world["nancy"].id, "Cadre de nuit", now=NOW)
    _, principal = resolve_link(session, token, now=NOW + timedelta(hours=1))
    assert principal.role == "link" and principal.link_id == link.id

    result = submit_bed_report(session, principal, world["nancy_rea"].id, figures(), now=NOW + timedelta(hours=1))
    saved = result.saved
    assert saved is not None
    assert (saved.channel, saved.reporting_link_id, saved.author_id) == ("link", link.id, None)
    event = session.scalar(
        select(AuditEvent).where(AuditEvent.entity == "bed_report", AuditEvent.entity_id == str(saved.id))
    )
    assert event is not None and event.reporting_link_id == link.id and event.channel == "link"

    reports, events = count_reports(session), count_audit(session)
    with pytest.raises(PermissionDenied):
        submit_bed_report(session, principal, world["metz_rea"].id, figures(), now=NOW + timedelta(hours=1))
    assert (count_reports(session), count_audit(session)) == (reports, events)

    # The holder may correct its own establishment's reports through the link too.
    fixed = correct_bed_report(session, principal, saved.id, {"occupied": 13}, now=NOW + timedelta(hours=2))
    assert fixed.saved is not None and fixed.saved.channel == "link"


def test_unit_link_is_limited_to_its_unit(session: Session, world: dict) -> None:
    _, token = create_reporting_link(
        session, world["admin"], world["nancy"].id, "Réa seulement", unit_id=world["nancy_rea"].id, now=NOW
    )
    _, principal = resolve_link(session, token, now=NOW)
    assert submit_bed_report(session, principal, world["nancy_rea"].id, figures(), now=NOW).saved is not None
    reports = count_reports(session)
    with pytest.raises(PermissionDenied, match="une seule unité"):
        submit_bed_report(session, principal, world["nancy_usc"].id, figures(), now=NOW)
    assert count_reports(session) == reports


def test_expired_revoked_and_tampered_links_are_refused_and_write_nothing(session: Session, world: dict) -> None:
    nancy, unit = world["nancy"], world["nancy_rea"]
    _, short_token = create_reporting_link(session, world["admin"], nancy.id, "Intérim", valid_for=timedelta(days=1),
                                           now=NOW)
    revoked, revoked_token = create_reporting_link(session, world["admin"], nancy.id, "Ancien cadre", now=NOW)
    _, good_token = create_reporting_link(session, world["admin"], nancy.id, "Cadre", now=NOW)
    # Principals obtained while the links were still valid.
    _, short_principal = resolve_link(session, short_token, now=NOW)
    _, revoked_principal = resolve_link(session, revoked_token, now=NOW)
    revoke_reporting_link(session, world["admin"], revoked.id, now=NOW + timedelta(minutes=5))

    reports, events = count_reports(session), count_audit(session)
    later = NOW + timedelta(days=2)
    with pytest.raises(AuthError, match="expiré"):
        resolve_link(session, short_token, now=later)
    with pytest.raises(AuthError, match="révoqué"):
        resolve_link(session, revoked_token, now=NOW + timedelta(minutes=10))
    tampered = good_token[:-1] + ("A" if good_token[-1] != "A" else "B")
    with pytest.raises(AuthError, match="inconnu ou altéré"):
        resolve_link(session, tampered, now=NOW)
    with pytest.raises(PermissionDenied, match="expiré"):
        submit_bed_report(session, short_principal, unit.id, figures(), now=later)
    with pytest.raises(PermissionDenied, match="révoqué"):
        submit_bed_report(session, revoked_principal, unit.id, figures(), now=NOW + timedelta(minutes=10))
    assert (count_reports(session), count_audit(session)) == (reports, events)
    assert session.scalar(select(BedReport.id).where(BedReport.reporting_link_id.is_not(None))) is None


def test_who_may_create_and_revoke_links(session: Session, world: dict) -> None:
    nancy, metz = world["nancy"], world["metz"]
    grand_est = make_user(session, "regional", region_code="44")
    idf = make_user(session, "regional", region_code="11")
    reporter = make_user(session, "reporter", establishments=(nancy,))
    national = make_user(session, "national")

    link, _ = create_reporting_link(session, grand_est, metz.id, "Cadre de Metz", now=NOW)
    links = session.scalar(select(func.count(ReportingLink.id)))
    for principal in (idf, reporter, national, None):
        with pytest.raises(PermissionDenied):
            create_reporting_link(session, principal, nancy.id, "Quelqu'un", now=NOW)
        with pytest.raises(PermissionDenied):
            revoke_reporting_link(session, principal, link.id, now=NOW)
    assert session.scalar(select(func.count(ReportingLink.id))) == links
    assert session.get(ReportingLink, link.id).revoked_at is None  # type: ignore[union-attr]

    revoke_reporting_link(session, grand_est, link.id, now=NOW)
    assert session.get(ReportingLink, link.id).revoked_at == NOW  # type: ignore[union-attr]


def test_link_request_is_validated(session: Session, world: dict) -> None:
    admin = world["admin"]
    with pytest.raises(LinkError, match="Titulaire"):
        create_reporting_link(session, admin, world["nancy"].id, "  ", now=NOW)
    with pytest.raises(LinkError, match="Unité"):
        create_reporting_link(session, admin, world["nancy"].id, "X", unit_id=world["metz_rea"].id, now=NOW)
    with pytest.raises(LinkError, match="validité"):
        create_reporting_link(session, admin, world["nancy"].id, "X", valid_for=timedelta(days=-1), now=NOW)
    with pytest.raises(LinkError, match="inconnu"):
        create_reporting_link(session, admin, 999_999, "X", now=NOW)
    regional = make_user(session, "regional", region_code="44")
    with pytest.raises(PermissionDenied, match="inconnu"):
        create_reporting_link(session, regional, 999_999, "X", now=NOW)
