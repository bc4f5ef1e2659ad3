"""Component IDs of the bed input page; per-unit inputs use pattern-matching dictionaries."""

from enum import StrEnum


class Ids(StrEnum):
    ESTABLISHMENT = "report-beds-establishment"
    UNITS = "report-beds-units"
    SAVE = "report-beds-save"
    CONFIRM = "report-beds-confirm"
    FEEDBACK = "report-beds-feedback"
    HISTORY = "report-beds-history"
    CORRECT = "report-beds-correct"
    CORRECTION_MODAL = "report-beds-correction-modal"
    CORRECTION_BODY = "report-beds-correction-body"
    CORRECTION_SAVE = "report-beds-correction-save"
    CORRECTION_CONFIRM = "report-beds-correction-confirm"
    CORRECTION_FEEDBACK = "report-beds-correction-feedback"
    CORRECTION_TARGET = "report-beds-correction-target"
    UPLOAD = "report-beds-upload"
    UPLOAD_RESULT = "report-beds-upload-result"
    UPLOAD_CONFIRM = "report-beds-upload-confirm"
    UPLOAD_PENDING = "report-beds-upload-pending"
    TEMPLATE = "report-beds-template"
    TEMPLATE_DOWNLOAD = "report-beds-template-download"
    REFRESH = "report-beds-refresh"


FIELD = "report-beds-field"
FREE = "report-beds-free"
CORRECTION_FIELD = "report-beds-correction-field"
