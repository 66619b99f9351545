"""URL routes: partners pages (see activations/views/organisations.py and
activations/views/agreements.py)."""

from django.urls import URLPattern, path

from activations.views import agreements, organisations

urlpatterns: list[URLPattern] = [
    # organisations
    path("partners/", organisations.organisation_list, name="organisation-list"),
    path(
        "partners/new/", organisations.organisation_create, name="organisation-create"
    ),
    path(
        "partners/<int:organisation_id>/",
        organisations.organisation_detail,
        name="organisation-detail",
    ),
    path(
        "partners/<int:organisation_id>/edit/",
        organisations.organisation_edit,
        name="organisation-edit",
    ),
    path(
        "partners/<int:organisation_id>/contacts/new/",
        organisations.organisation_contact_save,
        name="organisation-contact-create",
    ),
    path(
        "partners/<int:organisation_id>/contacts/<int:contact_id>/edit/",
        organisations.organisation_contact_save,
        name="organisation-contact-edit",
    ),
    path(
        "partners/<int:organisation_id>/contacts/<int:contact_id>/delete/",
        organisations.organisation_contact_delete,
        name="organisation-contact-delete",
    ),
    path(
        "partners/<int:organisation_id>/members/",
        organisations.organisation_member_add,
        name="organisation-member-add",
    ),
    path(
        "partners/<int:organisation_id>/members/remove/",
        organisations.organisation_member_remove,
        name="organisation-member-remove",
    ),
    # agreements
    path("agreements/", agreements.agreement_list, name="agreement-list"),
    path("agreements/new/", agreements.agreement_create, name="agreement-create"),
    path(
        "agreements/<int:agreement_id>/",
        agreements.agreement_detail,
        name="agreement-detail",
    ),
    path(
        "agreements/<int:agreement_id>/edit/",
        agreements.agreement_edit,
        name="agreement-edit",
    ),
    path(
        "agreements/<int:agreement_id>/status/",
        agreements.agreement_status,
        name="agreement-status",
    ),
    path(
        "agreements/<int:agreement_id>/document/",
        agreements.agreement_document,
        name="agreement-document",
    ),
    path(
        "agreements/<int:agreement_id>/contacts/new/",
        agreements.agreement_contact_save,
        name="agreement-contact-create",
    ),
    path(
        "agreements/<int:agreement_id>/contacts/<int:contact_id>/edit/",
        agreements.agreement_contact_save,
        name="agreement-contact-edit",
    ),
    path(
        "agreements/<int:agreement_id>/contacts/<int:contact_id>/delete/",
        agreements.agreement_contact_delete,
        name="agreement-contact-delete",
    ),
]
