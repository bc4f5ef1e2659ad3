"""The one authorisation check: each role's scope, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from services.auth import PermissionDenied, Principal, authorize
from tests import factories as f


@pytest.fixture
def places(session: Session) -> dict[str, int]:
    return {
        "nancy": f.establishment(session, "54").id,  # Grand Est (44)
        "metz": f.establishment(session, "57").id,  # Grand Est (44)
        "marseille": f.establishment(session, "13").id,  # Provence-Alpes-Côte d'Azur (93)
    }


def test_reporter_writes_only_its_establishments(session: Session, places: dict[str, int]) -> None:
    reporter = Principal(role="reporter", user_id=1, establishment_ids=frozenset({places["nancy"]}))
    authorize(session, reporter, "beds.report", establishment_id=places["nancy"])
    with pytest.raises(PermissionDenied, match="votre établissement"):
        authorize(session, reporter, "beds.report", establishment_id=places["metz"])
    with pytest.raises(PermissionDenied):
        authorize(session, reporter, "tracing.report", department_code="54")
    with pytest.raises(PermissionDenied):
        authorize(session, reporter, "link.create", establishment_id=places["nancy"])


def test_regional_cell_writes_only_in_its_region(session: Session, places: dict[str, int]) -> None:
    regional = Principal(role="regional", user_id=2, region_code="44")
    authorize(session, regional, "beds.report", establishment_id=places["metz"])
    authorize(session, regional, "link.create", establishment_id=places["nancy"])
    authorize(session, regional, "cluster.write", department_code="57")
    with pytest.raises(PermissionDenied, match="région"):
        authorize(session, regional, "beds.report", establishment_id=places["marseille"])
    with pytest.raises(PermissionDenied, match="région"):
        authorize(session, regional, "tracing.report", department_code="13")
    with pytest.raises(PermissionDenied, match="administrateurs"):
        authorize(session, regional, "user.create")


def test_national_cell_reads_but_never_writes(session: Session, places: dict[str, int]) -> None:
    national = Principal(role="national", user_id=3)
    for action, target in [
        ("beds.report", {"establishment_id": places["nancy"]}),
        ("tracing.report", {"department_code": "54"}),
        ("link.create", {"establishment_id": places["nancy"]}),
    ]:
        with pytest.raises(PermissionDenied, match="Cellule nationale"):
            authorize(session, national, action, **target)


def test_tracing_platform_scoped_to_departments(session: Session) -> None:
    tracing = Principal(role="tracing", user_id=4, department_codes=frozenset({"54"}))
    authorize(session, tracing, "tracing.report", department_code="54")
    with pytest.raises(PermissionDenied, match="départements"):
        authorize(session, tracing, "tracing.report", department_code="57")


def test_reporting_link_is_bound_to_establishment_and_unit(session: Session, places: dict[str, int]) -> None:
    link = Principal(role="link", link_id=9, establishment_ids=frozenset({places["nancy"]}), link_unit_id=5)
    authorize(session, link, "beds.report", establishment_id=places["nancy"], unit_id=5)
    with pytest.raises(PermissionDenied, match="une seule unité"):
        authorize(session, link, "beds.report", establishment_id=places["nancy"], unit_id=6)
    with pytest.raises(PermissionDenied):
        authorize(session, link, "beds.report", establishment_id=places["metz"], unit_id=5)


def test_anonymous_and_unknown_targets(session: Session, places: dict[str, int]) -> None:
    with pytest.raises(PermissionDenied, match="Connexion requise"):
        authorize(session, None, "beds.report", establishment_id=places["nancy"])
    regional = Principal(role="regional", user_id=2, region_code="44")
    with pytest.raises(PermissionDenied, match="Établissement inconnu"):
        authorize(session, regional, "beds.report", establishment_id=10**9)
    with pytest.raises(PermissionDenied, match="Département inconnu"):
        authorize(session, regional, "cluster.write", department_code="00")
    with pytest.raises(ValueError, match="unknown action"):
        authorize(session, regional, "beds.delete")


def test_admin_may_do_everything(session: Session, places: dict[str, int]) -> None:
    admin = Principal(role="admin", user_id=5)
    authorize(session, admin, "user.create")
    authorize(session, admin, "beds.report", establishment_id=places["marseille"])
