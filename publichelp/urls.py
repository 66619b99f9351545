"""Routes of the help to the population pages, under /a/<slug>/help/."""

from django.urls import URLPattern, path

from publichelp import views

app_name = "publichelp"

_BASE = "a/<slug:slug>/help/"
_ENTRY = _BASE + "entries/<int:entry_id>/"
_REPLIES = _BASE + "replies/"

urlpatterns: list[URLPattern] = [
    path(_BASE, views.home, name="home"),
    path(_BASE + "entries/new/", views.entry_new, name="entry-new"),
    path(_ENTRY, views.entry_detail, name="entry-detail"),
    path(_ENTRY + "match/", views.entry_match, name="entry-match"),
    path(_ENTRY + "status/", views.entry_status, name="entry-status"),
    path(_REPLIES, views.replies, name="replies"),
    path(_REPLIES + "manage/", views.replies_manage, name="replies-manage"),
    path(_REPLIES + "new/", views.reply_new, name="reply-new"),
    path(_REPLIES + "<int:template_id>/edit/", views.reply_edit, name="reply-edit"),
    path(
        _REPLIES + "<int:template_id>/customise/",
        views.reply_customise,
        name="reply-customise",
    ),
    path(
        _REPLIES + "<int:template_id>/active/", views.reply_active, name="reply-active"
    ),
]
