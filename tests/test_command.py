"""``manage.py creatify_sync`` as an operator runs it."""

import pytest
from django.conf import settings
from django.core.management import ManagementUtility, call_command
from django.db import connections
from django.test import override_settings

from django_creatify.models import AuroraFlow
from django_creatify.sandbox import Fault

from .helpers import snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    # run_from_argv closes every connection when it ends, which would end the test's
    # transaction on PostgreSQL; a real manage.py process exits right after anyway.
    monkeypatch.setattr(connections, "close_all", lambda: None)


def manage(*args, capsys):
    """Run the command the way ``manage.py`` does: exit status, stdout, stderr."""
    try:
        ManagementUtility(["manage.py", "creatify_sync", *args]).execute()
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    out, err = capsys.readouterr()
    return code, out, err


def test_prints_the_counts(creatify_sandbox, capsys):
    creatify_sandbox.add_jobs(4)
    code, out, err = manage(capsys=capsys)
    assert (code, err) == (0, "")
    assert out == "created 4, updated 0, unchanged 0, skipped 0 (1 request)\n"


def test_ids_are_fetched_100_per_request(creatify_sandbox, capsys):
    jobs = creatify_sandbox.add_jobs(260)
    wanted = [job["id"] for job in jobs[:250]]
    code, out, _ = manage("--ids", ",".join(wanted), capsys=capsys)
    assert code == 0
    assert out == "created 250, updated 0, unchanged 0, skipped 0 (3 requests)\n"
    lists = [r for r in creatify_sandbox.requests if r.path == "/api/aurora/"]
    chunks = [r.query["ids"].split(",") for r in lists]
    assert len(lists) == 3 and all(len(chunk) <= 100 for chunk in chunks)
    assert sorted(i for chunk in chunks for i in chunk) == sorted(wanted)
    assert set(map(str, AuroraFlow.objects.values_list("pk", flat=True))) == set(wanted)


def test_active_refreshes_unfinished_jobs(creatify_sandbox, capsys):
    (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.5)
    creatify_sandbox.add_jobs(1, status="done")
    call_command("creatify_sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    creatify_sandbox.update_job(job["id"], status="done", progress=1.0)
    code, out, _ = manage("--active", capsys=capsys)
    assert (code, out) == (0, "created 0, updated 1, unchanged 0, skipped 0 (1 request)\n")


def test_bad_ids_are_refused_before_any_request(creatify_sandbox, capsys):
    code, _, err = manage("--ids", "not-a-uuid", capsys=capsys)
    assert code == 1
    assert err == "CommandError: --ids: Not a UUID: 'not-a-uuid'\n"
    assert creatify_sandbox.requests == []


def test_skipped_items_are_reported(creatify_sandbox, capsys):
    creatify_sandbox.inject(Fault.body(200, b'[{"name": "no id"}]'))
    code, out, err = manage(capsys=capsys)
    assert code == 0
    assert out.startswith("created 0, updated 0, unchanged 0, skipped 1")
    assert err == "skipped item 0: no id\n"


WRONG_KEY = "wrong-key-never-printed"


def wrong_key(sandbox):
    return override_settings(CREATIFY={**settings.CREATIFY, "API_KEY": WRONG_KEY})


def faults(*injected):
    def setup(sandbox):
        sandbox.inject(*injected)
        return override_settings(CREATIFY={**settings.CREATIFY, "TIMEOUT": 0.25})

    return setup


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (wrong_key, "Creatify rejected the credentials (HTTP 401)"),
        (faults(*[Fault.status(500)] * 3), "Creatify API returned HTTP 500"),
        (faults(*[Fault.latency(1.0)] * 3), "Creatify request GET /api/aurora/ timed out"),
        (faults(Fault.truncate()), "Creatify sent a body that is not valid JSON"),
        (faults(Fault.body(200, b'{"oops": 1}')), "Expected a JSON array from /api/aurora/"),
    ],
    ids=["401", "500-after-retries", "timeout", "truncated-body", "wrong-shape"],
)
def test_failures_change_no_row_and_name_the_problem(creatify_sandbox, capsys, setup, message):
    jobs = creatify_sandbox.add_jobs(30)
    call_command("creatify_sync", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for job in jobs:  # a successful sync would now rewrite every row
        creatify_sandbox.update_job(job["id"], name="changed upstream", status="failed")
    before = snapshot()

    with setup(creatify_sandbox):
        code, out, err = manage(capsys=capsys)

    assert snapshot() == before
    assert code == 1 and out == ""
    assert err.startswith("CommandError: Creatify sync failed: ")
    assert message in err
    assert err.count("\n") == 1 and "Traceback" not in err
    for secret in (WRONG_KEY, settings.CREATIFY["API_KEY"], creatify_sandbox.api_key):
        assert secret not in err
