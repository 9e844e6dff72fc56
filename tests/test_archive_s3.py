"""The archive on S3 through django-storages, against moto's server on loopback."""

from __future__ import annotations

import hashlib
import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from django_creatify.archive import archive_job
from django_creatify.exceptions import TransportError
from django_creatify.models import ArchivedOutput
from django_creatify.sandbox.media import read as sandbox_media
from django_creatify.sync import apply_payloads, sync_jobs
from tests.conftest import celery_eagerness
from tests.s3_support import BUCKET

pytestmark = pytest.mark.django_db


def test_a_job_done_through_the_sync_lands_in_the_bucket(
    creatify_sandbox, s3_archive, django_capture_on_commit_callbacks
):
    job = creatify_sandbox.add_job("lipsyncs", status="done")
    with celery_eagerness(True), django_capture_on_commit_callbacks(execute=True):
        assert sync_jobs("lipsyncs").created == 1
    row = ArchivedOutput.objects.get()
    video = sandbox_media("video.mp4")
    key = f"creatify/lipsyncs/{job['id']}/output.mp4"
    assert (row.path, row.size) == (key, len(video))
    assert row.sha256 == hashlib.sha256(video).hexdigest()
    stored = s3_archive.get_object(Bucket=BUCKET, Key=f"{s3_archive.prefix}/{key}")
    assert stored["ContentType"] == "video/mp4"
    assert stored["Body"].read() == video


def test_running_it_again_stores_nothing_new(s3_archive, file_server):
    job_id = uuid.uuid4()
    url = f"{file_server.url}/file/70000.mp4"
    apply_payloads("aurora", [{"id": str(job_id), "status": "done", "video_output": url}])
    assert archive_job("aurora", job_id).archived == ["video_output"]
    assert archive_job("aurora", job_id).kept == ["video_output"]
    assert file_server.paths == ["/file/70000.mp4"]
    assert s3_archive.keys() == {f"creatify/aurora/{job_id}/video_output.mp4": 70000}


@pytest.mark.parametrize("kind", ["short", "reset"])
def test_a_download_cut_short_leaves_no_object_and_no_row(kind, s3_archive, file_server):
    job_id = uuid.uuid4()
    url = f"{file_server.url}/{kind}/300000"
    apply_payloads("ai_shorts", [{"id": str(job_id), "status": "done", "video_output": url}])
    with pytest.raises(TransportError):
        archive_job("ai_shorts", job_id)
    assert not ArchivedOutput.objects.exists()
    assert s3_archive.keys() == {}


def test_the_command_fills_the_gaps(s3_archive, file_server):
    ids = [str(uuid.uuid4()) for _ in range(3)]
    url = f"{file_server.url}/file/1000.mp4"
    apply_payloads("lipsyncs_v2", [{"id": i, "status": "done", "output": url} for i in ids])
    archive_job("lipsyncs_v2", ids[0])
    out = StringIO()
    call_command("creatify_archive", "--missing", stdout=out)
    assert "lipsyncs_v2: archived 2, already kept 0, failed 0 (2 jobs)" in out.getvalue()
    assert set(s3_archive.keys()) == {f"creatify/lipsyncs_v2/{i}/output.mp4" for i in ids}
