"""API routes: partners (see activations/api/partners.py)."""

from django.urls import URLPattern, path

from activations.api import partners

urlpatterns: list[URLPattern] = [
    path(
        "organisations/",
        partners.OrganisationListApi.as_view(),
        name="api-organisation-list",
    ),
    path(
        "organisations/<int:organisation_id>/",
        partners.OrganisationDetailApi.as_view(),
        name="api-organisation-detail",
    ),
    path(
        "organisations/<int:organisation_id>/contacts/",
        partners.OrganisationContactListApi.as_view(),
        name="api-organisation-contacts",
    ),
    path("agreements/", partners.AgreementListApi.as_view(), name="api-agreement-list"),
    path(
        "agreements/<int:agreement_id>/",
        partners.AgreementDetailApi.as_view(),
        name="api-agreement-detail",
    ),
    path(
        "agreements/<int:agreement_id>/status/",
        partners.AgreementStatusApi.as_view(),
        name="api-agreement-status",
    ),
]
