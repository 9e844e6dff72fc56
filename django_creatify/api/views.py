"""One viewset for every family, made concrete per family by :func:`viewset_for`.

Every family is routed (so URLs, ``reverse()`` and the OpenAPI schema do not depend on
settings read at import); a family missing from ``CREATIFY['FAMILIES']`` answers 404
once the request is authenticated and allowed, so that settings changed at run time (and
in tests) take effect and a client that may not use the API learns nothing of them.
"""

from __future__ import annotations

import logging
from importlib.util import find_spec

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import AuthenticationFailed, NotFound, ParseError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from .. import outputs, sync, tasks
from ..archive_serving import archived_file_response
from ..conf import creatify_settings
from ..exceptions import CreatifyError
from ..families import (
    AI_SHORTS,
    AURORA,
    CREATE,
    LIPSYNC,
    LIPSYNC_V2,
    PREVIEW,
    RENDER,
    Family,
    enabled_families,
    get_family,
)
from ..paginator import EstimatedCountPaginator
from ..queueing import QUEUE_ERRORS
from .access import has_nul_credentials, wants_raw
from .errors import creatify_error_response
from .filters import FilterBackend, filterset_for
from .query import BoundedQueryBackend
from .registry import registration
from .serializers import serializer_for
from .throttling import OptionalScopedRateThrottle

logger = logging.getLogger(__name__)

# Preview and render spend credits as a create does, so they share its throttle.
THROTTLE_SCOPES = {
    "create": "creatify_create",
    "preview": "creatify_create",
    "render": "creatify_create",
    "refresh": "creatify_refresh",
}


class JobPagination(PageNumberPagination):
    """Pages of 25 (up to 100). An unfiltered list of a big table on PostgreSQL reports the
    planner's estimate as ``count`` instead of counting every row (see paginator.py)."""

    django_paginator_class = EstimatedCountPaginator
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


# The name it had when Aurora was the only family.
AuroraFlowPagination = JobPagination


class JobViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """A family's jobs mirrored from Creatify: list, read, create, refresh."""

    #: Set on each family's class by :func:`viewset_for`.
    family: Family
    create_serializer_class: type
    pagination_class = JobPagination
    # BoundedQueryBackend first: nothing reaches the database before the query is checked.
    filter_backends = (
        BoundedQueryBackend,
        FilterBackend,
        filters.SearchFilter,
        filters.OrderingFilter,
    )
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

    def perform_authentication(self, request):
        if has_nul_credentials(request):
            raise AuthenticationFailed(_("Invalid credentials."))
        super().perform_authentication(request)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.family not in enabled_families():
            raise NotFound()

    def get_permissions(self):
        return [permission() for permission in creatify_settings.API_PERMISSION_CLASSES]

    def get_view_name(self):
        # The admin's name for the same thing, not one derived from the class.
        opts = self.family.model._meta
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
            name = self.family.model._meta.verbose_name
            raise NotFound(_("No such %(name)s.") % {"name": name}) from None

    def get_throttles(self):
        self.throttle_scope = THROTTLE_SCOPES.get(self.action, "")
        return [*super().get_throttles(), OptionalScopedRateThrottle()]

    def get_queryset(self):
        queryset = self.family.model.objects.all()
        if not wants_raw(self.request):
            queryset = queryset.defer("raw", "raw_digest")
        user = self.request.user
        if creatify_settings.API_OWNER_SCOPED and not user.is_staff:
            queryset = (
                queryset.filter(created_by_id=user.pk) if user.is_authenticated else queryset.none()
            )
        return queryset

    def get_serializer_class(self):
        if self.action in (CREATE, PREVIEW):
            return self.create_serializer_class
        return serializer_for(self.family)

    def handle_exception(self, exc):
        if isinstance(exc, CreatifyError):
            return creatify_error_response(exc)
        if isinstance(exc, RecursionError):
            # Python's JSON decoder gives up on a body nested thousands of levels deep.
            exc = ParseError(_("The JSON body is nested too deeply."))
        return super().handle_exception(exc)

    def create(self, request, *args, **kwargs):
        return self.make_job(request, CREATE)

    def make_job(self, request, step: str) -> Response:
        form = self.create_serializer_class(
            data=request.data, context=self.get_serializer_context()
        )
        form.is_valid(raise_exception=True)
        owner = request.user if request.user.is_authenticated else None
        job = sync.create_job(self.family, step=step, created_by=owner, **form.validated_data)
        return Response(self.represent(job), status=status.HTTP_201_CREATED)

    def represent(self, job) -> dict:
        return serializer_for(self.family)(job, context=self.get_serializer_context()).data

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            outputs.attach_copies(page)  # one query for the page's archived copies
        return page

    def perform_content_negotiation(self, request, force=False):
        # A player asks for the archived file with Accept: video/*; errors still go out
        # as JSON.
        return super().perform_content_negotiation(request, force=force or self.action == "archive")

    @action(detail=True, methods=["get"], url_path=r"archive/(?P<field>[a-z_]{1,64})")
    def archive(self, request, *args, field: str, **kwargs):
        """Stream this job's archived copy of ``field`` (``video_output``, ``preview``...)
        from the site's storage, to whoever may read the job; ``Range`` is honoured."""
        job = self.get_object()
        row = outputs.copies(job).get(field)
        if row is None:
            raise NotFound(_("This job has no archived %(field)s.") % {"field": field})
        return archived_file_response(request, row)

    @action(detail=True, methods=["post"])
    def refresh(self, request, *args, **kwargs):
        """Re-read this job from Creatify: at once when tasks run inline, else queued (202).

        When the task queue is unreachable the refresh runs in the request instead."""
        job = self.get_object()
        try:
            ran_inline = tasks.ran_inline(tasks.request_refresh(str(job.pk), self.family))
        except QUEUE_ERRORS as exc:
            logger.warning("Task queue unreachable (%s); refreshing job %s now", exc, job.pk)
            sync.sync_jobs(self.family, ids=[job.pk])
            ran_inline = True
        job.refresh_from_db()
        code = status.HTTP_200_OK if ran_inline else status.HTTP_202_ACCEPTED
        return Response(self.represent(job), status=code)


