"""The OpenAPI document itself: valid OpenAPI, and saying what the API does. Every
operation lists every status it can answer with, the parameters it reads and the shapes
of its bodies (the answers themselves are held to it by test_api_schema.py)."""

from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from django_creatify.api import views
from django_creatify.families import FAMILIES
from tests.schema_support import PREFIX, action_of, api_operations, generated_schema

ERRORS_EVERYWHERE = {400, 401, 403, 404, 429}
CREATIFY_ERRORS = {502, 503}
STATUSES = {
    "list": {200, 406, *ERRORS_EVERYWHERE},
    "retrieve": {200, 406, *ERRORS_EVERYWHERE},
    "create": {201, 406, 415, *ERRORS_EVERYWHERE, *CREATIFY_ERRORS},
    "preview": {201, 406, 415, *ERRORS_EVERYWHERE, *CREATIFY_ERRORS},
    "refresh": {200, 202, 406, *ERRORS_EVERYWHERE, *CREATIFY_ERRORS},
    "render": {200, 406, *ERRORS_EVERYWHERE, *CREATIFY_ERRORS},
    "archive": {200, 206, 416, *ERRORS_EVERYWHERE},
}
ANSWERS_WITH_A_JOB = {"list", "retrieve", "create", "preview", "refresh", "render"}


@pytest.fixture(scope="module")
def spec():
    return generated_schema()


def api_paths(spec):
    for path, methods in spec["paths"].items():
        if path.startswith(PREFIX):
            for method, operation in methods.items():
                yield path, method, operation


def test_the_schema_is_valid_openapi(spec):
    validate(spec)


def test_every_operation_documents_every_status_it_can_answer(spec):
    documented = {
        (op.method.upper(), op.path): {int(code) for code in op.definition.raw["responses"]}
        for op in api_operations(spec)
    }
    expected = {
        (op.method.upper(), op.path): STATUSES[action_of(op)] for op in api_operations(spec)
    }
    assert documented == expected


def test_errors_share_the_shapes_drf_answers_with(spec):
    for path, method, operation in api_paths(spec):
        for code, response in operation["responses"].items():
            if code == "416" or int(code) < 400:
                continue
            body = response["content"]["application/json"]["schema"]["$ref"]
            shape = "BadRequest" if code == "400" else "Error"
            assert body == f"#/components/schemas/{shape}", (method, path, code)
    schemas = spec["components"]["schemas"]
    assert schemas["Error"]["required"] == ["detail"]
    assert {"$ref": "#/components/schemas/ValidationErrors"} in schemas["BadRequest"]["anyOf"]
    assert {"$ref": "#/components/schemas/Error"} in schemas["BadRequest"]["anyOf"]


def test_waits_and_challenges_are_documented_headers(spec):
    for path, method, operation in api_paths(spec):
        responses = operation["responses"]
        assert responses["401"]["headers"]["WWW-Authenticate"]["required"] is True
        assert responses["429"]["headers"]["Retry-After"]["schema"] == {"type": "integer"}
        if "503" in responses:
            assert "Retry-After" in responses["503"]["headers"], (method, path)


def test_expand_is_documented_wherever_a_job_is_answered(spec):
    for op in api_operations(spec):
        names = {parameter["name"] for parameter in op.definition.raw.get("parameters", [])}
        assert ("expand" in names) is (action_of(op) in ANSWERS_WITH_A_JOB), op.label
    (expand,) = [
        parameter
        for parameter in spec["paths"][PREFIX + "aurora/{id}/"]["get"]["parameters"]
        if parameter["name"] == "expand"
    ]
    assert expand["in"] == "query"
    assert expand["schema"]["enum"] == ["raw"]
    assert "Staff only" in expand["description"]


def test_the_refresh_documents_its_202_and_takes_no_body(spec):
    for name in FAMILIES:
        refresh = spec["paths"][f"{PREFIX}{name}/{{id}}/refresh/"]["post"]
        job = f"#/components/schemas/{FAMILIES[name].model_name}"
        for code in ("200", "202"):
            assert refresh["responses"][code]["content"]["application/json"]["schema"] == {
                "$ref": job
            }
        assert "requestBody" not in refresh


def test_preview_answers_201_with_the_job_and_render_takes_no_body(spec):
    for name, family in FAMILIES.items():
        if not family.previews:
            continue
        job = {"$ref": f"#/components/schemas/{family.model_name}"}
        preview = spec["paths"][f"{PREFIX}{name}/preview/"]["post"]
        assert preview["responses"]["201"]["content"]["application/json"]["schema"] == job
        assert "200" not in preview["responses"]
        render = spec["paths"][f"{PREFIX}{name}/{{id}}/render/"]["post"]
        assert render["responses"]["200"]["content"]["application/json"]["schema"] == job
        assert "requestBody" not in render


def test_the_archive_streams_files_and_ranges(spec):
    archive = spec["paths"][PREFIX + "aurora/{id}/archive/{field}/"]["get"]
    assert set(archive["responses"]["200"]["content"]) == {
        "video/*",
        "audio/*",
        "image/*",
        "application/octet-stream",
    }
    assert archive["responses"]["206"]["headers"]["Content-Range"]["required"] is True
    assert "content" not in archive["responses"]["416"]
    assert "Range" in {p["name"] for p in archive["parameters"] if p["in"] == "header"}


def test_a_job_is_described_as_the_mirror_keeps_it(spec):
    schemas = spec["components"]["schemas"]
    for family in FAMILIES.values():
        job = schemas[family.model_name]
        # Creatify's text as sent: statuses it adds later are mirrored too.
        assert job["properties"]["status"]["type"] == "string"
        assert "enum" not in job["properties"]["status"]
        assert "raw" in job["properties"]
        assert "raw" not in job["required"]
        assert job["properties"]["archived_outputs"]["additionalProperties"] == {
            "$ref": "#/components/schemas/ArchivedCopy"
        }
    assert "enum" not in schemas["AuroraFlow"]["properties"]["model_version"]
    assert schemas["Lipsync"]["properties"]["output_url"]["nullable"] is True


def test_the_list_documents_every_filter(spec):
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
        "expand",
    } <= names


def test_without_drf_spectacular_the_viewsets_are_left_as_they_are(monkeypatch):
    monkeypatch.setattr(views, "find_spec", lambda name: None)

    class Bare(views.JobViewSet):
        pass

    assert views.described(Bare) is Bare
    assert "list" not in Bare.__dict__
