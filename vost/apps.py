from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VostConfig(AppConfig):
    name = "vost"
    verbose_name = _("VOST Hub")
