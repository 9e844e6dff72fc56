"""The body spool on its own: what it keeps, what it says when a bound is passed, and
reading a body whose socket cannot be reached."""

import io

import pytest
import requests
from urllib3 import HTTPResponse

from django_creatify.exceptions import PayloadError
from django_creatify.spool import BodySpool, arriving, first_bytes


def test_a_body_past_the_size_limit_is_refused_and_nothing_of_it_kept():
    with BodySpool(max_bytes=6) as spool:
        with pytest.raises(PayloadError) as caught:
            spool.fill([b"[1,2", b",3,4]"])
        assert spool.rewound().read() == b""
    assert str(caught.value) == (
        "Creatify's answer to the request is larger than 6 bytes, the limit set by "
        "CREATIFY['SYNC_MAX_BODY_BYTES']; stopped reading it"
    )


def test_the_limit_message_names_the_request_it_was_given():
    spool = BodySpool(max_bytes=1, source="GET /api/aurora/")
    with spool, pytest.raises(PayloadError, match=r"^Creatify's answer to GET /api/aurora/ is"):
        spool.fill([b"[]"])


def test_a_body_without_unstorable_escapes_needs_no_scrubbing():
    with BodySpool() as spool:
        assert spool.needs_scrubbing is False
        spool.fill([b'[{"name": "caf\\u00e9"}]'])
        assert spool.needs_scrubbing is False
        assert spool.rewound().read() == b'[{"name": "caf\\u00e9"}]'


def test_a_body_read_where_no_socket_can_be_reached_arrives_whole():
    # A response over a plain file: no socket to bound each read with, and none needed.
    response = requests.Response()
    response.raw = HTTPResponse(body=io.BytesIO(b'[{"id": 1}]'), preload_content=False)
    assert list(arriving(response, lambda: 5.0, 1.0, 4)) == [b'[{"i', b'd": ', b"1}]"]


def test_an_error_body_is_read_no_further_than_the_part_shown():
    def pieces():
        yield b"ab"
        yield b"cd"
        raise AssertionError("read past the part shown")

    assert first_bytes(pieces(), 4) == b"abcd"
    assert first_bytes(iter([b"abc", b"def"]), 4) == b"abcd"


def test_an_escape_of_nul_split_across_two_reads_is_seen():
    with BodySpool() as spool:
        spool.fill([b'[{"name": "a\\u00', b'00b"}]'])
        assert spool.needs_scrubbing is True
        spool.fill([b"[]"])
        assert spool.needs_scrubbing is False
