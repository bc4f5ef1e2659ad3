"""Clusters: creation and updates with their rules and status transitions, scope refusals, listing for the map
and active counts per department, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data_access.models import AuditEvent, Cluster, Department
from data_access.queries.tracing import active_clusters_per_department, clusters
from services.auth import PermissionDenied, Principal
from services.tracing import CLUSTER_TRANSITIONS, create_cluster, update_cluster
from tests.test_tracing_reporting import make_principal

NOW = datetime(2020, 11, 10, 9, 0, tzinfo=UTC)
VALID = {
    "department_code": "54",
    "commune": "Nancy",
    "label": "EHPAD Les Tilleuls",
    "setting": "care_home",
    "opened_on": date(2020, 11, 2),
    "cases": 7,
}


def count_clusters(session: Session) -> int:
    return session.scalar(select(func.count(Cluster.id))) or 0


def count_audit(session: Session) -> int:
    return session.scalar(select(func.count(AuditEvent.id))) or 0


@pytest.fixture
def platform(session: Session) -> Principal:
    return make_principal(session, "tracing", departments=("54", "57"))


def new_cluster(session: Session, principal: Principal, **changes: object) -> Cluster:
    cluster, errors = create_cluster(session, principal, {**VALID, **changes}, now=NOW)
    assert errors == [] and cluster is not None
    return cluster


def test_create_defaults_to_signal_and_is_audited(session: Session, platform: Principal) -> None:
    cluster, errors = create_cluster(
        session, platform, {**VALID, "label": "  EHPAD   Les Tilleuls ", "opened_on": "02/11/2020", "cases": "7"},
        now=NOW, remote_addr="10.0.0.9",
    )
    assert errors == [] and cluster is not None
    stored = session.get(Cluster, cluster.id)
    assert stored is not None
    assert (stored.department_code, stored.label, stored.setting, stored.status) == (
        "54", "EHPAD Les Tilleuls", "care_home", "signal"
    )
    assert (stored.opened_on, stored.closed_on, stored.cases, stored.updated_by_id) == (
        date(2020, 11, 2), None, 7, platform.user_id
    )
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "cluster.create"))
    assert event is not None and event.entity_id == str(cluster.id) and event.remote_addr == "10.0.0.9"
    assert json.loads(event.detail or "{}")["values"]["opened_on"] == "2020-11-02"


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"setting": "bar"}, "setting", "unknown"),
        ({"setting": ""}, "setting", "required"),
        ({"status": "ouvert"}, "status", "unknown"),
        ({"status": "closed"}, "closed_on", "closed_on_required"),
        ({"status": "active", "closed_on": date(2020, 11, 5)}, "closed_on", "closed_on_only_when_closed"),
        ({"status": "closed", "closed_on": date(2020, 11, 1)}, "closed_on", "closed_after_opened"),
        ({"status": "closed", "closed_on": date(2020, 11, 11)}, "closed_on", "future_day"),
        ({"opened_on": date(2020, 11, 11)}, "opened_on", "future_day"),
        ({"opened_on": "31/11/2020"}, "opened_on", "date"),
        ({"opened_on": None}, "opened_on", "required"),
        ({"cases": -1}, "cases", "non_negative"),
        ({"cases": "trois"}, "cases", "integer"),
        ({"label": "   "}, "label", "required"),
        ({"label": "x" * 201}, "label", "max_length"),
        ({"label": "Famille, contact marie.durand@example.fr"}, "label", "personal_data"),
        ({"commune": "Tel 03 83 12 34 56"}, "commune", "personal_data"),
    ],
)
def test_invalid_clusters_are_refused_and_nothing_is_written(
    session: Session, platform: Principal, changes: dict, field: str, rule: str
) -> None:
    cluster, errors = create_cluster(session, platform, {**VALID, **changes}, now=NOW)
    assert cluster is None
    assert [(error.field, error.rule) for error in errors] == [(field, rule)]
    assert count_clusters(session) == 0 and count_audit(session) == 0


def test_messages_name_the_field_and_list_known_values(session: Session, platform: Principal) -> None:
    _, errors = create_cluster(session, platform, {**VALID, "setting": "bar"}, now=NOW)
    assert errors[0].message.startswith("Collectivité : « bar » inconnu ; valeurs possibles : care_home (EHPAD")
    _, errors = create_cluster(session, platform, {**VALID, "status": "closed", "closed_on": "01/11/2020"}, now=NOW)
    assert errors[0].message == "Date de clôture (01/11/2020) ne peut pas précéder Date d'ouverture (02/11/2020)."


def test_closed_cluster_with_a_valid_closing_date_is_accepted(session: Session, platform: Principal) -> None:
    cluster = new_cluster(session, platform, status="closed", closed_on=date(2020, 11, 2))
    assert cluster.status == "closed" and cluster.closed_on == date(2020, 11, 2)


def test_unknown_department_is_an_error(session: Session) -> None:
    admin = make_principal(session, "admin")
    cluster, errors = create_cluster(session, admin, {**VALID, "department_code": "99"}, now=NOW)
    assert cluster is None and [error.rule for error in errors] == ["unknown_department"]
    cluster, errors = create_cluster(session, admin, {**VALID, "department_code": ""}, now=NOW)
    assert cluster is None and [error.rule for error in errors] == ["required"]
    assert count_clusters(session) == 0


@pytest.mark.parametrize(
    ("role", "scope", "department", "message"),
    [
        ("tracing", {"departments": ("54", "57")}, "13", "Hors des départements de votre plateforme."),
        ("regional", {"region_code": "93"}, "54", "Hors du périmètre de votre région."),
        ("national", {}, "54", "Le rôle « Cellule nationale » ne permet pas cette action."),
        ("reporter", {}, "54", "Le rôle « Établissement (déclarant) » ne permet pas cette action."),
    ],
)
def test_create_outside_scope_is_refused(
    session: Session, role: str, scope: dict, department: str, message: str
) -> None:
    principal = make_principal(session, role, **scope)
    with pytest.raises(PermissionDenied, match=re.escape(message)):
        create_cluster(session, principal, {**VALID, "department_code": department}, now=NOW)
    assert count_clusters(session) == 0 and count_audit(session) == 0


def test_regional_cell_may_write_in_its_region(session: Session) -> None:
    grand_est = make_principal(session, "regional", region_code="44")
    assert new_cluster(session, grand_est, department_code="57").department_code == "57"


def test_status_moves_forward_then_closes_and_can_reopen(session: Session, platform: Principal) -> None:
    cluster = new_cluster(session, platform)
    for status in ("investigating", "active"):
        updated, errors = update_cluster(session, platform, cluster.id, {"status": status}, now=NOW)
        assert errors == [] and updated is not None and updated.status == status
    updated, errors = update_cluster(
        session, platform, cluster.id, {"status": "closed", "closed_on": "09/11/2020", "cases": 12}, now=NOW
    )
    assert errors == [] and updated is not None
    assert (updated.status, updated.closed_on, updated.cases) == ("closed", date(2020, 11, 9), 12)
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "cluster.update").order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert json.loads(event.detail or "{}")["changes"] == {
        "status": {"before": "active", "after": "closed"},
        "closed_on": {"before": None, "after": "2020-11-09"},
        "cases": {"before": 7, "after": 12},
    }
    reopened, errors = update_cluster(session, platform, cluster.id, {"status": "active"}, now=NOW)
    assert errors == [] and reopened is not None and reopened.closed_on is None and reopened.status == "active"


@pytest.mark.parametrize(("start", "target"), [("active", "signal"), ("investigating", "signal"),
                                              ("active", "investigating"), ("closed", "investigating")])
def test_backward_transitions_are_refused(session: Session, platform: Principal, start: str, target: str) -> None:
    extra = {"closed_on": date(2020, 11, 5)} if start == "closed" else {}
    cluster = new_cluster(session, platform, status=start, **extra)
    assert target not in CLUSTER_TRANSITIONS[start]
    updated, errors = update_cluster(session, platform, cluster.id, {"status": target}, now=NOW)
    assert updated is None and [error.rule for error in errors] == ["transition"]
    assert "impossible" in errors[0].message
    session.expire_all()
    assert session.get(Cluster, cluster.id).status == start  # type: ignore[union-attr]
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "cluster.update")) == 0


def test_invalid_update_changes_nothing(session: Session, platform: Principal) -> None:
    cluster = new_cluster(session, platform)
    updated, errors = update_cluster(session, platform, cluster.id, {"cases": -4, "label": "Nouveau"}, now=NOW)
    assert updated is None and [error.rule for error in errors] == ["non_negative"]
    session.expire_all()
    stored = session.get(Cluster, cluster.id)
    assert stored is not None and (stored.cases, stored.label) == (7, "EHPAD Les Tilleuls")
    same, errors = update_cluster(session, platform, cluster.id, {"cases": 7}, now=NOW)
    assert same is None and [error.rule for error in errors] == ["no_change"]
    missing, errors = update_cluster(session, platform, 999_999, {"cases": 1}, now=NOW)
    assert missing is None and [error.rule for error in errors] == ["unknown_cluster"]


def test_update_outside_scope_is_refused(session: Session, platform: Principal) -> None:
    admin = make_principal(session, "admin")
    marseille = new_cluster(session, admin, department_code="13", commune="Marseille")
    with pytest.raises(PermissionDenied):
        update_cluster(session, platform, marseille.id, {"cases": 30}, now=NOW)
    nancy = new_cluster(session, platform)
    with pytest.raises(PermissionDenied):
        update_cluster(session, platform, nancy.id, {"department_code": "13"}, now=NOW)
    session.expire_all()
    assert session.get(Cluster, marseille.id).cases == 7  # type: ignore[union-attr]
    assert session.get(Cluster, nancy.id).department_code == "54"  # type: ignore[union-attr]
    assert session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "cluster.update")) == 0


def test_listing_and_active_counts(session: Session, platform: Principal) -> None:
    admin = make_principal(session, "admin")
    new_cluster(session, platform, status="signal", cases=3, opened_on=date(2020, 11, 1))
    new_cluster(session, platform, status="investigating", cases=4, label="Lycée Poincaré", setting="school")
    new_cluster(session, platform, status="active", cases=10, opened_on=date(2020, 11, 5))
    new_cluster(session, platform, status="closed", closed_on=date(2020, 11, 8), cases=50)
    new_cluster(session, platform, department_code="57", status="active", cases=6)
    new_cluster(session, admin, department_code="13", status="active", cases=8)

    everything = clusters(session)
    assert len(everything) == 6
    nancy = clusters(session, department_code="54")
    assert len(nancy) == 4 and nancy.iloc[0]["opened_on"] == pd.Timestamp("2020-11-05")
    department = session.get(Department, "54")
    assert department is not None
    assert set(nancy["latitude"]) == {department.latitude} and set(nancy["longitude"]) == {department.longitude}
    school = nancy[nancy["setting"] == "school"].iloc[0]
    assert school["setting_label"] == "Milieu scolaire / universitaire"
    assert school["status_label"] == "En cours d'investigation"
    assert len(clusters(session, region_code="44")) == 5
    assert len(clusters(session, region_code="44", status="active")) == 2
    assert len(clusters(session, status=["signal", "closed"])) == 2
    with pytest.raises(ValueError, match="unknown cluster status"):
        clusters(session, status="open")

    counts = active_clusters_per_department(session).set_index("code")
    assert len(counts) == 101
    assert (counts.loc["54", "active_clusters"], counts.loc["54", "cases_in_active_clusters"]) == (3, 17)
    assert (counts.loc["54", "signal"], counts.loc["54", "investigating"], counts.loc["54", "active"]) == (1, 1, 1)
    assert counts.loc["57", "active_clusters"] == 1 and counts.loc["13", "active_clusters"] == 1
    assert counts.loc["88", "active_clusters"] == 0 and counts.loc["88", "cases_in_active_clusters"] == 0
    grand_est = active_clusters_per_department(session, region_code="44")
    assert len(grand_est) == 10 and grand_est["active_clusters"].sum() == 4
