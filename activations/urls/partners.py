"""URL routes: partners pages (see activations/views/partners.py)."""

from django.urls import URLPattern, path

from activations.views import partners as views

urlpatterns: list[URLPattern] = [
    # organisations
    path("partners/", views.organisation_list, name="organisation-list"),
    path("partners/new/", views.organisation_create, name="organisation-create"),
    path(
        "partners/<int:organisation_id>/",
        views.organisation_detail,
        name="organisation-detail",
    ),
    path(
        "partners/<int:organisation_id>/edit/",
        views.organisation_edit,
        name="organisation-edit",
    ),
    path(
        "partners/<int:organisation_id>/contacts/new/",
        views.organisation_contact_save,
        name="organisation-contact-create",
    ),
    path(
        "partners/<int:organisation_id>/contacts/<int:contact_id>/edit/",
        views.organisation_contact_save,
        name="organisation-contact-edit",
    ),
    path(
        "partners/<int:organisation_id>/contacts/<int:contact_id>/delete/",
        views.organisation_contact_delete,
        name="organisation-contact-delete",
    ),
    path(
        "partners/<int:organisation_id>/members/",
        views.organisation_member_add,
        name="organisation-member-add",
    ),
    path(
        "partners/<int:organisation_id>/members/remove/",
        views.organisation_member_remove,
        name="organisation-member-remove",
    ),
    # agreements
    path("agreements/", views.agreement_list, name="agreement-list"),
    path("agreements/new/", views.agreement_create, name="agreement-create"),
    path(
        "agreements/<int:agreement_id>/",
        views.agreement_detail,
        name="agreement-detail",
    ),
    path(
        "agreements/<int:agreement_id>/edit/",
        views.agreement_edit,
        name="agreement-edit",
    ),
    path(
        "agreements/<int:agreement_id>/status/",
        views.agreement_status,
        name="agreement-status",
    ),
    path(
        "agreements/<int:agreement_id>/document/",
        views.agreement_document,
        name="agreement-document",
    ),
    path(
        "agreements/<int:agreement_id>/contacts/new/",
        views.agreement_contact_save,
        name="agreement-contact-create",
    ),
    path(
        "agreements/<int:agreement_id>/contacts/<int:contact_id>/edit/",
        views.agreement_contact_save,
        name="agreement-contact-edit",
    ),
    path(
        "agreements/<int:agreement_id>/contacts/<int:contact_id>/delete/",
        views.agreement_contact_delete,
        name="agreement-contact-delete",
    ),
]
