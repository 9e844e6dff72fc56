"""Shared by the OpenAPI schema tests: the schema as the API serves it, its operations for
schemathesis, requests sent through DRF's test client, and each answer judged by
schemathesis's conformance checks."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import requests
import schemathesis
from django.http import HttpResponseBase
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

PREFIX = "/creatify/api/"

#: Every answer must be documented: its status, its media type, its headers and its body.
CONFORMANCE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def generated_schema() -> dict[str, Any]:
    """The schema generated in-process, as a client downloads it (JSON)."""
    spec = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(spec))


def api_operations(spec: dict[str, Any]) -> list[schemathesis.APIOperation]:
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.path.startswith(PREFIX)]


def family_of(operation: schemathesis.APIOperation) -> str:
    return operation.path.removeprefix(PREFIX).split("/", 1)[0]


def action_of(operation: schemathesis.APIOperation) -> str:
    """``list``, ``create``, ``retrieve``, ``preview``, ``refresh``, ``render``, ``archive``."""
    rest = operation.path.removeprefix(PREFIX).split("/", 1)[1].strip("/")
    if not rest:
        return "list" if operation.method.upper() == "GET" else "create"
    if rest == "{id}":
        return "retrieve"
    parts = rest.split("/")
    return parts[0] if parts[0] == "preview" else parts[1]


def encode(case: schemathesis.Case) -> tuple[str | None, str | None]:
    """The request body as the operation's media type says (multipart as a form), or None."""
    body = case.body
    if not isinstance(body, dict | list | str | int | float | bool) and body is not None:
        return None, None  # schemathesis's NotSet: no body
    if case.media_type == "application/json" or not isinstance(body, dict):
        return json.dumps(body), "application/json"
    flat = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    return urlencode(flat), "application/x-www-form-urlencoded"


def send(client: APIClient, case: schemathesis.Case) -> tuple[str, HttpResponseBase]:
    """``case`` through DRF's test client: (the path with its query, the response)."""
    query = urlencode(case.query or {}, doseq=True)
    path = case.formatted_path + (f"?{query}" if query else "")
    data, content_type = encode(case)
    kwargs: dict[str, Any] = {"data": data, "content_type": content_type} if data else {}
    for name, value in (case.headers or {}).items():
        kwargs["HTTP_" + name.upper().replace("-", "_")] = str(value)
    return path, client.generic(case.method.upper(), path, **kwargs)


def as_received(response: HttpResponseBase, method: str, path: str) -> schemathesis.Response:
    """A Django test response in schemathesis's terms (a streamed body read whole).

    Not closed here: the test client closes a response itself (a streamed one once read
    whole) with Django's ``close_old_connections`` held off. Closing it again would send
    ``request_finished`` to that handler, which closes a connection inside the test's
    transaction (on PostgreSQL; SQLite's in-memory test database ignores it)."""
    streamed = getattr(response, "streaming", False)
    content = b"".join(response.streaming_content) if streamed else response.content
    return schemathesis.Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=content,
        request=requests.Request(method, f"http://testserver{path}").prepare(),
        elapsed=0.0,
        verify=False,
        message=response.reason_phrase,
        encoding=response.charset,
    )


def nonconformance(
    case: schemathesis.Case, path: str, response: HttpResponseBase, *, creatify_failing: bool
) -> tuple[int, str | None]:
    """(status, None) when the answer is what the schema documents, else (status, why).

    A 5xx is a failure, unless Creatify is failing: then the documented 502 and 503 are
    the right answers (and any other 5xx is still undocumented)."""
    received = as_received(response, case.method.upper(), path)
    checks = CONFORMANCE_CHECKS
    if creatify_failing:
        checks = [check for check in checks if check is not not_a_server_error]
    try:
        case.validate_response(received, checks=checks)
    except BaseExceptionGroup as failures:  # schemathesis's FailureGroup: one per check
        return received.status_code, str(failures)
    return received.status_code, None
