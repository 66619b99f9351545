"""Routes of the prevention campaigns pages and of watch mode."""

from django.urls import URLPattern, path

from campaigns import views

app_name = "campaigns"

urlpatterns: list[URLPattern] = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/messages/new/", views.message_create, name="message-create"),
    path("campaigns/messages/<int:pk>/edit/", views.message_edit, name="message-edit"),
    path(
        "campaigns/messages/<int:pk>/approve/",
        views.message_approve,
        name="message-approve",
    ),
    path("campaigns/new/", views.campaign_create, name="campaign-create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign-detail"),
    path(
        "campaigns/<int:pk>/approve/", views.campaign_approve, name="campaign-approve"
    ),
    path(
        "campaigns/<int:pk>/withdraw/",
        views.campaign_withdraw,
        name="campaign-withdraw",
    ),
    path("campaigns/<int:pk>/cancel/", views.campaign_cancel, name="campaign-cancel"),
    path("campaigns/posts/<int:pk>/link/", views.post_record_link, name="post-link"),
    path("a/<slug:slug>/watch/convert/", views.watch_convert, name="watch-convert"),
]
