"""Top-level URL map."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from activations.views import dashboard
from vost import views

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("activations.api.urls")),
    path("", include("monitoring.api_urls")),
    path("", include("verification.api.urls")),
    path("", include("mapping.api.urls")),
    path("", include("reports.api_urls")),
    path("", include("portal.api_urls")),
    path("", include("relay.api_urls")),
    path("", include("publichelp.api_urls")),
    path("", include("closure.api_urls")),
    path("", include("search.api_urls")),
    path("", include("signals.api_urls")),
    path("", include("dashboards.api_urls")),
    path("", include("campaigns.api_urls")),
    path("", include("onboarding.api_urls")),
    path("", include("audit.api_urls")),
    path("", include("privacy.api_urls")),
]

# A lost database connection is a 503 with a clear message (vost/unavailable.py).
handler500 = "vost.unavailable.server_error"

urlpatterns = [
    path("", dashboard.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/", include("accounts.urls")),
    path("", include("activations.urls")),
    path("", include("monitoring.urls")),
    path("", include("verification.urls")),
    path("", include("mapping.urls")),
    path("ogc/", include("mapping.ogc.urls")),
    path("", include("reports.urls")),
    path("", include("portal.urls")),
    path("", include("relay.urls")),
    path("", include("publichelp.urls")),
    path("", include("closure.urls")),
    path("", include("search.urls")),
    path("", include("signals.urls")),
    path("", include("dashboards.urls")),
    path("", include("campaigns.urls")),
    path("", include("onboarding.urls")),
    path("", include("audit.urls")),
    path("", include("privacy.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
        name="api-docs",
    ),
]

# MEDIA_ROOT (signed agreements) is never served as such, not even in DEBUG: each
# file goes out through a view that checks who asks (e.g. activations:agreement-document).
