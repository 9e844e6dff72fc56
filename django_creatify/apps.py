from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreatifyConfig(AppConfig):
    name = "django_creatify"
    label = "django_creatify"
    verbose_name = _("Creatify")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks, conf  # noqa: F401  (registers checks and the settings receiver)
