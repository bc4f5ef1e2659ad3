"""Bed reporting: server-side validation, saving a report, corrections as new versions, and reporting links."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.models import BED_COUNT_FIELDS, BedReport, Establishment, ReportingLink, Unit, utcnow
from services import audit
from services.auth import PermissionDenied, Principal, authorize, hash_token, new_token
from services.validation import FieldError, parse_count
from settings import settings

# French labels of the report fields, shared by messages, the input page and the upload report.
FIELD_LABELS: dict[str, str] = {
    "installed": "Lits installés",
    "open_beds": "Lits ouverts",
    "occupied": "Lits occupés",
    "occupied_covid": "dont COVID",
    "free_beds": "Lits libres",
    "vent_invasive_used": "Ventilation invasive utilisée",
    "vent_invasive_available": "Ventilation invasive disponible",
    "vent_noninvasive_used": "Ventilation non invasive utilisée",
    "vent_noninvasive_available": "Ventilation non invasive disponible",
    "ecmo_used": "ECMO utilisées",
    "ecmo_available": "ECMO disponibles",
    "closed_staff": "Lits fermés (personnel)",
    "closed_equipment": "Lits fermés (matériel)",
    "closed_supplies": "Lits fermés (fournitures)",
    "comment": "Commentaire",
}

REQUIRED_FIELDS = ("installed", "open_beds", "occupied")
ECMO_FIELDS = ("ecmo_used", "ecmo_available")
CLOSED_FIELDS = ("closed_staff", "closed_equipment", "closed_supplies")
MAX_COMMENT = 500
# No unit has this many beds: a larger figure is a typo (and would overflow an integer column).
MAX_BEDS = 10_000
MAX_LINK_VALIDITY = timedelta(days=365)


@dataclass
class ValidationResult:
    """Hard errors block the save; warnings only ask for confirmation. ``values`` holds the parsed numbers."""

    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    values: dict[str, int] = field(default_factory=dict)
    comment: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class SubmitResult:
    """Outcome of a save: the new report, or the errors that blocked it, or warnings awaiting confirmation."""

    saved: BedReport | None = None
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return self.saved is None and not self.errors and bool(self.warnings)


def label(field_name: str) -> str:
    return FIELD_LABELS.get(field_name, field_name)


def _parse_count(field_name: str, raw: object, errors: list[FieldError]) -> int | None:
    """A non-negative whole number; the three capacity fields are required, the others default to 0."""
    return parse_count(field_name, raw, errors, name=label(field_name), required=field_name in REQUIRED_FIELDS,
                       maximum=MAX_BEDS)


def validate_bed_report(
    values: Mapping[str, object],
    unit: Unit,
    previous: BedReport | None,
    *,
    jump_threshold: int | None = None,
) -> ValidationResult:
    """Check one report against the hard rules (which block) and the jump rule (which asks for confirmation)."""
    result = ValidationResult()
    parsed: dict[str, int | None] = {
        name: _parse_count(name, values.get(name), result.errors) for name in BED_COUNT_FIELDS
    }

    def check(left: str, right: str, rule: str) -> None:
        low, high = parsed[left], parsed[right]
        if low is not None and high is not None and low > high:
            result.errors.append(
                FieldError(left, f"{label(left)} ({low}) ne peut pas dépasser {label(right)} ({high}).", rule)
            )

    check("open_beds", "installed", "open_le_installed")
    check("occupied", "open_beds", "occupied_le_open")
    check("occupied_covid", "occupied", "covid_le_occupied")

    occupied = parsed["occupied"]
    invasive, noninvasive = parsed["vent_invasive_used"], parsed["vent_noninvasive_used"]
    if occupied is not None and invasive is not None and noninvasive is not None and invasive + noninvasive > occupied:
        result.errors.append(FieldError(
            "vent_invasive_used",
            f"{label('vent_invasive_used')} + {label('vent_noninvasive_used')} ({invasive + noninvasive}) "
            f"ne peut pas dépasser {label('occupied')} ({occupied}) : un patient ventilé occupe un lit.",
            "ventilated_le_occupied",
        ))
    ecmo_used = parsed["ecmo_used"]
    if occupied is not None and ecmo_used is not None and ecmo_used > occupied:
        result.errors.append(FieldError(
            "ecmo_used", f"{label('ecmo_used')} ({ecmo_used}) ne peut pas dépasser {label('occupied')} ({occupied}).",
            "ecmo_le_occupied",
        ))
    if not unit.has_ecmo:
        for name in ECMO_FIELDS:
            if parsed[name]:
                result.errors.append(FieldError(
                    name, f"{label(name)} : cette unité n'a pas d'ECMO, la valeur doit être 0 (reçu {parsed[name]}).",
                    "no_ecmo",
                ))

    installed, open_beds = parsed["installed"], parsed["open_beds"]
    closed = [parsed[name] for name in CLOSED_FIELDS]
    if installed is not None and open_beds is not None and open_beds <= installed and None not in closed:
        total_closed = sum(c for c in closed if c is not None)
        if total_closed > installed - open_beds:
            result.errors.append(FieldError(
                "closed_staff",
                f"Lits fermés (total {total_closed}) : ne peut pas dépasser {label('installed')} − "
                f"{label('open_beds')} ({installed - open_beds}).",
                "closed_le_installed_minus_open",
            ))

    comment = values.get("comment")
    if comment is not None and not isinstance(comment, str):
        result.errors.append(FieldError("comment", f"{label('comment')} : texte attendu.", "text"))
    elif isinstance(comment, str):
        comment = comment.strip() or None
        if comment is not None and len(comment) > MAX_COMMENT:
            result.errors.append(FieldError(
                "comment", f"{label('comment')} : {MAX_COMMENT} caractères au plus (reçu {len(comment)}).", "max_length"
            ))
        result.comment = comment

    if result.errors:
        return result
    result.values = {name: value for name, value in parsed.items() if value is not None}

    threshold = settings.bed_jump_confirm if jump_threshold is None else jump_threshold
    if previous is not None:
        for name in BED_COUNT_FIELDS:
            before, after = getattr(previous, name) or 0, result.values[name]
            if abs(after - before) > threshold:
                result.warnings.append(FieldError(
                    name,
                    f"{label(name)} : passe de {before} à {after} depuis la dernière déclaration "
                    f"(écart {abs(after - before)} > {threshold}). Confirmez si c'est exact.",
                    "jump",
                ))
    return result


def latest_report(session: Session, unit_id: int) -> BedReport | None:
    """The unit's current report: newest reported_at, then the largest id (a correction beats its original)."""
    return session.scalar(
        select(BedReport)
        .where(BedReport.unit_id == unit_id)
        .order_by(BedReport.reported_at.desc(), BedReport.id.desc())
        .limit(1)
    )


