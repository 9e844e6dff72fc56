"""Archiving a large output: throughput and peak memory against a plain streamed copy.

    .venv/bin/python benchmarks/archive_benchmark.py              # a 1 GiB video, 2 rounds
    .venv/bin/python benchmarks/archive_benchmark.py --mb 256 --rounds 3

Guards ``django_creatify/archive.py``. A sandbox in the driver's process serves a finished
Aurora job whose video is ``--mb`` MiB of made-up bytes (``Sandbox(video_bytes=...)``),
streamed. A fresh Python process (Django set up, SQLite migrated, a
``FileSystemStorage`` in a temporary directory as ``ARCHIVE_STORAGE``) then takes turns:

``plain``    ``requests`` streams the video into a local file, 1 MiB at a time: the floor.
``archive``  ``archive.archive_job()``: download, hash and count into a temporary file,
             store it in the storage, record the row; the copy is deleted between rounds.
             The storage is on the temporary file's filesystem, so it moves the file.
``copied``   the same, with the storage made to copy the file (as it does onto another
             disk, and as remote storages such as S3 read it).

The best round of each is reported; ``ratio`` is the archive's throughput over the plain
copy's (target: at least 0.5). Peak RSS is the measured process's high-water mark
(``VmHWM``, target: below 100 MB), read after all rounds; ``baseline`` is the same before
the first download (Django imported, database migrated).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
from _common import Stopwatch, emit_result, machine, peak_rss_mb, run_child

SCRIPT = Path(__file__).resolve()
MIB = 1024 * 1024


# == the measured process ==============================================================


def worker(spec: dict[str, Any]) -> None:
    folder = Path(spec["folder"])
    _common.configure_django(
        f"sqlite:///{folder / 'archive.sqlite3'}",
        creatify={
            "API_ID": _common.SANDBOX_API_ID,
            "API_KEY": _common.SANDBOX_API_KEY,
            "BASE_URL": spec["sandbox_url"],
            "ARCHIVE_STORAGE": "archive",
            "ARCHIVE_SPOOL_DIR": str(folder),  # the storage's filesystem: moved, not copied
        },
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "archive": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(folder / "archive")},
            },
        },
    )
    import requests
    from django.core.files import File
    from django.core.management import call_command

    from django_creatify import archive, downloads
    from django_creatify.archive import archive_job, archive_storage
    from django_creatify.models import ArchivedOutput
    from django_creatify.sync import sync_jobs

    call_command("migrate", verbosity=0)
    sync_jobs("aurora")
    job_id, url = spec["job_id"], spec["video_url"]
    baseline = peak_rss_mb()
    plain, archived, copied = [], [], []
    session = requests.Session()

    def archive_once() -> float:
        with Stopwatch() as clock:
            result = archive_job("aurora", job_id, session=session)
        assert result.archived == ["video_output"], result
        row = ArchivedOutput.objects.get()
        assert row.size == spec["bytes"], row.size
        archive_storage().delete(row.path)
        row.delete()
        return clock.seconds

    class CopiedSpool(File):  # no temporary_file_path(): the storage must copy it
        DEFAULT_CHUNK_SIZE = downloads.CHUNK_BYTES

    for _round in range(spec["rounds"]):
        copy = folder / "plain.mp4"
        with Stopwatch() as clock, session.get(url, stream=True, timeout=60) as response:
            response.raise_for_status()
            with open(copy, "wb") as out:
                for chunk in response.iter_content(MIB):
                    out.write(chunk)
        plain.append(clock.seconds)
        copy.unlink()

        archived.append(archive_once())
        archive.SpoolFile = CopiedSpool
        try:
            copied.append(archive_once())
        finally:
            archive.SpoolFile = downloads.SpoolFile
    emit_result(
        {
            "plain_seconds": plain,
            "archive_seconds": archived,
            "copied_seconds": copied,
            "baseline_rss_mb": round(baseline, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    )


# == the driver ========================================================================


def run(mb: int, rounds: int) -> dict[str, Any]:
    from django_creatify.sandbox import Sandbox

    size = mb * MIB
    sandbox = Sandbox(
        api_id=_common.SANDBOX_API_ID, api_key=_common.SANDBOX_API_KEY, video_bytes=size
    )
    job_id = str(uuid.uuid4())
    sandbox.add_job("aurora", id=job_id, status="done")
    with sandbox.serve() as server, tempfile.TemporaryDirectory(prefix="creatify-arch-") as tmp:
        spec = {
            "folder": tmp,
            "sandbox_url": server.url,
            "job_id": job_id,
            "video_url": f"{server.url}/media/video.mp4?job={job_id}",
            "bytes": size,
            "rounds": rounds,
        }
        result = run_child(SCRIPT, spec, timeout=3600)
    result.update(mb=mb, bytes=size)
    return result


def report(result: dict[str, Any]) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    size = result["bytes"]
    plain = min(result["plain_seconds"])
    archive, copied = min(result["archive_seconds"]), min(result["copied_seconds"])
    rows = [
        "| copy | best of rounds (s) | throughput (MiB/s) | ratio to plain |",
        "| --- | ---: | ---: | ---: |",
        f"| plain streamed copy | {plain:.2f} | {size / MIB / plain:.0f} | 1.00 |",
        f"| archive_job, moved into the storage | {archive:.2f} | {size / MIB / archive:.0f} "
        f"| {plain / archive:.2f} |",
        f"| archive_job, copied into the storage | {copied:.2f} | {size / MIB / copied:.0f} "
        f"| {plain / copied:.2f} |",
        "",
        f"- output: {result['mb']} MiB; rounds: {len(result['plain_seconds'])}; "
        "target ratio >= 0.50",
        f"- peak RSS: {result['peak_rss_mb']:.0f} MB (target < 100 MB); "
        f"before the first download: {result['baseline_rss_mb']:.0f} MB",
    ]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=1024, help="the video's size in MiB")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(json.loads(args.worker))
        return
    result = run(args.mb, args.rounds)
    print(report(result))
    print()
    print(json.dumps({"kind": "archive", "machine": machine(), **result}))


if __name__ == "__main__":
    main()
