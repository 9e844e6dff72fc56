"""``manage.py creatify_sync`` as an operator runs it."""

import os
from datetime import UTC, timedelta

import pytest
from django.conf import settings
from django.core.management import ManagementUtility, call_command
from django.db import connections
from django.test import override_settings

from django_creatify import locks, tasks
from django_creatify.management.commands import creatify_sync
from django_creatify.models import AuroraFlow, Lease
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
    assert out == (
        "aurora: created 4, updated 0, unchanged 0, skipped 0 (1 request)\n"
        "lipsyncs: created 0, updated 0, unchanged 0, skipped 0 (1 request)\n"
        "lipsyncs_v2: created 0, updated 0, unchanged 0, skipped 0 (1 request)\n"
        "ai_shorts: created 0, updated 0, unchanged 0, skipped 0 (1 request)\n"
    )
    code, out, err = manage("--family", "lipsyncs", "--family", "ai_shorts", capsys=capsys)
    assert out == (
        "lipsyncs: created 0, updated 0, unchanged 0, skipped 0 (1 request)\n"
        "ai_shorts: created 0, updated 0, unchanged 0, skipped 0 (1 request)\n"
    )


def test_ids_are_fetched_100_per_request(creatify_sandbox, capsys):
    jobs = creatify_sandbox.add_jobs(260)
    wanted = [job["id"] for job in jobs[:250]]
    code, out, _ = manage("--ids", ",".join(wanted), capsys=capsys)
    assert code == 0
    assert out == "aurora: created 250, updated 0, unchanged 0, skipped 0 (3 requests)\n"
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
    code, out, _ = manage("--active", "--family", "aurora", capsys=capsys)
    assert (code, out) == (0, "aurora: created 0, updated 1, unchanged 0, skipped 0 (1 request)\n")


def test_bad_ids_are_refused_before_any_request(creatify_sandbox, capsys):
    code, _, err = manage("--ids", "not-a-uuid", capsys=capsys)
    assert code == 1
    assert err == "CommandError: --ids: Not a UUID: 'not-a-uuid'\n"
    assert creatify_sandbox.requests == []


def test_skipped_items_are_reported(creatify_sandbox, capsys):
    creatify_sandbox.inject(Fault.body(200, b'[{"name": "no id"}]'))
    code, out, err = manage(capsys=capsys)
    assert code == 0
    assert out.startswith("aurora: created 0, updated 0, unchanged 0, skipped 1")
    assert err == "aurora: skipped item 0: no id\n"


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


# -- one full sync at a time --------------------------------------------------------------

OTHER = "worker-3:4711:9f2c0123abcd"


def another_full_sync(expires_in=60.0):
    """The lease row of a full sync running elsewhere (a worker, the admin, another cron)."""
    start = locks.now()
    return Lease.objects.create(
        name=tasks.FULL_SYNC_LEASE,
        holder=OTHER,
        acquired_at=start,
        expires_at=start + timedelta(seconds=expires_in),
    )


def busy_line(lease):
    ends = lease.expires_at.astimezone(UTC)
    return f"A full sync is already running ({OTHER}, lease ends {ends:%H:%M:%S} UTC)"


def test_a_full_sync_while_another_runs_exits_3_naming_it(creatify_sandbox, capsys):
    creatify_sandbox.add_jobs(3)
    lease = another_full_sync()
    code, out, err = manage(capsys=capsys)
    assert (code, out) == (3, "")
    assert err == f"CommandError: {busy_line(lease)}\n"
    assert creatify_sandbox.requests == []
    assert Lease.objects.get().holder == OTHER  # not touched


def test_ids_and_active_syncs_do_not_wait_for_a_full_sync(creatify_sandbox, capsys):
    (job,) = creatify_sandbox.add_jobs(1, status="running", progress=0.5)
    another_full_sync()
    code, out, _ = manage("--ids", job["id"], capsys=capsys)
    assert (code, out) == (0, "aurora: created 1, updated 0, unchanged 0, skipped 0 (1 request)\n")
    creatify_sandbox.update_job(job["id"], status="done", progress=1.0)
    code, out, _ = manage("--active", "--family", "aurora", capsys=capsys)
    assert (code, out) == (0, "aurora: created 0, updated 1, unchanged 0, skipped 0 (1 request)\n")


def test_a_dead_holders_expired_lease_does_not_block_the_command(creatify_sandbox, capsys):
    creatify_sandbox.add_jobs(2)
    another_full_sync(expires_in=-1)
    code, out, _ = manage("--family", "aurora", capsys=capsys)
    assert (code, out) == (0, "aurora: created 2, updated 0, unchanged 0, skipped 0 (1 request)\n")
    assert not Lease.objects.exists()


def test_the_command_holds_the_lease_the_task_and_admin_take(creatify_sandbox, capsys, monkeypatch):
    creatify_sandbox.add_jobs(2)
    real_sync = creatify_sync.sync_jobs
    during = {}

    def sync_while_a_worker_tries(family, **kwargs):
        during["task"] = tasks.sync_aurora_flows.apply().get()
        return real_sync(family, **kwargs)

    monkeypatch.setattr(creatify_sync, "sync_jobs", sync_while_a_worker_tries)
    code, out, _ = manage("--family", "aurora", capsys=capsys)
    assert (code, out) == (0, "aurora: created 2, updated 0, unchanged 0, skipped 0 (1 request)\n")
    # This process holds it: host:pid:token.
    assert f":{os.getpid()}:" in during["task"]["skipped"]
    assert len([r for r in creatify_sandbox.requests if r.path == "/api/aurora/"]) == 1
    assert not Lease.objects.exists()


@pytest.fixture
def waiting(monkeypatch):
    """The command's clock and pauses, moved by hand: ``waiting.pauses`` lists each wait,
    and ``waiting.then`` runs after the wait it is keyed by (0 = first)."""

    class Waiting:
        def __init__(self):
            self.clock = 1000.0
            self.pauses: list[float] = []
            self.then = {}

        def pause(self, seconds):
            self.pauses.append(seconds)
            self.clock += seconds
            action = self.then.get(len(self.pauses) - 1)
            if action:
                action()

    fake = Waiting()
    monkeypatch.setattr(creatify_sync, "pause", fake.pause)
    monkeypatch.setattr(creatify_sync, "monotonic", lambda: fake.clock)
    return fake


def test_wait_runs_the_sync_once_the_other_one_ends(creatify_sandbox, capsys, waiting):
    creatify_sandbox.add_jobs(3)
    lease = another_full_sync()
    waiting.then[2] = lambda: Lease.objects.filter(holder=OTHER).delete()  # it finished
    code, out, err = manage("--wait", "--family", "aurora", capsys=capsys)
    assert code == 0
    assert out == "aurora: created 3, updated 0, unchanged 0, skipped 0 (1 request)\n"
    assert err == f"{busy_line(lease)}; waiting for it to end\n"
    assert waiting.pauses == [1.0, 1.0, 1.0]
    assert not Lease.objects.exists()


def test_wait_gives_up_after_the_wait_timeout_with_exit_3(creatify_sandbox, capsys, waiting):
    lease = another_full_sync(expires_in=3600)  # alive: its holder keeps renewing it
    code, out, err = manage("--wait", "--wait-timeout", "5", capsys=capsys)
    assert (code, out) == (3, "")
    assert err == (
        f"{busy_line(lease)}; waiting for it to end\n"
        f"CommandError: {busy_line(lease)}; gave up waiting after 5s\n"
    )
    assert sum(waiting.pauses) == 5.0
    assert creatify_sandbox.requests == []
