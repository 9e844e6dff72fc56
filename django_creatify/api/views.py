from __future__ import annotations

import logging

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from .. import sync, tasks
from ..conf import creatify_settings
from ..exceptions import CreatifyError
from ..models import AuroraFlow
from ..paginator import EstimatedCountPaginator
from ..queueing import QUEUE_ERRORS
from .errors import creatify_error_response
from .filters import AuroraFlowFilter, FilterBackend
from .query import BoundedQueryBackend
from .serializers import AuroraFlowCreateSerializer, AuroraFlowSerializer, wants_raw
from .throttling import OptionalScopedRateThrottle

logger = logging.getLogger(__name__)


class AuroraFlowPagination(PageNumberPagination):
    """Pages of 25 (up to 100). An unfiltered list of a big table on PostgreSQL reports the
    planner's estimate as ``count`` instead of counting every row (see paginator.py)."""

    django_paginator_class = EstimatedCountPaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class AuroraFlowViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Aurora jobs mirrored from Creatify: list, read, create, refresh."""

    serializer_class = AuroraFlowSerializer
    pagination_class = AuroraFlowPagination
    # BoundedQueryBackend first: nothing reaches the database before the query is checked.
    filter_backends = (
        BoundedQueryBackend,
        FilterBackend,
        filters.SearchFilter,
        filters.OrderingFilter,
    )
    filterset_class = AuroraFlowFilter
    search_fields = ("name",)
    ordering_fields = (
        "created_at",
        "updated_at",
        "progress",
        "status",
        "name",
        "credits_used",
        "duration",
    )
    ordering = ("-created_at",)

    def get_permissions(self):
        return [permission() for permission in creatify_settings.API_PERMISSION_CLASSES]

    def get_view_name(self):
        # The admin's name for the same thing, not one derived from the class.
        opts = AuroraFlow._meta
        name = opts.verbose_name if self.detail else opts.verbose_name_plural
        return str(name)[:1].upper() + str(name)[1:]

    def get_authenticate_header(self, request):
        """A challenge from any authenticator that has one, so that a client without
        credentials gets 401 rather than 403 whenever it could authenticate (DRF asks
        only the first, and the default first one, sessions, has no challenge)."""
        for authenticator in self.get_authenticators():
            header = authenticator.authenticate_header(request)
            if header:
                return header
        return None

    def get_object(self):
        try:
            return super().get_object()
        except Http404:
            # Django's message names the model class.
            raise NotFound(_("No such Aurora video.")) from None

    def get_throttles(self):
        self.throttle_scope = {"create": "creatify_create", "refresh": "creatify_refresh"}.get(
            self.action, ""
        )
        return [*super().get_throttles(), OptionalScopedRateThrottle()]

    def get_queryset(self):
        queryset = AuroraFlow.objects.all()
        if not wants_raw(self.request):
            queryset = queryset.defer("raw", "raw_digest")
        user = self.request.user
        if creatify_settings.API_OWNER_SCOPED and not user.is_staff:
            queryset = (
                queryset.filter(created_by_id=user.pk) if user.is_authenticated else queryset.none()
            )
        return queryset

    def get_serializer_class(self):
        return AuroraFlowCreateSerializer if self.action == "create" else AuroraFlowSerializer

    def handle_exception(self, exc):
        if isinstance(exc, CreatifyError):
            return creatify_error_response(exc)
        return super().handle_exception(exc)

    def create(self, request, *args, **kwargs):
        form = AuroraFlowCreateSerializer(data=request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        owner = request.user if request.user.is_authenticated else None
        flow = sync.create_aurora_flow(created_by=owner, **form.validated_data)
        data = AuroraFlowSerializer(flow, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def refresh(self, request, *args, **kwargs):
        """Re-read this job from Creatify: at once when tasks run inline, else queued (202).

        When the task queue is unreachable the refresh runs in the request instead."""
        flow = self.get_object()
        try:
            ran_inline = tasks.ran_inline(tasks.request_refresh(str(flow.pk)))
        except QUEUE_ERRORS as exc:
            logger.warning("Task queue unreachable (%s); refreshing job %s now", exc, flow.pk)
            sync.sync_aurora_flows(ids=[flow.pk])
            ran_inline = True
        flow.refresh_from_db()
        data = AuroraFlowSerializer(flow, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_200_OK if ran_inline else status.HTTP_202_ACCEPTED)