def check_link_still_valid(session: Session, principal: Principal, now: datetime) -> None:
    """A link principal is re-checked at save time: a link revoked or expired since it was opened writes nothing."""
    if principal.link_id is None:
        return
    link = session.get(ReportingLink, principal.link_id)
    if link is None:
        raise PermissionDenied("Lien de déclaration inconnu.")
    if link.revoked_at is not None:
        raise PermissionDenied("Ce lien de déclaration a été révoqué.")
    if link.expires_at <= now:
        raise PermissionDenied("Ce lien de déclaration a expiré.")


def _report_values(report: BedReport) -> dict[str, int]:
    return {name: getattr(report, name) or 0 for name in BED_COUNT_FIELDS}


def _new_report(
    principal: Principal,
    unit_id: int,
    checked: ValidationResult,
    *,
    reported_at: datetime,
    recorded_at: datetime,
    channel: str,
    supersedes_id: int | None = None,
) -> BedReport:
    return BedReport(
        unit_id=unit_id,
        reported_at=reported_at,
        recorded_at=recorded_at,
        channel=channel,
        author_id=principal.user_id,
        reporting_link_id=principal.link_id,
        supersedes_id=supersedes_id,
        comment=checked.comment,
        **checked.values,
    )


def submit_bed_report(
    session: Session,
    principal: Principal | None,
    unit_id: int,
    values: Mapping[str, object],
    *,
    confirm: bool = False,
    now: datetime | None = None,
    remote_addr: str | None = None,
    channel: str | None = None,
) -> SubmitResult:
    """Authorise, validate, then append one report; raises PermissionDenied when the principal may not write.

    Nothing is written unless every hard rule passes and, when the jump rule fires, ``confirm`` is true.
    """
    now = now or utcnow()
    unit = session.get(Unit, unit_id)
    if unit is None or not unit.active:
        return SubmitResult(errors=[FieldError("unit_id", f"Unité : n° {unit_id} inconnue ou fermée.", "unknown_unit")])
    authorize(session, principal, "beds.report", establishment_id=unit.establishment_id, unit_id=unit.id)
    assert principal is not None
    check_link_still_valid(session, principal, now)

    checked = validate_bed_report(values, unit, latest_report(session, unit.id))
    if checked.errors:
        return SubmitResult(errors=checked.errors, warnings=checked.warnings)
    if checked.warnings and not confirm:
        return SubmitResult(warnings=checked.warnings)

    channel = channel or principal.channel
    report = _new_report(principal, unit.id, checked, reported_at=now, recorded_at=now, channel=channel)
    session.add(report)
    session.flush()
    audit.record(
        session, principal, "beds.report", "bed_report", report.id, channel=channel, remote_addr=remote_addr,
        detail={
            "unit_id": unit.id,
            "establishment_id": unit.establishment_id,
            "values": checked.values,
            "confirmed_warnings": [w.message for w in checked.warnings],
        },
    )
    return SubmitResult(saved=report, warnings=checked.warnings)


