"""Property-based run of the generated OpenAPI schema against the API: every answer is one
the schema documents (status, media type, headers, body), never a 5xx.

schemathesis turns each operation of drf-spectacular's schema into a Hypothesis strategy;
the cases go through DRF's test client in-process, with the sandbox behind the calls that
reach Creatify. Each scenario asks as someone else or breaks something else: staff, a
signed-in user of an owner-scoped site, a user the default permissions refuse, nobody,
a disabled family, Creatify failing, the throttles closed, tasks queued to a broker.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from celery.result import AsyncResult
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient
from schemathesis import GenerationMode

from django_creatify import sync
from django_creatify.api.throttling import OptionalScopedRateThrottle
from django_creatify.archive import archive_job
from django_creatify.families import FAMILIES
from django_creatify.sandbox import Fault, Sandbox
from tests.family_api_support import VALID_BODIES
from tests.schema_support import (
    PREFIX,
    action_of,
    api_operations,
    family_of,
    generated_schema,
    nonconformance,
    send,
)

pytestmark = pytest.mark.django_db

MIN_REQUESTS = 1000
CREATIFY_ACTIONS = {"create", "preview", "render", "refresh"}
MAKING = {"create", "preview"}
ALLOWED_HOOK_HOST = "hooks.example"

# Creatify misbehaving, each enough times to outlast the client's retries (MAX_RETRIES=2).
FAULTS: list[Callable[[], list[Fault]]] = [
    lambda: [Fault.status(503)] * 3,
    lambda: [Fault.status(429, retry_after=2)] * 3,
    lambda: [Fault.status(429, retry_after="inf")] * 3,
    lambda: [Fault.drop()] * 3,
    lambda: [Fault.status(401)],
    lambda: [Fault.status(501)],
    lambda: [Fault.status(404)],
    lambda: [Fault.body(200, b"[{")],
    lambda: [Fault.status(400, body=["Not now.", {"name": ["Too long."]}])],
    lambda: [Fault.status(400, body={"video_inputs": [{"voice": "No."}, {}], "n": 3})],
    lambda: [Fault.status(400, body="plain text")],
]


@dataclass(frozen=True)
class Scenario:
    name: str
    examples: int  # per operation
    user: str | None = "staff"
    negative: bool = False
    actions: frozenset[str] | None = None  # None: every operation
    creatify: dict[str, Any] = field(default_factory=dict)
    faults: bool = False
    throttled: bool = False
    queued: bool = False
    # Aim only at jobs the mirror has ("jobs") or at those with an archived copy ("copies"),
    # rather than at them and at ids nobody knows.
    aim: str = "anywhere"

    def covers(self, action: str) -> bool:
        return self.actions is None or action in self.actions


SCENARIOS = [
    Scenario("staff", 32),
    Scenario("staff, invalid input", 12, negative=True),
    Scenario(
        "signed-in user, owner-scoped",
        8,
        user="member",
        creatify={
            "API_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
            "API_OWNER_SCOPED": True,
            "WEBHOOK_URL_ALLOWED_HOSTS": [ALLOWED_HOOK_HOST],
        },
    ),
    Scenario("not staff", 2, user="member"),
    Scenario("nobody", 2, user=None),
    Scenario("Aurora alone enabled", 2, creatify={"FAMILIES": ["aurora"]}),
    Scenario("Creatify failing", 8, actions=frozenset(CREATIFY_ACTIONS), faults=True, aim="jobs"),
    Scenario("throttled", 2, actions=frozenset(CREATIFY_ACTIONS), throttled=True),
    Scenario("archived copies", 6, actions=frozenset({"archive"}), aim="copies"),
    # Last: a queued refresh holds its job's coalescing mark until the task would run.
    Scenario("tasks queued", 6, actions=frozenset({"refresh"}), queued=True, aim="jobs"),
]


#: By family: "jobs" and "copies", each a list of (job id, field) to put in a path.
Targets = dict[str, dict[str, list[tuple[str, str]]]]


@dataclass
class Run:
    sent: int = 0
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


def test_every_answer_is_documented(creatify_sandbox, archive_dir, file_server, monkeypatch):
    """At least MIN_REQUESTS generated requests over every scenario; each answer is held to
    the schema by schemathesis's conformance checks (schema_support.CONFORMANCE_CHECKS)."""
    started = time.monotonic()
    operations = api_operations(generated_schema())
    assert {(op.method.upper(), op.path) for op in operations} == expected_operations()
    targets = known_jobs(creatify_sandbox, file_server)
    users = {
        "staff": get_user_model().objects.create_user("fuzz", is_staff=True),
        "member": get_user_model().objects.create_user("member"),
    }
    run = Run()
    for scenario in SCENARIOS:
        client = APIClient()
        client.force_authenticate(users.get(scenario.user or ""))
        with circumstances(scenario, monkeypatch):
            for operation in operations:
                if scenario.covers(action_of(operation)):
                    exercise(operation, scenario, client, targets, creatify_sandbox, run)
    creatify_sandbox.clear_faults()
    elapsed = time.monotonic() - started

    print(f"\n{run.sent} requests in {elapsed:.1f} s; statuses: {sorted(run.statuses.items())}")
    assert run.failures == [], f"{len(run.failures)} undocumented answers:\n" + "\n\n".join(
        run.failures[:5]
    )
    assert run.sent >= MIN_REQUESTS
    # The run reached every kind of answer, not only the easy ones.
    assert {200, 201, 202, 206, 400, 401, 403, 404, 429, 502, 503} <= set(run.statuses)


