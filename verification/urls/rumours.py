"""Routes of the rumour register pages (names used by the tabs and other apps)."""

from django.urls import URLPattern, path

from verification.views import rumours as views

_ONE = "a/<slug:slug>/rumours/<int:number>/"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/rumours/", views.rumour_list, name="rumour-list"),
    path("a/<slug:slug>/rumours/new/", views.rumour_create, name="rumour-create"),
    path(_ONE, views.rumour_detail, name="rumour-detail"),
    path(_ONE + "status/", views.rumour_status, name="rumour-status"),
    path(_ONE + "link/", views.rumour_link, name="rumour-link"),
    path(_ONE + "unlink/", views.rumour_unlink, name="rumour-unlink"),
    path(
        _ONE + "counter-message/",
        views.rumour_counter_save,
        name="rumour-counter-save",
    ),
    path(
        _ONE + "counter-message/submit/",
        views.rumour_counter_submit,
        name="rumour-counter-submit",
    ),
    path(
        _ONE + "counter-message/withdraw/",
        views.rumour_counter_withdraw,
        name="rumour-counter-withdraw",
    ),
    path(
        _ONE + "counter-message/decide/",
        views.rumour_counter_decide,
        name="rumour-counter-decide",
    ),
    path(_ONE + "relays/", views.rumour_relay_add, name="rumour-relay-add"),
]
