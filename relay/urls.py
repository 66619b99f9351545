"""Routes of the relay of official messages pages."""

from django.urls import URLPattern, path

from relay import views

app_name = "relay"

_BASE = "a/<slug:slug>/relay/"
_TASK = _BASE + "tasks/<int:task_id>/"

urlpatterns: list[URLPattern] = [
    path(_BASE, views.message_list, name="message-list"),
    path(_BASE + "new/", views.message_create, name="message-create"),
    path(_BASE + "outbox/", views.outbox, name="outbox"),
    path(_BASE + "settings/", views.relay_settings, name="settings"),
    path(_BASE + "<int:message_id>/", views.message_detail, name="message-detail"),
    path(
        _BASE + "<int:message_id>/drafts/", views.message_drafts, name="message-drafts"
    ),
    path(_TASK + "edit/", views.task_edit, name="task-edit"),
    path(
        _TASK + "request-approval/",
        views.task_request_approval,
        name="task-request-approval",
    ),
    path(_TASK + "approve/", views.task_approve, name="task-approve"),
    path(_TASK + "publish/", views.task_publish, name="task-publish"),
    path(_TASK + "link/", views.task_link, name="task-link"),
    path(_TASK + "cancel/", views.task_cancel, name="task-cancel"),
]
