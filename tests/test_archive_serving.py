"""Archived copies in the admin and the API: players and links use the site's copy, the API
describes each copy, private storages stream through the app, expired links are said so."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from django_creatify.archive import archive_job
from django_creatify.exceptions import TransportError
from django_creatify.families import FAMILIES
from django_creatify.models import ArchivedOutput
from tests.admin_support import admin_url
from tests.archive_support import body_of, stored_files

pytestmark = pytest.mark.django_db

SIZE = 300_000
API = "/creatify/api"


def stamp(days_ago: float) -> str:
    moment = datetime.now(UTC) - timedelta(days=days_ago)
    return moment.isoformat().replace("+00:00", "Z")


def mirrored_done_job(family: str, url: str, *, days_ago: float = 1, **fields) -> uuid.UUID:
    from django_creatify.sync import apply_payloads

    job_id = uuid.uuid4()
    payload = {
        "id": str(job_id),
        "status": "done",
        "created_at": stamp(days_ago + 0.01),
        "updated_at": stamp(days_ago),
        FAMILIES[family].output_field: url,
        **fields,
    }
    apply_payloads(family, [payload])
    return job_id


def archived_job(family: str, file_server) -> uuid.UUID:
    job_id = mirrored_done_job(family, f"{file_server.url}/file/{SIZE}.mp4")
    assert archive_job(family, job_id).archived == [FAMILIES[family].output_field]
    return job_id


@pytest.fixture
def staff_api():
    client = APIClient()
    client.force_authenticate(get_user_model().objects.create_user("s", is_staff=True))
    return client


# -- the API ---------------------------------------------------------------------------


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_api_describes_each_copy_and_streams_it(family, archive_dir, file_server, staff_api):
    job_id = archived_job(family, file_server)
    field = FAMILIES[family].output_field
    data = staff_api.get(f"{API}/{family}/{job_id}/").json()

    copy = data["archived_outputs"][field]
    assert copy["url"] == f"{API}/{family}/{job_id}/archive/{field}/"
    assert (copy["size"], copy["content_type"]) == (SIZE, "video/mp4")
    assert copy["sha256"] == hashlib.sha256(body_of(SIZE)).hexdigest()
    assert data[field].startswith(file_server.url)  # the mirror keeps what Creatify sent
    if family != "aurora":
        assert data["output_url"] == copy["url"]

    response = staff_api.get(copy["url"], HTTP_ACCEPT="video/*")
    assert response.status_code == 200
    assert response["Content-Type"] == "video/mp4"
    assert (response["Content-Length"], response["Accept-Ranges"]) == (str(SIZE), "bytes")
    assert b"".join(response.streaming_content) == body_of(SIZE)


@pytest.mark.parametrize(
    ("header", "status", "first", "last"),
    [
        ("bytes=1000-1999", 206, 1000, 1999),
        ("bytes=299990-", 206, 299990, SIZE - 1),
        ("bytes=-10", 206, SIZE - 10, SIZE - 1),
        ("bytes=5-999999999", 206, 5, SIZE - 1),
        ("bytes=0-0,5-9", 200, 0, SIZE - 1),  # several ranges: the whole file
        ("bytes=" + "9" * 5000 + "-", 200, 0, SIZE - 1),  # a number no file reaches
    ],
)
def test_a_player_seeks_with_one_byte_range(
    header, status, first, last, archive_dir, file_server, staff_api
):
    job_id = archived_job("aurora", file_server)
    url = f"{API}/aurora/{job_id}/archive/video_output/"
    response = staff_api.get(url, HTTP_RANGE=header)
    assert response.status_code == status
    assert b"".join(response.streaming_content) == body_of(SIZE)[first : last + 1]
    assert response["Content-Length"] == str(last - first + 1)
    if status == 206:
        assert response["Content-Range"] == f"bytes {first}-{last}/{SIZE}"


def test_a_range_past_the_end_is_416(archive_dir, file_server, staff_api):
    job_id = archived_job("aurora", file_server)
    response = staff_api.get(
        f"{API}/aurora/{job_id}/archive/video_output/", HTTP_RANGE=f"bytes={SIZE}-"
    )
    assert (response.status_code, response["Content-Range"]) == (416, f"bytes */{SIZE}")


def test_only_those_who_may_read_the_job_get_its_copy(archive_dir, file_server, staff_api):
    job_id = archived_job("lipsyncs", file_server)
    url = f"{API}/lipsyncs/{job_id}/archive/output/"
    outsider = APIClient()
    outsider.force_authenticate(get_user_model().objects.create_user("u"))
    assert outsider.get(url).status_code == 403
    assert APIClient().get(url).status_code in (401, 403)
    assert staff_api.get(f"{API}/lipsyncs/{job_id}/archive/preview/").status_code == 404
    assert staff_api.get(f"{API}/lipsyncs/{uuid.uuid4()}/archive/output/").status_code == 404


def test_a_file_gone_from_the_storage_is_404_not_an_error(archive_dir, file_server, staff_api):
    job_id = archived_job("aurora", file_server)
    for name in stored_files(archive_dir):
        (archive_dir / name).unlink()
    response = staff_api.get(f"{API}/aurora/{job_id}/archive/video_output/")
    assert response.status_code == 404
    assert "missing from the storage" in response.json()["detail"]


def test_a_list_reads_the_pages_copies_in_one_query(
    archive_dir, file_server, staff_api, django_assert_max_num_queries
):
    for _ in range(3):
        archived_job("ai_shorts", file_server)
    mirrored_done_job("ai_shorts", f"{file_server.url}/file/10.mp4")  # not archived
    with django_assert_max_num_queries(4) as captured:
        rows = staff_api.get(f"{API}/ai_shorts/").json()["results"]
    assert sum("archived" in query["sql"] for query in captured.captured_queries) == 1
    assert sorted(bool(row["archived_outputs"]) for row in rows) == [False, True, True, True]
    plain = next(row for row in rows if not row["archived_outputs"])
    assert plain["output_url"] == plain["video_output"]


def test_a_storage_with_public_urls_is_linked_directly(
    settings, archive_dir, file_server, staff_api
):
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_SERVE": "storage"}
    settings.STORAGES["archive"]["OPTIONS"]["base_url"] = "https://media.example.com/archive/"
    job_id = archived_job("lipsyncs_v2", file_server)
    data = staff_api.get(f"{API}/lipsyncs_v2/{job_id}/").json()
    expected = f"https://media.example.com/archive/creatify/lipsyncs_v2/{job_id}/output.mp4"
    assert data["archived_outputs"]["output"]["url"] == expected
    assert data["output_url"] == expected


def test_s3_links_are_signed_urls_that_serve_the_file(settings, s3_archive, file_server, staff_api):
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_SERVE": "storage"}
    job_id = archived_job("aurora", file_server)
    url = staff_api.get(f"{API}/aurora/{job_id}/").json()["archived_outputs"]["video_output"]["url"]
    assert "Signature=" in url or "X-Amz-Signature=" in url
    assert requests.get(url, timeout=10).content == body_of(SIZE)


def test_with_archiving_turned_off_the_api_shows_creatifys_links(
    settings, archive_dir, file_server, staff_api
):
    job_id = archived_job("lipsyncs", file_server)
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_STORAGE": None}
    data = staff_api.get(f"{API}/lipsyncs/{job_id}/").json()
    assert data["archived_outputs"] == {}
    assert data["output_url"] == data["output"]


# -- the admin -------------------------------------------------------------------------


def player_src(html: str, kind: str = "video") -> str | None:
    match = re.search(
        rf'<video class="creatify-player creatify-player--{kind}"[^>]* src="([^"]+)"', html
    )
    return match[1].replace("&amp;", "&") if match else None


@pytest.mark.parametrize("family", list(FAMILIES))
def test_the_admin_plays_the_archived_copy_through_its_own_view(
    family, archive_dir, file_server, admin_client
):
    job_id = archived_job(family, file_server)
    html = admin_client.get(f"{admin_url(family)}{job_id}/change/").content.decode()
    src = player_src(html)
    assert src == f"{admin_url(family)}{job_id}/archive/{FAMILIES[family].output_field}/"
    assert "The site&#x27;s archived copy" in html and "293.0\xa0KB" in html
    response = admin_client.get(src, HTTP_RANGE="bytes=0-99")
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == body_of(SIZE)[:100]

    listing = admin_client.get(admin_url(family)).content.decode()
    assert f'creatify-media-link--video" href="{src}"' in listing


def test_the_admins_archive_view_is_for_staff_only(archive_dir, file_server, client):
    job_id = archived_job("aurora", file_server)
    url = f"{admin_url('aurora')}{job_id}/archive/video_output/"
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    user = get_user_model().objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(user)  # staff without the view permission
    assert client.get(url).status_code == 404


def test_an_expired_output_without_a_copy_is_said_so_not_played(file_server, admin_client):
    url = f"{file_server.url}/file/10.mp4"
    image, preview = "https://uploads.example.com/face.png", f"{file_server.url}/file/5.mp4"
    old = mirrored_done_job("aurora", url, days_ago=10, image=image, preview=preview)
    recent = mirrored_done_job("aurora", url, days_ago=2)

    html = admin_client.get(f"{admin_url('aurora')}{old}/change/").content.decode()
    assert player_src(html) is None
    assert "Expired at Creatify." in html and "ARCHIVE_STORAGE" in html
    assert f'href="{url}"' in html  # still offered, in case Creatify kept it longer
    # The video and the preview are Creatify's; the input image is the site's own.
    assert html.count("Expired at Creatify.") == 2
    assert f'<img class="creatify-image" src="{image}"' in html
    assert player_src(admin_client.get(f"{admin_url('aurora')}{recent}/change/").content.decode())

    listing = admin_client.get(admin_url("aurora")).content.decode()
    assert listing.count('creatify-tag--warning" title="Creatify&#x27;s copy') == 1
    assert listing.count("creatify-media-link--video") == 1


def test_retention_follows_the_setting_and_the_jobs_own_ttl_days(
    settings, file_server, admin_client
):
    url = f"{file_server.url}/file/10.mp4"
    old = mirrored_done_job("aurora", url, days_ago=10)
    long_kept = mirrored_done_job("aurora", url, days_ago=10, ttl_days=30)
    page = f"{admin_url('aurora')}{{}}/change/"
    assert player_src(admin_client.get(page.format(long_kept)).content.decode())
    assert not player_src(admin_client.get(page.format(old)).content.decode())
    settings.CREATIFY = {**settings.CREATIFY, "OUTPUT_RETENTION_DAYS": 14}
    assert player_src(admin_client.get(page.format(old)).content.decode())


def test_an_archived_copy_outlives_creatifys_link(archive_dir, file_server, admin_client):
    job_id = mirrored_done_job("aurora", f"{file_server.url}/file/{SIZE}.mp4", days_ago=30)
    archive_job("aurora", job_id)
    html = admin_client.get(f"{admin_url('aurora')}{job_id}/change/").content.decode()
    assert "Expired at Creatify." not in html
    assert player_src(html) == f"{admin_url('aurora')}{job_id}/archive/video_output/"


# -- the download's own bound ----------------------------------------------------------


def test_a_download_past_the_deadline_is_abandoned_and_keeps_nothing(
    settings, archive_dir, file_server
):
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_DEADLINE": 1e-9}
    job_id = mirrored_done_job("aurora", f"{file_server.url}/file/{SIZE}.mp4")
    with pytest.raises(TransportError, match="ARCHIVE_DEADLINE") as caught:
        archive_job("aurora", job_id)
    assert caught.value.transient
    assert not ArchivedOutput.objects.exists()
    assert stored_files(archive_dir) == []


@pytest.mark.parametrize("kind", ["file", "reset"])
def test_the_spool_directory_is_left_empty_whether_the_download_works_or_not(
    kind, settings, archive_dir, file_server, tmp_path
):
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_SPOOL_DIR": str(spool_dir)}
    job_id = mirrored_done_job("lipsyncs", f"{file_server.url}/{kind}/{SIZE}")
    if kind == "reset":
        with pytest.raises(TransportError):
            archive_job("lipsyncs", job_id)
        assert stored_files(archive_dir) == []
    else:
        archive_job("lipsyncs", job_id)
        (stored,) = stored_files(archive_dir)
        assert (archive_dir / stored).read_bytes() == body_of(SIZE)
        assert (archive_dir / stored).stat().st_mode & 0o777 == 0o644  # moved, then opened up
    assert list(spool_dir.iterdir()) == []


@pytest.mark.parametrize(
    ("declared", "served", "disposition"),
    [
        ("video/mp4", "video/mp4", "inline"),
        ("image/png", "image/png", "inline"),
        ("text/html", "application/octet-stream", "attachment"),
        ("image/svg+xml", "application/octet-stream", "attachment"),
        ("", "application/octet-stream", "attachment"),
    ],
)
def test_only_media_types_are_served_inline_from_the_sites_origin(
    declared, served, disposition, archive_dir, file_server, staff_api
):
    job_id = archived_job("aurora", file_server)
    ArchivedOutput.objects.update(content_type=declared)  # what the file host declared
    response = staff_api.get(f"{API}/aurora/{job_id}/archive/video_output/")
    assert response["Content-Type"] == served
    assert response["Content-Disposition"].startswith(disposition)
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
