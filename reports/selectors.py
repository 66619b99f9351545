"""Reads of situation reports, scoped to what the viewer's role may see."""

from __future__ import annotations

from django.db.models import Max, QuerySet

from activations.models import Activation, ActivationMember
from reports.models import ReportAcknowledgement, SituationReport

Role = ActivationMember.Role
Status = SituationReport.Status


def sees_published_only(activation: Activation) -> bool:
    """Liaisons and observers see published reports only (``viewer_role`` is set by
    activations.permissions.activation_get_for_user)."""
    return getattr(activation, "viewer_role", None) in {Role.LIAISON, Role.OBSERVER}


def report_list(*, activation: Activation) -> QuerySet[SituationReport]:
    """Every version the viewer may see, latest number and version first."""
    reports = SituationReport.objects.filter(activation=activation).select_related(
        "created_by", "published_by", "submitted_by"
    )
    if sees_published_only(activation):
        reports = reports.filter(status=Status.PUBLISHED)
    return reports.order_by("-number", "-version")


def report_get(
    *, activation: Activation, number: int, version: int | None = None
) -> SituationReport | None:
    """One version (the latest visible one when `version` is None), or None."""
    reports = report_list(activation=activation).filter(number=number)
    report = reports.filter(version=version).first() if version else reports.first()
    if report is not None:
        report.activation = activation  # carries the viewer's role
    return report


def latest_published_versions(*, activation: Activation) -> dict[int, int]:
    """number -> latest published version (a lower one is superseded)."""
    return dict(
        SituationReport.objects.filter(activation=activation, status=Status.PUBLISHED)
        .values("number")
        .annotate(v=Max("version"))
        .values_list("number", "v")
    )


def report_is_superseded(report: SituationReport) -> bool:
    return SituationReport.objects.filter(
        activation_id=report.activation_id,
        number=report.number,
        version__gt=report.version,
        status=Status.PUBLISHED,
    ).exists()


def report_acknowledgements(
    *, report: SituationReport
) -> QuerySet[ReportAcknowledgement]:
    return report.acknowledgements.select_related("user").order_by("at", "pk")


def final_report_published(*, activation: Activation) -> bool:
    """Whether the activation has a published final report (closing needs one)."""
    return SituationReport.objects.filter(
        activation=activation, status=Status.PUBLISHED, is_final=True
    ).exists()