def correction_deadline(report: BedReport) -> datetime:
    """Corrections are allowed until this time, counted from the original's reported_at (kept by every version)."""
    return report.reported_at + timedelta(days=settings.correction_days)


def correct_bed_report(
    session: Session,
    principal: Principal | None,
    report_id: int,
    values: Mapping[str, object],
    *,
    confirm: bool = False,
    now: datetime | None = None,
    remote_addr: str | None = None,
) -> SubmitResult:
    """Append a corrected version of a report (fields not given keep their value); the original stays.

    Refused when the report is unknown, already superseded (correct the newest version instead), or older
    than ``settings.correction_days``. The jump rule compares with the version being corrected.
    """
    now = now or utcnow()
    original = session.get(BedReport, report_id)
    if original is None:
        return SubmitResult(errors=[FieldError("report_id", f"Déclaration n° {report_id} inconnue.", "unknown_report")])
    unit = session.get(Unit, original.unit_id)
    assert unit is not None
    authorize(session, principal, "beds.report", establishment_id=unit.establishment_id, unit_id=unit.id)
    assert principal is not None
    check_link_still_valid(session, principal, now)

    newer = session.scalar(select(BedReport.id).where(BedReport.supersedes_id == original.id).limit(1))
    if newer is not None:
        return SubmitResult(errors=[FieldError(
            "report_id",
            f"Déclaration n° {original.id} déjà corrigée par la n° {newer} : corrigez la version la plus récente.",
            "already_superseded",
        )])
    if now > correction_deadline(original):
        return SubmitResult(errors=[FieldError(
            "report_id",
            f"Déclaration du {original.reported_at:%d/%m/%Y %H:%M} UTC : une correction n'est possible que pendant "
            f"{settings.correction_days} jours.",
            "correction_window",
        )])

    before = _report_values(original)
    merged: dict[str, object] = {**before, "comment": original.comment}
    merged.update(values)
    checked = validate_bed_report(merged, unit, original)
    if checked.errors:
        return SubmitResult(errors=checked.errors, warnings=checked.warnings)
    changes = {
        name: {"before": before[name], "after": checked.values[name]}
        for name in BED_COUNT_FIELDS
        if before[name] != checked.values[name]
    }
    if checked.comment != original.comment:
        changes["comment"] = {"before": original.comment, "after": checked.comment}
    if not changes:
        return SubmitResult(errors=[FieldError("report_id", "Aucune valeur modifiée : rien à corriger.", "no_change")])
    if checked.warnings and not confirm:
        return SubmitResult(warnings=checked.warnings)

    channel = principal.channel
    correction = _new_report(
        principal, unit.id, checked,
        reported_at=original.reported_at, recorded_at=now, channel=channel, supersedes_id=original.id,
    )
    session.add(correction)
    session.flush()
    audit.record(
        session, principal, "beds.correct", "bed_report", correction.id, channel=channel, remote_addr=remote_addr,
        detail={
            "unit_id": unit.id,
            "establishment_id": unit.establishment_id,
            "supersedes_id": original.id,
            "reported_at": original.reported_at.isoformat(),
            "changes": changes,
            "confirmed_warnings": [w.message for w in checked.warnings],
        },
    )
    return SubmitResult(saved=correction, warnings=checked.warnings)


class LinkError(ValueError):
    """Invalid reporting-link request; the message names the field."""


