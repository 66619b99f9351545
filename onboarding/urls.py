"""Routes of the volunteer onboarding pages."""

from django.urls import URLPattern, path

from onboarding import views

app_name = "onboarding"

urlpatterns: list[URLPattern] = [
    path("team/onboarding/", views.home, name="home"),
    path("team/training/mine/", views.my_training, name="my-training"),
    path("team/<int:team_id>/onboarding/invite/", views.invite, name="invite"),
    path(
        "team/<int:team_id>/onboarding/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path(
        "team/<int:team_id>/onboarding/applications/<int:application_id>/approve/",
        views.application_approve,
        name="application-approve",
    ),
    path(
        "team/<int:team_id>/onboarding/applications/<int:application_id>/reject/",
        views.application_reject,
        name="application-reject",
    ),
    path("team/<int:team_id>/onboarding/training/", views.training, name="training"),
    path(
        "team/<int:team_id>/onboarding/training/<int:record_id>/",
        views.training,
        name="training-edit",
    ),
    path("team/<int:team_id>/onboarding/readiness/", views.readiness, name="readiness"),
    path("join/apply/<int:organisation_id>/", views.apply, name="apply"),
    path("join/apply/<int:organisation_id>/sent/", views.apply_sent, name="apply-sent"),
    path("join/<str:token>/", views.accept, name="accept"),
]
