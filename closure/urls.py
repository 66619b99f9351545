"""Routes of the closing and after-action review pages."""

from django.urls import URLPattern, path

from closure import views

app_name = "closure"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/after-action/", views.after_action, name="after-action"),
    path(
        "a/<slug:slug>/after-action/lessons/",
        views.lessons_update,
        name="lessons-update",
    ),
    path(
        "a/<slug:slug>/after-action.pdf",
        views.after_action_pdf,
        name="after-action-pdf",
    ),
]
