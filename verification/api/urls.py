"""API routes of the verification app under /api/v1/."""

from verification.api import cases, rumours

urlpatterns = [*cases.urlpatterns, *rumours.urlpatterns]
