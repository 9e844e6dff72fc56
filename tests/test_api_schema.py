"""Property-based run of the generated OpenAPI schema against the API: never a 5xx.

schemathesis turns each operation of drf-spectacular's schema into a Hypothesis strategy;
the cases go through DRF's test client in-process, with the sandbox behind the create
and refresh calls.
"""

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient

from django_creatify.families import FAMILIES

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 130
PREFIX = "/creatify/api/"


def api_operations():
    spec = SchemaGenerator().get_schema(request=None, public=True)
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    return [op for op in operations if op.path.startswith(PREFIX)]


def encode(case):
    """The request body as the operation's media type says, or None."""
    body = case.body
    if not isinstance(body, dict | list | str | int | float | bool) and body is not None:
        return None, None  # schemathesis's NotSet: no body
    if case.media_type == "application/json" or not isinstance(body, dict):
        return json.dumps(body), "application/json"
    flat = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in body.items()}
    return urlencode(flat), "application/x-www-form-urlencoded"


def test_no_generated_request_gets_a_5xx(creatify_sandbox):
    client = APIClient()
    client.force_authenticate(
        get_user_model().objects.create_user("fuzz", password="pw", is_staff=True)
    )
    operations = api_operations()
    assert {(op.method.upper(), op.path) for op in operations} == expected_operations()
    sent, server_errors = [], []

    for operation in operations:

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def exercise(case):
            query = urlencode(case.query or {}, doseq=True)
            path = case.formatted_path + (f"?{query}" if query else "")
            data, content_type = encode(case)
            kwargs = {"data": data, "content_type": content_type} if data is not None else {}
            response = client.generic(case.method.upper(), path, **kwargs)
            sent.append((case.method, path))
            if response.status_code >= 500:
                server_errors.append((case.method, path, data, response.status_code))

        exercise()

    assert len(sent) >= 500
    assert server_errors == []


def expected_operations():
    operations = set()
    for family in FAMILIES.values():
        collection = f"{PREFIX}{family.name}/"
        operations |= {
            ("GET", collection),
            ("POST", collection),
            ("GET", collection + "{id}/"),
            ("POST", collection + "{id}/refresh/"),
            ("GET", collection + "{id}/archive/{field}/"),
        }
        if family.previews:
            operations |= {("POST", collection + "preview/"), ("POST", collection + "{id}/render/")}
    return operations


def test_the_list_documents_every_filter():
    spec = SchemaGenerator().get_schema(request=None, public=True)
    names = {
        parameter["name"] for parameter in spec["paths"][PREFIX + "aurora/"]["get"]["parameters"]
    }
    assert {
        "status",
        "model_version",
        "is_hidden",
        "state",
        "created_at_after",
        "created_at_before",
        "updated_at_after",
        "updated_at_before",
        "search",
        "ordering",
        "page",
        "page_size",
    } <= names
