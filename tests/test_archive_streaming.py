"""A large output is streamed through a temporary file, never held in memory."""

from __future__ import annotations

import tracemalloc
import uuid

import pytest

from django_creatify.archive import archive_job
from django_creatify.models import ArchivedOutput
from django_creatify.sync import apply_payloads
from tests.archive_support import sha256_of_size

pytestmark = pytest.mark.django_db

SIZE = 50 * 1024 * 1024


def test_a_50_mb_video_is_archived_with_a_few_mb_of_python_memory(archive_dir, file_server):
    job_id = uuid.uuid4()
    url = f"{file_server.url}/file/{SIZE}.mp4"
    apply_payloads("aurora", [{"id": str(job_id), "status": "done", "video_output": url}])
    tracemalloc.start()
    try:
        archive_job("aurora", job_id)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    row = ArchivedOutput.objects.get()
    assert (row.size, row.sha256) == (SIZE, sha256_of_size(SIZE))
    assert (archive_dir / row.path).stat().st_size == SIZE
    # The server thread is traced too; a held body would be 50 MB on its own.
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1024**2:.1f} MiB"
