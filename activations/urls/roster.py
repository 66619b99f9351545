"""URL routes: roster pages (see activations/views/roster.py and
activations/views/volunteers.py)."""

from django.urls import URLPattern, path

from activations.views import roster, volunteers

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/roster/", roster.roster, name="roster"),
    path(
        "a/<slug:slug>/roster/shifts/new/",
        roster.shift_create,
        name="roster-shift-create",
    ),
    path(
        "a/<slug:slug>/roster/shifts/<int:shift_id>/edit/",
        roster.shift_edit,
        name="roster-shift-edit",
    ),
    path(
        "a/<slug:slug>/roster/shifts/<int:shift_id>/sign-up/",
        roster.shift_sign_up,
        name="roster-shift-sign-up",
    ),
    path(
        "a/<slug:slug>/roster/shifts/<int:shift_id>/assign/",
        roster.shift_assign,
        name="roster-shift-assign",
    ),
    path(
        "a/<slug:slug>/roster/assignments/<int:assignment_id>/withdraw/",
        roster.assignment_withdraw,
        name="roster-assignment-withdraw",
    ),
    path(
        "a/<slug:slug>/roster/assignments/<int:assignment_id>/check-in/",
        volunteers.assignment_check_in,
        name="roster-assignment-check-in",
    ),
    path(
        "a/<slug:slug>/roster/assignments/<int:assignment_id>/check-out/",
        volunteers.assignment_check_out,
        name="roster-assignment-check-out",
    ),
    path("a/<slug:slug>/coverage/", roster.coverage, name="coverage"),
    path("me/shifts/", volunteers.my_shifts, name="my-shifts"),
    path("me/volunteer/", volunteers.volunteer_profile, name="volunteer-profile"),
    path(
        "me/volunteer/charter/",
        volunteers.charter_accept,
        name="volunteer-charter-accept",
    ),
]
