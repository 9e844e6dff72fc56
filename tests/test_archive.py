"""The archive: finished outputs copied into a Django storage, whole or not at all."""

from __future__ import annotations

import hashlib
import uuid

import pytest
from celery import signals

from django_creatify import archive, tasks
from django_creatify.archive import archive_job, chosen_fields, storage_path
from django_creatify.exceptions import (
    ConfigurationError,
    CreatifyError,
    PayloadError,
    TransportError,
)
from django_creatify.families import FAMILIES
from django_creatify.models import ArchivedOutput
from django_creatify.sandbox import Fault
from django_creatify.sandbox.media import read as sandbox_media
from django_creatify.sync import apply_payloads, refresh_active_jobs, sync_jobs
from tests.archive_support import stored_files
from tests.conftest import celery_eagerness

pytestmark = pytest.mark.django_db


def done_job(family: str, url: str, **fields) -> uuid.UUID:
    """A finished job mirrored through the sync, its video at ``url``."""
    job_id = uuid.uuid4()
    payload = {"id": str(job_id), "status": "done", FAMILIES[family].output_field: url, **fields}
    apply_payloads(family, [payload])
    return job_id


def test_the_video_field_is_each_familys_and_other_outputs_are_opt_in(settings):
    assert chosen_fields("aurora") == ["video_output"]
    assert chosen_fields("lipsyncs") == ["output"]
    settings.CREATIFY = {
        **settings.CREATIFY,
        "ARCHIVE_OUTPUTS": ["video_output", "preview", "video_thumbnail", "image"],
    }
    assert chosen_fields("aurora") == ["video_output", "preview", "image"]
    assert chosen_fields("lipsyncs_v2") == ["output", "preview", "video_thumbnail"]


def test_archiving_is_off_by_default():
    assert not archive.archiving_enabled()
    with pytest.raises(ConfigurationError, match="ARCHIVE_STORAGE"):
        archive.archive_storage()


@pytest.mark.parametrize("name", list(FAMILIES))
def test_a_job_that_becomes_done_through_the_sync_is_archived_after_commit(
    name, creatify_sandbox, archive_dir, django_capture_on_commit_callbacks
):
    job = creatify_sandbox.add_job(name, status="running")
    sync_jobs(name)
    assert not ArchivedOutput.objects.exists()
    creatify_sandbox.update_job(job["id"], status="done")
    with celery_eagerness(True), django_capture_on_commit_callbacks(execute=True):
        assert sync_jobs(name).updated == 1
    field = FAMILIES[name].output_field
    row = ArchivedOutput.objects.get()
    video = sandbox_media("video.mp4")
    assert (row.family, str(row.job_id), row.field) == (name, job["id"], field)
    assert row.path == f"creatify/{name}/{job['id']}/{field}.mp4"
    assert (row.size, row.sha256) == (len(video), hashlib.sha256(video).hexdigest())
    assert row.content_type == "video/mp4"
    assert (archive_dir / row.path).read_bytes() == video


@pytest.mark.parametrize("path", ["refresh_active", "ids"])
def test_a_refresh_that_sees_the_job_done_archives_it_too(
    path, creatify_sandbox, archive_dir, django_capture_on_commit_callbacks
):
    job = creatify_sandbox.add_job("lipsyncs_v2", status="running")
    sync_jobs("lipsyncs_v2")
    creatify_sandbox.update_job(job["id"], status="done")
    with celery_eagerness(True), django_capture_on_commit_callbacks(execute=True):
        if path == "ids":
            sync_jobs("lipsyncs_v2", ids=[job["id"]])
        else:
            refresh_active_jobs("lipsyncs_v2")
    assert ArchivedOutput.objects.get().path == f"creatify/lipsyncs_v2/{job['id']}/output.mp4"


def test_inline_a_failed_copy_is_logged_once_and_the_sync_succeeds(
    creatify_sandbox, archive_dir, django_capture_on_commit_callbacks, caplog
):
    creatify_sandbox.add_job("aurora", status="done")
    creatify_sandbox.inject(Fault.status(404), path_prefix="/media/")
    with celery_eagerness(True), django_capture_on_commit_callbacks(execute=True):
        assert sync_jobs("aurora").created == 1
    assert [record.levelname for record in caplog.records if "archive" in record.name] == []
    assert "archive_outputs failed, not retrying" in caplog.text
    assert "Could not queue" not in caplog.text
    assert not ArchivedOutput.objects.exists()


def test_a_queue_failure_is_logged_and_the_sync_still_succeeds(
    creatify_sandbox, archive_dir, django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def broker_down(*args, **kwargs):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.archive_outputs, "apply_async", broker_down)
    creatify_sandbox.add_job("aurora", status="done")
    with django_capture_on_commit_callbacks(execute=True):
        assert sync_jobs("aurora").created == 1
    assert "Could not queue the archive" in caplog.text
    assert not ArchivedOutput.objects.exists()


