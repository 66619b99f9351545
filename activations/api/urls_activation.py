"""API routes: activation (see activations/api/activation.py)."""

from django.urls import URLPattern, path

from activations.api import activation

urlpatterns: list[URLPattern] = [
    path(
        "activations/",
        activation.ActivationListApi.as_view(),
        name="api-activation-list",
    ),
    path(
        "activations/<slug:slug>/",
        activation.ActivationDetailApi.as_view(),
        name="api-activation-detail",
    ),
    path(
        "activations/<slug:slug>/transition/",
        activation.ActivationTransitionApi.as_view(),
        name="api-activation-transition",
    ),
    path(
        "activations/<slug:slug>/members/",
        activation.ActivationMemberListApi.as_view(),
        name="api-activation-members",
    ),
    path(
        "activations/<slug:slug>/members/<int:user_id>/",
        activation.ActivationMemberDetailApi.as_view(),
        name="api-activation-member",
    ),
    path(
        "activations/<slug:slug>/supporting-teams/",
        activation.ActivationSupportingTeamApi.as_view(),
        name="api-activation-supporting-teams",
    ),
]
