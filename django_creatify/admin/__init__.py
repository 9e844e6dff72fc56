"""Django admin for the mirror: a read-only control room per Creatify job family, and the
webhook log.

Every family's admin is registered on the default admin site; those left out of
``CREATIFY['FAMILIES']`` are hidden (see :mod:`.base`). A site with its own ``AdminSite``
registers them there too, e.g. ``my_site.register(AuroraFlow, AuroraFlowAdmin)``, or all of
them with :func:`register_families`.
"""

from django.contrib import admin

from ..models import WebhookEvent
from ..safe_urls import safe_url
from .ai_shorts import AIShortAdmin
from .base import CreatifyJobAdmin
from .flows import AuroraFlowAdmin
from .lipsyncs import LipsyncAdmin, LipsyncV2Admin
from .webhook_events import WebhookEventAdmin

#: Each family's admin, in the order the families are listed.
FAMILY_ADMINS: tuple[type[CreatifyJobAdmin], ...] = (
    AuroraFlowAdmin,
    LipsyncAdmin,
    LipsyncV2Admin,
    AIShortAdmin,
)


def register_families(site: admin.AdminSite) -> None:
    """Register every family's admin and the webhook log on ``site``."""
    for model_admin in FAMILY_ADMINS:
        site.register(model_admin.family.model, model_admin)
    site.register(WebhookEvent, WebhookEventAdmin)


register_families(admin.site)

__all__ = [
    "FAMILY_ADMINS",
    "AIShortAdmin",
    "AuroraFlowAdmin",
    "CreatifyJobAdmin",
    "LipsyncAdmin",
    "LipsyncV2Admin",
    "WebhookEventAdmin",
    "register_families",
    "safe_url",
]
