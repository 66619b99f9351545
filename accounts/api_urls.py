from django.urls import path

from accounts.api import MeApi, NotificationListApi, NotificationMarkReadApi

urlpatterns = [
    path("me/", MeApi.as_view(), name="api-me"),
    path(
        "notifications/",
        NotificationListApi.as_view(),
        name="api-notification-list",
    ),
    path(
        "notifications/read/",
        NotificationMarkReadApi.as_view(),
        name="api-notification-mark-read",
    ),
]
