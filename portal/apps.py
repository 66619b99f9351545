from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Liaison portal")

    def ready(self) -> None:
        # Navigation only (the "Portal" link), not domain logic.
        from django.contrib.auth.signals import user_logged_in

        from portal.context_processors import remember_liaison_at_login

        user_logged_in.connect(
            remember_liaison_at_login, dispatch_uid="portal.remember_liaison"
        )
