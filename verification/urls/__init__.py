"""Routes of the verification pages: cases and the rumour register."""

from verification.urls import cases, rumours

app_name = "verification"

urlpatterns = [*cases.urlpatterns, *rumours.urlpatterns]
