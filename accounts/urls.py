from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("profile/token/", views.api_token_regenerate, name="token-regenerate"),
    path("profile/token/revoke/", views.api_token_revoke, name="token-revoke"),
    path("password/change/", views.password_change, name="password-change"),
    path(
        "password/change/done/", views.password_change_done, name="password-change-done"
    ),
    path("password/reset/", views.password_reset, name="password-reset"),
    path("password/reset/sent/", views.password_reset_done, name="password-reset-done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password-reset-confirm",
    ),
    path(
        "password/reset/complete/",
        views.password_reset_complete,
        name="password-reset-complete",
    ),
    path("language/", views.set_language, name="set-language"),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/read/",
        views.notifications_mark_read,
        name="notifications-mark-read",
    ),
]
