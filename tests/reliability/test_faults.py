"""Every way Creatify, the network or the database can fail: nothing mirrored is lost.

Each case checksums every mirrored row before the failure and compares after it, then
clears the fault and checks that the next sync makes the mirror equal the sandbox's truth.
"""

import hashlib
import json
import logging
import uuid

import pytest
from django.conf import settings
from django.db import DatabaseError, connection
from django.test import Client, override_settings

from django_creatify import tasks
from django_creatify.exceptions import CreatifyError
from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault
from django_creatify.sync import refresh_active_aurora_flows, sync_aurora_flows

from ..helpers import served, snapshot

pytestmark = pytest.mark.django_db
ATTEMPTS = 1 + 2  # tests.settings: MAX_RETRIES = 2


def checksum() -> str:
    return hashlib.sha256(repr(sorted(snapshot().items())).encode()).hexdigest()


def mirror_equals_sandbox(sandbox) -> bool:
    """Every job Creatify lists is mirrored exactly; rows it no longer lists are marked."""
    truth = {item["id"]: item for item in served(sandbox)}
    present = AuroraFlow.objects.filter(missing_since__isnull=True)
    rows = {str(pk): raw for pk, raw in present.values_list("pk", "raw")}
    return rows == truth


@pytest.fixture
def mirrored(creatify_sandbox, eager_celery):
    """40 mirrored jobs (half still running) that have all since changed at Creatify."""
    jobs = creatify_sandbox.add_jobs(20, status="running", progress=0.3)
    jobs += creatify_sandbox.add_jobs(20, status="done")
    sync_aurora_flows()
    for job in jobs:
        creatify_sandbox.update_job(job["id"], status="failed", failed_reason="changed upstream")
    return jobs


def full_sync(jobs):
    sync_aurora_flows()


def ids_refresh(jobs):
    refresh_active_aurora_flows()


def single_refresh(jobs):
    tasks.refresh_aurora_flow.delay(jobs[0]["id"])


FAULTS = {
    "timeout": lambda: [Fault.latency(1.0)] * ATTEMPTS,
    "connection-reset": lambda: [Fault.drop()] * ATTEMPTS,
    "500": lambda: [Fault.status(500)] * ATTEMPTS,
    "502": lambda: [Fault.status(502)] * ATTEMPTS,
    "503": lambda: [Fault.status(503)] * ATTEMPTS,
    "429-retry-after": lambda: [Fault.status(429, retry_after="3")] * ATTEMPTS,
    "429-bare": lambda: [Fault.status(429)] * ATTEMPTS,
    "truncated-json": lambda: [Fault.truncate()],
    "object-not-array": lambda: [Fault.body(200, b'{"results": []}')],
    "401": lambda: [Fault.status(401, body=b'{"detail": "Invalid API credentials."}')],
    "403": lambda: [Fault.status(403, body=b'{"detail": "Forbidden."}')],
    "404": lambda: [Fault.status(404, body=b'{"detail": "Not found."}')],
}


@pytest.mark.parametrize("operation", [full_sync, ids_refresh, single_refresh])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_failed_fetch_changes_no_row_and_the_next_sync_repairs(
    creatify_sandbox, mirrored, operation, fault
):
    before = checksum()
    creatify_sandbox.inject(*FAULTS[fault]())
    short_timeout = override_settings(CREATIFY={**settings.CREATIFY, "TIMEOUT": 0.25})
    with short_timeout, pytest.raises(CreatifyError):
        operation(mirrored)
    assert checksum() == before

    creatify_sandbox.clear_faults()
    sync_aurora_flows()
    assert mirror_equals_sandbox(creatify_sandbox)


def test_items_with_wrong_types_are_skipped_and_the_rest_sync(creatify_sandbox, mirrored):
    before = snapshot()
    creatify_sandbox.inject(Fault.wrong_types())
    result = sync_aurora_flows()
    assert result.skipped > 0 and all(item.reason for item in result.skipped_items)
    after = snapshot()
    # Rows the odd listing did not carry are untouched apart from being marked missing.
    for pk, row in before.items():
        assert {k: v for k, v in after[pk].items() if k != "missing_since"} == {
            k: v for k, v in row.items() if k != "missing_since"
        }
    sync_aurora_flows()
    assert mirror_equals_sandbox(creatify_sandbox)
    extras = AuroraFlow.objects.exclude(pk__in=[job["id"] for job in mirrored])
    assert extras.exists() and not extras.filter(missing_since__isnull=True).exists()


