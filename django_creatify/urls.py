"""URLs a host site mounts with ``path("creatify/", include("django_creatify.urls"))``."""

from django.contrib.auth.decorators import login_not_required
from django.urls import include, path

from .webhooks import aurora_webhook, job_webhook

app_name = "django_creatify"

urlpatterns = [
    path("api/", include("django_creatify.api.urls")),
    # Creatify cannot log in: under LoginRequiredMiddleware the secret path is the
    # webhook's only credential, as it is without it.
    path("webhook/<str:secret>/", login_not_required(aurora_webhook), name="aurora-webhook"),
    path(
        "webhook/<str:secret>/<str:family>/",
        login_not_required(job_webhook),
        name="job-webhook",
    ),
]
