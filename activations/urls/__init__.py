"""Routes of the activations app, one module per area (kept apart so they can grow)."""

from activations.urls import activation, log, partners, roster

app_name = "activations"

urlpatterns = [
    *partners.urlpatterns,
    *activation.urlpatterns,
    *roster.urlpatterns,
    *log.urlpatterns,
]
