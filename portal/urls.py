"""Routes of the liaison portal pages and of requests for information."""

from django.urls import URLPattern, path

from portal import views

app_name = "portal"

_RFI = "a/<slug:slug>/rfi/<int:number>/"

urlpatterns: list[URLPattern] = [
    path("portal/", views.portal_home, name="home"),
    path("portal/<slug:slug>/", views.portal_activation, name="activation"),
    path("a/<slug:slug>/rfi/", views.rfi_list, name="rfi-list"),
    path(_RFI, views.rfi_detail, name="rfi-detail"),
    path(_RFI + "answer/", views.rfi_answer, name="rfi-answer"),
    path(_RFI + "assign/", views.rfi_assign, name="rfi-assign"),
    path(_RFI + "close/", views.rfi_close, name="rfi-close"),
]
