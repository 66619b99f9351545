"""Routes of the search pages."""

from django.urls import URLPattern, path

from search import views

app_name = "search"

urlpatterns: list[URLPattern] = [
    path("a/<slug:slug>/search/", views.search, name="search"),
    path("a/<slug:slug>/search/saved/", views.saved_create, name="saved-create"),
    path(
        "a/<slug:slug>/search/saved/<int:saved_id>/",
        views.saved_update,
        name="saved-update",
    ),
    path(
        "a/<slug:slug>/search/saved/<int:saved_id>/delete/",
        views.saved_delete,
        name="saved-delete",
    ),
    path(
        "a/<slug:slug>/search/saved/<int:saved_id>/follow/",
        views.saved_follow,
        name="saved-follow",
    ),
]
