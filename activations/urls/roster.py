"""URL routes: roster pages (see activations/views/roster.py)."""

from django.urls import URLPattern, path

from activations.views import roster as views

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/roster/", views.roster, name="roster"),
    path(
        "a/<slug:slug>/roster/shifts/new/",
        views.shift_create,
        name="roster-shift-create",
    ),
    path(
        "a/<slug:slug>/roster/shifts/<int:shift_id>/edit/",
        views.shift_edit,
        name="roster-shift-edit",
    ),
    path(
        "a/<slug:slug>/roster/shifts/<int:shift_id>/sign-up/",
        views.shift_sign_up,
        name="roster-shift-sign-up",
    ),
    path(
        "a/<slug:slug>/roster/shifts/<int:shift_id>/assign/",
        views.shift_assign,
        name="roster-shift-assign",
    ),
    path(
        "a/<slug:slug>/roster/assignments/<int:assignment_id>/withdraw/",
        views.assignment_withdraw,
        name="roster-assignment-withdraw",
    ),
    path(
        "a/<slug:slug>/roster/assignments/<int:assignment_id>/check-in/",
        views.assignment_check_in,
        name="roster-assignment-check-in",
    ),
    path(
        "a/<slug:slug>/roster/assignments/<int:assignment_id>/check-out/",
        views.assignment_check_out,
        name="roster-assignment-check-out",
    ),
    path("a/<slug:slug>/coverage/", views.coverage, name="coverage"),
    path("me/shifts/", views.my_shifts, name="my-shifts"),
    path("me/volunteer/", views.volunteer_profile, name="volunteer-profile"),
    path(
        "me/volunteer/charter/",
        views.charter_accept,
        name="volunteer-charter-accept",
    ),
]
