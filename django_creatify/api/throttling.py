from rest_framework.throttling import ScopedRateThrottle


class OptionalScopedRateThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, inactive until the host sets a rate for the scope.

    Scopes: ``creatify_create`` and ``creatify_refresh``, set in
    ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.
    """

    def allow_request(self, request, view):
        scope = getattr(view, self.scope_attr, None)
        if not scope or scope not in self.THROTTLE_RATES:
            return True
        return super().allow_request(request, view)
