"""API routes of the activations app under /api/v1/."""

from activations.api import urls_activation, urls_log, urls_partners, urls_roster

urlpatterns = [
    *urls_partners.urlpatterns,
    *urls_activation.urlpatterns,
    *urls_roster.urlpatterns,
    *urls_log.urlpatterns,
]