def create_reporting_link(
    session: Session,
    principal: Principal | None,
    establishment_id: int,
    holder_name: str,
    *,
    unit_id: int | None = None,
    valid_for: timedelta = timedelta(days=30),
    now: datetime | None = None,
    remote_addr: str | None = None,
) -> tuple[ReportingLink, str]:
    """Create a password-less reporting link for one person; only its hash is stored, the token is returned once."""
    now = now or utcnow()
    authorize(session, principal, "link.create", establishment_id=establishment_id, unit_id=unit_id)
    assert principal is not None
    if principal.user_id is None:
        raise PermissionDenied("Seul un compte nominatif peut créer un lien de déclaration.")
    holder_name = (holder_name or "").strip()
    if not holder_name:
        raise LinkError("Titulaire : nom obligatoire.")
    if len(holder_name) > 120:
        raise LinkError("Titulaire : 120 caractères au plus.")
    if valid_for <= timedelta(0) or valid_for > MAX_LINK_VALIDITY:
        raise LinkError(f"Durée de validité : entre 1 jour et {MAX_LINK_VALIDITY.days} jours.")
    establishment = session.get(Establishment, establishment_id)
    if establishment is None:  # authorize lets administrators through without looking the target up
        raise LinkError(f"Établissement : n° {establishment_id} inconnu.")
    if unit_id is not None:
        unit = session.get(Unit, unit_id)
        if unit is None or unit.establishment_id != establishment_id:
            raise LinkError(f"Unité : n° {unit_id} n'appartient pas à l'établissement {establishment.name}.")
    token = new_token()
    link = ReportingLink(
        token_hash=hash_token(token),
        establishment_id=establishment_id,
        unit_id=unit_id,
        holder_name=holder_name,
        created_by_id=principal.user_id,
        created_at=now,
        expires_at=now + valid_for,
    )
    session.add(link)
    session.flush()
    audit.record(
        session, principal, "link.create", "reporting_link", link.id, remote_addr=remote_addr,
        detail={"establishment_id": establishment_id, "unit_id": unit_id, "holder_name": holder_name,
                "expires_at": link.expires_at.isoformat()},
    )
    return link, token


def revoke_reporting_link(
    session: Session,
    principal: Principal | None,
    link_id: int,
    *,
    now: datetime | None = None,
    remote_addr: str | None = None,
) -> ReportingLink:
    """Revoke a link at once; revoking an already revoked link changes nothing."""
    now = now or utcnow()
    link = session.get(ReportingLink, link_id)
    if link is None:
        raise LinkError(f"Lien n° {link_id} inconnu.")
    authorize(session, principal, "link.revoke", establishment_id=link.establishment_id)
    if link.revoked_at is not None:
        return link
    link.revoked_at = now
    session.flush()
    audit.record(
        session, principal, "link.revoke", "reporting_link", link.id, remote_addr=remote_addr,
        detail={"establishment_id": link.establishment_id, "holder_name": link.holder_name},
    )
    return link


def reporting_links(session: Session, establishment_id: int) -> list[ReportingLink]:
    """An establishment's links, newest first (for the administration page)."""
    return list(session.scalars(
        select(ReportingLink)
        .where(ReportingLink.establishment_id == establishment_id)
        .order_by(ReportingLink.created_at.desc(), ReportingLink.id.desc())
    ))


@dataclass
class BatchResult:
    """Outcome of saving several units at once: all saved, or none with the reasons per unit."""

    saved: list[BedReport] = field(default_factory=list)
    errors: dict[int, list[FieldError]] = field(default_factory=dict)
    warnings: dict[int, list[FieldError]] = field(default_factory=dict)

    @property
    def needs_confirmation(self) -> bool:
        return not self.saved and not self.errors and bool(self.warnings)


def submit_establishment_reports(
    session: Session,
    principal: Principal | None,
    values_by_unit: Mapping[int, Mapping[str, object]],
    *,
    confirm: bool = False,
    now: datetime | None = None,
    remote_addr: str | None = None,
) -> BatchResult:
    """Save one report per unit in a single savepoint: if any unit breaks a hard rule, or needs a confirmation
    not yet given, nothing at all is written. Raises PermissionDenied for a unit outside the principal's scope."""
    now = now or utcnow()
    result = BatchResult()
    with session.begin_nested() as savepoint:
        for unit_id, values in values_by_unit.items():
            outcome = submit_bed_report(session, principal, unit_id, values, confirm=confirm, now=now,
                                        remote_addr=remote_addr)
            if outcome.errors:
                result.errors[unit_id] = outcome.errors
            if outcome.warnings:
                result.warnings[unit_id] = outcome.warnings
            if outcome.saved is not None:
                result.saved.append(outcome.saved)
        if result.errors or (result.warnings and not confirm):
            savepoint.rollback()
            result.saved = []
    return result
