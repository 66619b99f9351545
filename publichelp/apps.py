from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublichelpConfig(AppConfig):
    name = "publichelp"
    verbose_name = _("Help to the population")
