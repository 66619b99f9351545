"""Routes of the privacy pages."""

from django.urls import URLPattern, path

from privacy import views

app_name = "privacy"

_REQUEST = "partners/<int:organisation_id>/privacy/requests/<int:number>/"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/privacy/record/", views.record, name="record"),
    path("a/<slug:slug>/privacy/record/edit/", views.record_edit, name="record-edit"),
    path("a/<slug:slug>/privacy/record.json", views.record_json, name="record-json"),
    path(
        "a/<slug:slug>/privacy/record/print/", views.record_print, name="record-print"
    ),
    path("a/<slug:slug>/privacy/record.pdf", views.record_pdf_view, name="record-pdf"),
    path(
        "partners/<int:organisation_id>/privacy/requests/",
        views.requests,
        name="requests",
    ),
    path(_REQUEST, views.request_detail, name="request-detail"),
    path(f"{_REQUEST}find/", views.request_find, name="request-find"),
    path(f"{_REQUEST}approve/", views.request_approve, name="request-approve"),
    path(f"{_REQUEST}complete/", views.request_complete, name="request-complete"),
    path(f"{_REQUEST}refuse/", views.request_refuse, name="request-refuse"),
    path(f"{_REQUEST}data.json", views.request_data, name="request-data"),
]
