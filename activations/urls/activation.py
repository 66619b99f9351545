"""URL routes: activation pages (see activations/views/activation.py)."""

from django.urls import URLPattern, path

from activations.views import activation as views

urlpatterns: list[URLPattern] = [
    path("activations/", views.activation_list, name="activation-list"),
    path("activations/new/", views.activation_create, name="activation-create"),
    path("a/<slug:slug>/", views.activation_detail, name="activation-detail"),
    path("a/<slug:slug>/edit/", views.activation_edit, name="activation-edit"),
    path(
        "a/<slug:slug>/status/",
        views.activation_transition,
        name="activation-transition",
    ),
    path(
        "a/<slug:slug>/members/",
        views.activation_members,
        name="activation-members",
    ),
    path(
        "a/<slug:slug>/members/remove/",
        views.activation_member_remove,
        name="activation-member-remove",
    ),
    path(
        "a/<slug:slug>/members/teams/",
        views.activation_team_add,
        name="activation-team-add",
    ),
]
