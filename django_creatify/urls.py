"""URLs a host site mounts with ``path("creatify/", include("django_creatify.urls"))``."""

app_name = "django_creatify"

urlpatterns: list = []