def test_no_transition_work_without_archiving_or_receivers(
    creatify_sandbox, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(archive, "queue_archive", lambda *args: queued.append(args))
    creatify_sandbox.add_job("aurora", status="done")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sync_jobs("aurora")
    assert callbacks == [] and queued == []


def test_running_it_again_is_a_no_op(archive_dir, file_server):
    job_id = done_job("aurora", f"{file_server.url}/file/3000.mp4")
    assert archive_job("aurora", job_id).archived == ["video_output"]
    first = ArchivedOutput.objects.get()
    again = archive_job("aurora", job_id)
    assert (again.archived, again.kept) == ([], ["video_output"])
    assert file_server.paths == ["/file/3000.mp4"]
    assert ArchivedOutput.objects.get().archived_at == first.archived_at
    assert stored_files(archive_dir) == [f"creatify/aurora/{job_id}/video_output.mp4"]


def test_a_copy_gone_from_the_storage_is_fetched_again_under_the_same_path(
    archive_dir, file_server
):
    job_id = done_job("lipsyncs", f"{file_server.url}/file/4096.mp4")
    archive_job("lipsyncs", job_id)
    path = storage_path("lipsyncs", job_id, "output", ".mp4")
    (archive_dir / path).write_bytes(b"truncated")
    assert archive_job("lipsyncs", job_id).archived == ["output"]
    assert (archive_dir / path).stat().st_size == 4096
    assert stored_files(archive_dir) == [path]


@pytest.mark.parametrize("kind", ["short", "reset"])
def test_a_body_cut_short_records_nothing_and_leaves_no_file(kind, archive_dir, file_server):
    job_id = done_job("ai_shorts", f"{file_server.url}/{kind}/200000")
    with pytest.raises(TransportError) as caught:
        archive_job("ai_shorts", job_id)
    assert caught.value.transient
    assert "?" not in str(caught.value)
    assert not ArchivedOutput.objects.exists()
    assert stored_files(archive_dir) == []


def test_a_file_over_the_size_limit_is_refused(archive_dir, file_server, settings):
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_MAX_BYTES": 1000}
    job_id = done_job("aurora", f"{file_server.url}/file/5000.mp4")
    with pytest.raises(PayloadError) as caught:
        archive_job("aurora", job_id)
    assert not caught.value.transient
    assert not ArchivedOutput.objects.exists() and stored_files(archive_dir) == []


def test_an_expired_link_is_a_permanent_failure(archive_dir, file_server):
    job_id = done_job("aurora", f"{file_server.url}/status/403")
    with pytest.raises(CreatifyError) as caught:
        archive_job("aurora", job_id)
    assert not caught.value.transient and caught.value.status == 403


def test_a_failed_recording_deletes_the_stored_file(archive_dir, file_server, monkeypatch):
    job_id = done_job("aurora", f"{file_server.url}/file/100.mp4")

    def refuse(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(ArchivedOutput.objects, "update_or_create", refuse)
    with pytest.raises(RuntimeError):
        archive_job("aurora", job_id)
    assert stored_files(archive_dir) == []


def test_jobs_without_an_http_output_have_nothing_to_archive(archive_dir):
    job_id = done_job("aurora", "file:///etc/passwd")
    result = archive_job("aurora", job_id)
    assert (result.archived, result.kept) == ([], [])
    assert archive_job("aurora", uuid.uuid4()).archived == []


def test_a_family_without_the_chosen_outputs_has_nothing_to_archive(
    archive_dir, file_server, settings
):
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_OUTPUTS": ["image"]}
    job_id = done_job("lipsyncs", f"{file_server.url}/file/10.mp4", preview=file_server.url)
    assert archive_job("lipsyncs", job_id).archived == []
    assert file_server.paths == []


@pytest.fixture
def retries():
    countdowns: list[float] = []

    def record(sender=None, request=None, reason=None, **kwargs):
        countdowns.append(reason.when)

    signals.task_retry.connect(record, weak=False)
    yield countdowns
    signals.task_retry.disconnect(record)


def test_the_task_retries_a_transient_failure_through_the_broker(
    creatify_sandbox, archive_dir, retries
):
    job = creatify_sandbox.add_job("aurora", status="done")
    sync_jobs("aurora")
    creatify_sandbox.inject(Fault.drop(), Fault.status(503), path_prefix="/media/")
    with celery_eagerness(False) as conf:
        conf.task_eager_propagates = False
        outcome = tasks.archive_outputs.apply(args=["aurora", job["id"]])
    assert outcome.get()["archived"] == ["video_output"]
    assert len(retries) == 2 and all(countdown > 0 for countdown in retries)
    assert ArchivedOutput.objects.get().job_id == uuid.UUID(job["id"])


def test_inline_the_task_fails_once_and_logs(creatify_sandbox, archive_dir, caplog):
    job = creatify_sandbox.add_job("aurora", status="done")
    sync_jobs("aurora")
    creatify_sandbox.inject(Fault.status(503), path_prefix="/media/")
    with celery_eagerness(True), pytest.raises(CreatifyError):
        tasks.archive_outputs.apply(args=["aurora", job["id"]]).get()
    assert "archive_outputs failed" in caplog.text
    assert not ArchivedOutput.objects.exists() and stored_files(archive_dir) == []
