"""The body spool on its own: what it keeps, what it says when a bound is passed, and
reading a body whose socket cannot be reached."""

import io
import threading

import pytest
import requests
from urllib3 import HTTPResponse

from django_creatify import spool as spool_module
from django_creatify.exceptions import PayloadError
from django_creatify.spool import BodyAbandoned, BodyRestarted, BodySpool, arriving, first_bytes


def test_a_body_past_the_size_limit_is_refused_and_nothing_of_it_kept():
    with BodySpool(max_bytes=6) as spool:
        with pytest.raises(PayloadError) as caught:
            spool.fill([b"[1,2", b",3,4]"])
        spool.finish(complete=False)
        with pytest.raises(BodyAbandoned):  # not a byte of it to read
            spool.reader().read(1)
    assert str(caught.value) == (
        "Creatify's answer to the request is larger than 6 bytes, the limit set by "
        "CREATIFY['SYNC_MAX_BODY_BYTES']; stopped reading it"
    )


def test_the_limit_message_names_the_request_it_was_given():
    spool = BodySpool(max_bytes=1, source="GET /api/aurora/")
    with spool, pytest.raises(PayloadError, match=r"^Creatify's answer to GET /api/aurora/ is"):
        spool.fill([b"[]"])


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


# -- read while it arrives --------------------------------------------------------------


def test_a_reader_gets_each_chunk_as_it_arrives_and_the_end_once_whole():
    read_first = threading.Event()
    with BodySpool() as spool:
        reader = spool.reader()

        def chunks():
            yield b"[1,"
            # The next chunk comes only once the reader has had the first.
            assert read_first.wait(10)
            yield b"2]"

        filling = threading.Thread(target=spool.fill, args=(chunks(),))
        filling.start()
        assert reader.read(100) == b"[1,"
        read_first.set()
        assert reader.read(100) == b"2]"
        assert reader.read(100) == b""
        filling.join()
        assert spool.complete is True


def test_a_body_begun_again_is_read_again_from_its_start():
    with BodySpool() as spool:
        reader = spool.reader()
        with pytest.raises(ConnectionError):
            spool.fill(_then_failing(b"[1,"))
        with pytest.raises(BodyRestarted):
            reader.read(100)
        assert reader.stale
        spool.fill([b"[1,2]"])
        reader.restart()
        assert (reader.stale, reader.read(100)) == (False, b"[1,2]")


def test_a_reader_of_a_body_that_will_not_come_is_told_waiting_or_not():
    with BodySpool() as spool:
        reader = spool.reader()
        # The fetch gives up from another thread, before or while the reader waits.
        waiting = threading.Thread(target=spool.finish, kwargs={"complete": False})
        waiting.start()
        with pytest.raises(BodyAbandoned):
            reader.read(1)
        waiting.join()


def test_a_body_moved_to_disk_while_read_is_read_whole(monkeypatch):
    monkeypatch.setattr(spool_module, "SPOOL_MEMORY_BYTES", 10)
    pieces = [b"[", b'"abcdef",', b'"ghijkl",', b'"mnopqr"', b"]"]
    with BodySpool() as spool:
        reader = spool.reader()
        spool.fill(pieces[:2])  # still in memory
        assert reader.read(4) == b'["ab'
        spool.fill(pieces)  # the same body again, now past the memory bound
        reader.restart()
        assert reader.read(-1) == b"".join(pieces)


def _then_failing(first: bytes):
    yield first
    raise ConnectionError("reset")