class PreviewRenderActions:
    """A family made in two steps: a preview first, rendered into the video later."""

    @action(detail=False, methods=["post"])
    def preview(self, request, *args, **kwargs):
        """Create a job with a preview at Creatify (the create body); render it later."""
        return self.make_job(request, PREVIEW)

    @action(detail=True, methods=["post"])
    def render(self, request, *args, **kwargs):
        """Render this previewed job into its video; Creatify's answer is mirrored."""
        job = self.get_object()
        return Response(self.represent(sync.render_job(self.family, job.pk)))


def viewset_for(family: Family | str) -> type[JobViewSet]:
    """``<Model>ViewSet``: the family's jobs, with preview and render where it has them."""
    family = get_family(family)
    steps = ["list", "read", "create"]
    bases: tuple[type, ...] = (JobViewSet,)
    if family.previews and RENDER in family.steps:
        steps += ["preview", "render"]
        bases = (PreviewRenderActions, JobViewSet)
    attributes = {
        "__module__": __name__,
        "__doc__": f"{family.label} jobs mirrored from Creatify: {', '.join(steps)}, refresh.",
        "family": family,
        "create_serializer_class": registration(family).create_serializer,
        "filterset_class": filterset_for(family, registration(family).choice_filters),
    }
    return described(type(f"{family.model_name}ViewSet", bases, attributes))


def described(viewset: type[JobViewSet]) -> type[JobViewSet]:
    """``viewset`` with its OpenAPI description (``api/openapi.py``), when drf-spectacular
    (the ``openapi`` extra) is installed to read it."""
    if find_spec("drf_spectacular") is None:
        return viewset
    from .openapi import document

    return document(viewset)


AuroraFlowViewSet = viewset_for(AURORA)
LipsyncViewSet = viewset_for(LIPSYNC)
LipsyncV2ViewSet = viewset_for(LIPSYNC_V2)
AIShortViewSet = viewset_for(AI_SHORTS)

#: Every family's viewset, by Creatify's path segment.
VIEWSETS: dict[str, type[JobViewSet]] = {
    viewset.family.name: viewset
    for viewset in (AuroraFlowViewSet, LipsyncViewSet, LipsyncV2ViewSet, AIShortViewSet)
}
