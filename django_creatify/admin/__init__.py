"""Django admin for the mirror: a read-only control room for Aurora jobs.

``AuroraFlowAdmin`` is registered on the default admin site; a site with its own
``AdminSite`` can register it there too: ``my_site.register(AuroraFlow, AuroraFlowAdmin)``.
"""

from django.contrib import admin

from ..models import AuroraFlow, WebhookEvent
from ..safe_urls import safe_url
from .flows import AuroraFlowAdmin
from .webhook_events import WebhookEventAdmin

admin.site.register(AuroraFlow, AuroraFlowAdmin)
admin.site.register(WebhookEvent, WebhookEventAdmin)

__all__ = ["AuroraFlowAdmin", "WebhookEventAdmin", "safe_url"]
