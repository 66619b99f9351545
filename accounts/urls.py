from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("profile/", views.profile, name="profile"),
    path("two-factor/", views.two_factor, name="two-factor"),
    path("two-factor/setup/", views.two_factor_setup, name="two-factor-setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two-factor-verify"),
    path(
        "two-factor/backup-codes/",
        views.two_factor_backup_codes,
        name="two-factor-backup-codes",
    ),
    path("two-factor/disable/", views.two_factor_disable, name="two-factor-disable"),
    path("api-tokens/", views.api_tokens, name="api-tokens"),
    path(
        "api-tokens/<int:token_id>/revoke/",
        views.api_token_revoke,
        name="api-token-revoke",
    ),
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
