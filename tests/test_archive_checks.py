"""System checks of the archive settings."""

from __future__ import annotations

import pytest

from django_creatify.checks import check_archive


def ids(messages):
    return [message.id for message in messages]


def test_archiving_off_needs_nothing():
    assert check_archive() == []


def test_the_storage_must_be_an_alias_in_storages(settings):
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_STORAGE": "videos"}
    messages = check_archive()
    assert ids(messages) == ["django_creatify.E009"]
    assert "'videos'" in messages[0].msg and "'default'" in messages[0].hint
    settings.STORAGES = {**settings.STORAGES, "videos": settings.STORAGES["default"]}
    assert check_archive() == []


@pytest.mark.parametrize("outputs", [["video"], "video_output", None, ["video_output", 3]])
def test_outputs_must_be_known_fields(settings, outputs):
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_OUTPUTS": outputs}
    assert ids(check_archive()) == ["django_creatify.E010"]


def test_every_documented_output_is_accepted(settings):
    outputs = ["video_output", "output", "preview", "video_thumbnail", "image"]
    settings.CREATIFY = {**settings.CREATIFY, "ARCHIVE_OUTPUTS": outputs}
    assert check_archive() == []


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("ARCHIVE_SERVE", "cdn", "django_creatify.E010"),
        ("ARCHIVE_SPOOL_DIR", "/no/such/directory", "django_creatify.E010"),
        ("ARCHIVE_SPOOL_DIR", 5, "django_creatify.E010"),
        ("ARCHIVE_DEADLINE", 0, "django_creatify.E003"),
        ("OUTPUT_RETENTION_DAYS", "a week", "django_creatify.E003"),
    ],
)
def test_serving_spooling_and_time_settings_are_checked(settings, name, value, code):
    settings.CREATIFY = {**settings.CREATIFY, name: value}
    messages = check_archive()
    assert ids(messages) == [code]
    assert name in messages[0].msg


def test_an_existing_spool_directory_and_either_way_of_serving_pass(settings, tmp_path):
    for serve in ("view", "storage"):
        settings.CREATIFY = {
            **settings.CREATIFY,
            "ARCHIVE_SERVE": serve,
            "ARCHIVE_SPOOL_DIR": str(tmp_path),
        }
        assert check_archive() == []
