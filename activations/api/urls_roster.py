"""API routes: roster (see activations/api/roster.py and activations/api/volunteers.py)."""

from django.urls import URLPattern, path

from activations.api import roster, volunteers

urlpatterns: list[URLPattern] = [
    path(
        "activations/<slug:slug>/shifts/",
        roster.ShiftListApi.as_view(),
        name="api-shift-list",
    ),
    path(
        "activations/<slug:slug>/coverage/",
        roster.ActivationCoverageApi.as_view(),
        name="api-coverage",
    ),
    path(
        "shifts/<int:shift_id>/",
        roster.ShiftDetailApi.as_view(),
        name="api-shift-detail",
    ),
    path(
        "shifts/<int:shift_id>/signup/",
        roster.ShiftSignUpApi.as_view(),
        name="api-shift-signup",
    ),
    path(
        "shifts/<int:shift_id>/assign/",
        roster.ShiftAssignApi.as_view(),
        name="api-shift-assign",
    ),
    path(
        "assignments/<int:assignment_id>/check-in/",
        volunteers.AssignmentCheckInApi.as_view(),
        name="api-assignment-check-in",
    ),
    path(
        "assignments/<int:assignment_id>/check-out/",
        volunteers.AssignmentCheckOutApi.as_view(),
        name="api-assignment-check-out",
    ),
    path("me/shifts/", volunteers.MyShiftListApi.as_view(), name="api-my-shifts"),
]