def test_a_database_failure_mid_batch_rolls_the_batch_back_whole(creatify_sandbox, mirrored):
    before = checksum()

    def fail_on_update(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith("UPDATE"):
            raise DatabaseError("injected: connection lost mid-batch")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail_on_update), pytest.raises(DatabaseError):
        sync_aurora_flows()
    assert checksum() == before

    sync_aurora_flows()
    assert mirror_equals_sandbox(creatify_sandbox)


def test_keys_never_reach_logs_errors_or_responses(creatify_sandbox, mirrored, caplog, client):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    wrong = "wrong-key-of-a-failing-run-123"
    messages = []
    for faults in FAULTS.values():
        creatify_sandbox.inject(*faults())
        with override_settings(CREATIFY={**settings.CREATIFY, "TIMEOUT": 0.25}):
            try:
                sync_aurora_flows()
            except CreatifyError as exc:
                messages.append(str(exc) + repr(exc))
        creatify_sandbox.clear_faults()
    with override_settings(CREATIFY={**settings.CREATIFY, "API_KEY": wrong}):
        with pytest.raises(CreatifyError) as caught:
            sync_aurora_flows()
        messages.append(str(caught.value))
        staff = _staff_client(client)
        response = staff.post(
            "/creatify/api/aurora/",
            {"audio": "https://x.example/a.mp3", "image": "https://x.example/i.png"},
            content_type="application/json",
        )
        assert response.status_code == 503
        messages.append(response.content.decode())
    for secret in (creatify_sandbox.api_key, wrong):
        assert secret not in caplog.text
        assert all(secret not in message for message in messages)
    assert len(messages) == len(FAULTS) + 2


def _staff_client(client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(f"staff-{uuid.uuid4().hex[:6]}", is_staff=True)
    client.force_login(user)
    return client


def _older_copy(sandbox, job_id):
    older = {**sandbox.job(job_id), "name": "from the past", "status": "pending"}
    older["updated_at"] = "2000-01-01T00:00:00Z"
    return older


def test_an_older_payload_is_ignored_by_an_ids_refresh(creatify_sandbox, mirrored):
    job = mirrored[0]
    sync_aurora_flows()
    before = checksum()
    older = _older_copy(creatify_sandbox, job["id"])
    creatify_sandbox.inject(Fault.body(200, json.dumps([older]).encode()))
    result = sync_aurora_flows(ids=[job["id"]])
    assert (result.stale, result.written) == (1, 0)
    assert checksum() == before


def test_an_older_payload_is_ignored_behind_a_webhook(
    creatify_sandbox, mirrored, django_capture_on_commit_callbacks
):
    job = mirrored[0]
    sync_aurora_flows()
    before = checksum()
    older = _older_copy(creatify_sandbox, job["id"])
    creatify_sandbox.inject(Fault.body(200, json.dumps([older]).encode()))
    secret = "webhook-secret-for-the-out-of-order-case"
    with_secret = override_settings(CREATIFY={**settings.CREATIFY, "WEBHOOK_SECRET": secret})
    with with_secret, django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/creatify/webhook/{secret}/",
            json.dumps({"id": job["id"], "status": "pending"}),
            content_type="application/json",
        )
    assert response.status_code == 200
    assert checksum() == before


def test_keys_never_reach_an_admin_page(creatify_sandbox, mirrored, admin_client):
    wrong = "wrong-key-shown-nowhere-456"
    with override_settings(CREATIFY={**settings.CREATIFY, "API_KEY": wrong}):
        response = admin_client.post("/admin/django_creatify/auroraflow/sync/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "credentials" in page
    assert wrong not in page and creatify_sandbox.api_key not in page
