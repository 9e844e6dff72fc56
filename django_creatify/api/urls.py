"""Each family under Creatify's own path segment: ``aurora/``, ``lipsyncs/``,
``lipsyncs_v2/``, ``ai_shorts/``. URL names are ``<segment>-list``, ``-detail``,
``-refresh``, and for families made in two steps ``-preview`` and ``-render``."""

from django.contrib.auth.decorators import login_not_required
from rest_framework.routers import SimpleRouter

from .views import VIEWSETS


class UUIDRouter(SimpleRouter):
    lookup_value_converter = "uuid"


router = UUIDRouter()
for name, viewset in VIEWSETS.items():
    router.register(name, viewset, basename=name)

urlpatterns = router.urls
# DRF authenticates (session, basic, token) and authorises API requests itself, answering
# 401/403 in JSON. LoginRequiredMiddleware knows only the session, so it would redirect a
# token client to an HTML login page; DRF 3.16+ marks its views so too, older ones do not.
for pattern in urlpatterns:
    if pattern.callback is not None:
        login_not_required(pattern.callback)
