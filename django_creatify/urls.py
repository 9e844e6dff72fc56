"""URLs a host site mounts with ``path("creatify/", include("django_creatify.urls"))``."""

from django.urls import include, path

from .webhooks import aurora_webhook

app_name = "django_creatify"

urlpatterns = [
    path("api/", include("django_creatify.api.urls")),
    path("webhook/<str:secret>/", aurora_webhook, name="aurora-webhook"),
]
