"""Routes of the situation reports pages."""

from django.urls import URLPattern, path

from reports import views

app_name = "reports"

_BASE = "a/<slug:slug>/reports/"
_ONE = _BASE + "<int:number>/v<int:version>"

urlpatterns: list[URLPattern] = [
    path(_BASE, views.report_list, name="report-list"),
    path(_BASE + "compose/", views.report_compose, name="report-compose"),
    path(_BASE + "<int:number>/", views.report_latest, name="report-latest"),
    path(_ONE + "/", views.report_detail, name="report-detail"),
    path(_ONE + "/edit/", views.report_edit, name="report-edit"),
    path(_ONE + "/refresh/", views.report_refresh, name="report-refresh"),
    path(_ONE + "/submit/", views.report_submit, name="report-submit"),
    path(_ONE + "/return/", views.report_return, name="report-return"),
    path(_ONE + "/publish/", views.report_publish, name="report-publish"),
    path(_ONE + "/correct/", views.report_correct, name="report-correct"),
    path(_ONE + "/acknowledge/", views.report_acknowledge, name="report-acknowledge"),
    path(_ONE + "/map.svg", views.report_map, name="report-map"),
    path(_ONE + ".pdf", views.report_pdf_download, name="report-pdf"),
    path(_ONE + ".json", views.report_json, name="report-json"),
]
