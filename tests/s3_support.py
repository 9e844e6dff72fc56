"""A real S3-compatible server on loopback for the archive's S3 tests: moto's standalone
server, started once per session as a subprocess, with one bucket.

Without moto or django-storages installed the tests skip, except under CI (``CI`` set),
where anything that keeps the server from starting fails them instead.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from tests.services import unavailable

BUCKET = "creatify-archive"
START_TIMEOUT = 30.0
CREDENTIALS = {"access_key": "testing", "secret_key": "testing"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            unavailable(f"moto's server exited at once with status {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    unavailable(f"moto's server did not listen on port {port} within {START_TIMEOUT:.0f}s")


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    for module in ("moto.server", "storages.backends.s3", "boto3"):
        try:
            __import__(module)
        except ImportError as exc:
            unavailable(f"the S3 archive tests need the test extra's {module}: {exc}")
    import boto3

    port = _free_port()
    env = {**os.environ, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        _wait_for_port(port, process)
        endpoint = f"http://127.0.0.1:{port}"
        boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        ).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def s3_archive(request, s3_endpoint, settings):
    """Archiving on, into ``S3Storage`` on the moto server, under a prefix of its own."""
    if "creatify_sandbox" in request.fixturenames:
        request.getfixturevalue("creatify_sandbox")
    import boto3

    prefix = f"t{time.monotonic_ns()}"
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "location": prefix,
                "addressing_style": "path",
                **CREDENTIALS,
            },
        },
    }
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_STORAGE": "archive"}
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )

    def keys() -> dict[str, int]:
        listed = client.list_objects_v2(Bucket=BUCKET, Prefix=prefix + "/")
        return {
            item["Key"].removeprefix(prefix + "/"): item["Size"]
            for item in listed.get("Contents", [])
        }

    client.keys = keys
    client.prefix = prefix
    return client
