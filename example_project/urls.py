from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/django_creatify/auroraflow/", permanent=False)),
    path("admin/", admin.site.urls),
    path("creatify/", include("django_creatify.urls")),
]
