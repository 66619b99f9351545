"""API routes: partners (see activations/api/organisations.py and
activations/api/agreements.py)."""

from django.urls import URLPattern, path

from activations.api import agreements, organisations

urlpatterns: list[URLPattern] = [
    path(
        "organisations/",
        organisations.OrganisationListApi.as_view(),
        name="api-organisation-list",
    ),
    path(
        "organisations/<int:organisation_id>/",
        organisations.OrganisationDetailApi.as_view(),
        name="api-organisation-detail",
    ),
    path(
        "organisations/<int:organisation_id>/contacts/",
        organisations.OrganisationContactListApi.as_view(),
        name="api-organisation-contacts",
    ),
    path(
        "agreements/", agreements.AgreementListApi.as_view(), name="api-agreement-list"
    ),
    path(
        "agreements/<int:agreement_id>/",
        agreements.AgreementDetailApi.as_view(),
        name="api-agreement-detail",
    ),
    path(
        "agreements/<int:agreement_id>/status/",
        agreements.AgreementStatusApi.as_view(),
        name="api-agreement-status",
    ),
]