def exercise(
    operation: schemathesis.APIOperation,
    scenario: Scenario,
    client: APIClient,
    targets: Targets,
    sandbox: Sandbox,
    run: Run,
) -> None:
    mode = GenerationMode.NEGATIVE if scenario.negative else GenerationMode.POSITIVE
    action = action_of(operation)
    family = family_of(operation)
    anywhere = st.tuples(st.uuids().map(str), st.from_regex(r"[a-z_]{1,64}", fullmatch=True))
    jobs, copies = targets[family]["jobs"], targets[family]["copies"]
    target = {
        "anywhere": st.one_of(st.sampled_from(jobs + copies), anywhere),
        "jobs": st.sampled_from(jobs + copies),
        "copies": st.sampled_from(copies),
    }[scenario.aim]
    if action not in MAKING or scenario.negative:
        valid_body = st.just(False)
    elif scenario.faults:
        valid_body = st.just(True)  # reaches Creatify, so that its failure is what answers
    else:
        valid_body = st.booleans()
    ranges = st.from_regex(r"bytes=\d{0,5}-\d{0,5}", fullmatch=True)
    byte_range = ranges if scenario.aim == "copies" else st.one_of(st.none(), ranges)
    fault = st.sampled_from(FAULTS) if scenario.faults else st.none()

    @hypothesis_settings(
        max_examples=scenario.examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(mode),
        target=target,
        valid_body=valid_body,
        byte_range=byte_range,
        fault=fault,
    )
    def one_request(case, target, valid_body, byte_range, fault):
        # The path always names a job's URL: a malformed id is Django's 404 page for a
        # URL no view serves, not an answer of this operation.
        if "{id}" in operation.path:
            case.path_parameters = {**(case.path_parameters or {}), "id": target[0]}
        if "{field}" in operation.path:
            case.path_parameters["field"] = target[1]
        if valid_body:
            body = {**VALID_BODIES[family], "webhook_url": f"https://{ALLOWED_HOOK_HOST}/done"}
            case.body, case.media_type = body, "application/json"
        if byte_range and action == "archive":
            case.headers = {**(case.headers or {}), "Range": byte_range}
        sandbox.clear_faults()
        if fault is not None:
            sandbox.inject(*fault())
        path, response = send(client, case)
        status, failure = nonconformance(case, path, response, creatify_failing=fault is not None)
        run.sent += 1
        run.statuses[status] += 1
        if failure is not None:
            run.failures.append(f"[{scenario.name}] {case.method} {path}\n{failure}")

    one_request()


@contextmanager
def circumstances(scenario: Scenario, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    with ExitStack() as stack:
        if scenario.creatify:
            stack.enter_context(
                override_settings(CREATIFY={**settings.CREATIFY, **scenario.creatify})
            )
        patches = stack.enter_context(monkeypatch.context())
        if scenario.throttled:
            # A rate of 0 refuses every request of the scope (DRF reads rates at import).
            closed = {"creatify_create": "0/min", "creatify_refresh": "0/min"}
            patches.setattr(OptionalScopedRateThrottle, "THROTTLE_RATES", closed)
        if scenario.queued:
            # A broker that takes the task and runs nothing: the refresh is a 202.
            patches.setattr(
                "celery.app.task.Task.apply_async",
                lambda task, *args, **kwargs: AsyncResult(str(uuid.uuid4())),
            )
        yield


def known_jobs(sandbox: Sandbox, file_server) -> Targets:
    """Mirrored jobs of every family, as (id, field) to aim at: ``jobs``, some finished and
    previews to render; ``copies``, one whose video the site keeps a copy of, to stream."""
    targets: Targets = {}
    for name, family in FAMILIES.items():
        sandbox.add_jobs(3, name, status="done")
        sandbox.add_job(name, status="running")
        if family.previews:
            for _ in range(3):
                sandbox.add_job(name, status="done", stage="preview")
        sync.sync_jobs(name)
        ids = [str(pk) for pk in family.model.objects.values_list("pk", flat=True)]
        copy = archived_job(name, f"{file_server.url}/file/4096.mp4")
        targets[name] = {
            "jobs": [(pk, "preview") for pk in ids],
            "copies": [(copy, family.output_field)],
        }
    return targets


def archived_job(family: str, url: str) -> str:
    job_id = str(uuid.uuid4())
    payload = {"id": job_id, "status": "done", FAMILIES[family].output_field: url}
    sync.apply_payloads(family, [payload])
    assert archive_job(family, job_id).archived == [FAMILIES[family].output_field]
    return job_id


def expected_operations() -> set[tuple[str, str]]:
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
