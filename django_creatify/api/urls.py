from rest_framework.routers import SimpleRouter

from .views import AuroraFlowViewSet


class UUIDRouter(SimpleRouter):
    lookup_value_converter = "uuid"


router = UUIDRouter()
router.register("aurora", AuroraFlowViewSet, basename="aurora")

urlpatterns = router.urls
