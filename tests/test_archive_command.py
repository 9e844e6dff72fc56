"""``manage.py creatify_archive``: a backfill in this process, by family, ids or gaps."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from django_creatify.families import FAMILIES
from django_creatify.management.commands import creatify_archive
from django_creatify.models import ArchivedOutput
from django_creatify.sync import apply_payloads
from tests.archive_support import stored_files

pytestmark = pytest.mark.django_db


def jobs(family: str, url: str, n: int, status: str = "done") -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    field = FAMILIES[family].output_field
    apply_payloads(family, [{"id": i, "status": status, field: url} for i in ids])
    return ids


def run(*args) -> str:
    out = StringIO()
    call_command("creatify_archive", *args, stdout=out, stderr=out)
    return out.getvalue()


def archived() -> set[tuple[str, str]]:
    return {(row.family, str(row.job_id)) for row in ArchivedOutput.objects.all()}


def test_it_backfills_every_done_job_of_every_family(archive_dir, file_server, monkeypatch):
    monkeypatch.setattr(creatify_archive, "CHUNK", 2)  # several keyset pages
    url = f"{file_server.url}/file/100.mp4"
    done = {name: jobs(name, url, 3) for name in FAMILIES}
    jobs("aurora", url, 2, status="running")
    output = run()
    assert archived() == {(name, i) for name, ids in done.items() for i in ids}
    for name in FAMILIES:
        assert f"{name}: archived 3, already kept 0, failed 0 (3 jobs)" in output
    assert "aurora: archived 0, already kept 3, failed 0 (3 jobs)" in run()


def test_family_narrows_it(archive_dir, file_server):
    url = f"{file_server.url}/file/100.mp4"
    lipsyncs = jobs("lipsyncs", url, 2)
    jobs("aurora", url, 2)
    output = run("--family", "lipsyncs")
    assert archived() == {("lipsyncs", i) for i in lipsyncs}
    assert "aurora" not in output


def test_ids_archive_those_jobs_whatever_their_family(archive_dir, file_server):
    url = f"{file_server.url}/file/100.mp4"
    (aurora, _other) = jobs("aurora", url, 2)
    (short,) = jobs("ai_shorts", url, 1, status="running")
    run("--ids", f"{aurora},{short},{uuid.uuid4()}")
    assert archived() == {("aurora", aurora), ("ai_shorts", short)}


def test_missing_touches_only_jobs_not_archived_yet(archive_dir, file_server):
    url = f"{file_server.url}/file/100.mp4"
    first, second = jobs("aurora", url, 2)
    run("--ids", first)
    file_server.paths.clear()
    output = run("--missing", "--family", "aurora")
    assert "aurora: archived 1, already kept 0, failed 0 (1 job)" in output
    assert archived() == {("aurora", first), ("aurora", second)}
    assert len(file_server.paths) == 1
    assert "aurora: archived 0, already kept 0, failed 0 (0 jobs)" in run("--missing")


def test_a_failure_is_one_line_each_and_exit_status_1(archive_dir, file_server):
    (good,) = jobs("aurora", f"{file_server.url}/file/100.mp4", 1)
    (bad,) = jobs("aurora", f"{file_server.url}/status/404", 1)
    out = StringIO()
    with pytest.raises(CommandError, match="failed for 1 job"):
        call_command("creatify_archive", "--family", "aurora", stdout=out, stderr=out)
    assert f"aurora {bad}: Downloading aurora video_output from 127.0.0.1 failed: HTTP 404" in (
        out.getvalue()
    )
    assert archived() == {("aurora", good)}
    assert stored_files(archive_dir) == [f"creatify/aurora/{good}/video_output.mp4"]


def test_it_refuses_to_run_with_archiving_off():
    with pytest.raises(CommandError, match="ARCHIVE_STORAGE"):
        run()


def test_bad_ids_are_refused(archive_dir):
    with pytest.raises(CommandError, match="Not a UUID"):
        run("--ids", "nope")
