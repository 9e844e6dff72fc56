"""Streaming an archived output from its storage to a browser, a byte range at a time.

For storages whose files are not public (``CREATIFY['ARCHIVE_SERVE'] = "view"``, the
default). Callers decide who may read: the admin's view asks for staff with view
permission, the API's for whoever may read the job. Players seek with ``Range``
requests, so one range is honoured (206); a file is read in chunks, never whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import IO, TYPE_CHECKING

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from .archive import archive_storage
from .downloads import CHUNK_BYTES

if TYPE_CHECKING:
    from .models import ArchivedOutput

_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")  # longer numbers: no range
# The type the file host declared is remote data: served inline from the site's origin,
# text/html or image/svg+xml would run script there. Media types play inline; anything
# else is a download of opaque bytes.
_INLINE_TYPES = re.compile(r"^(video/[\w.+-]+|audio/[\w.+-]+|image/(png|jpeg|gif|webp|avif))$")


def archived_file_response(request: HttpRequest, row: ArchivedOutput) -> HttpResponseBase:
    """The file of ``row`` (an :class:`~django_creatify.models.ArchivedOutput`)."""
    storage = archive_storage()
    try:
        handle = storage.open(row.path, "rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("The archived file is missing from the storage.")) from None
    size = row.size
    wanted = _requested_range(request.headers.get("Range", ""), size)
    if isinstance(wanted, str):  # "unsatisfiable"
        handle.close()
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted or (0, size - 1)
    length = max(0, end - start + 1)
    inline = bool(_INLINE_TYPES.match(row.content_type or ""))
    streamed = StreamingHttpResponse(
        _chunks(handle, start, length),
        status=206 if wanted else 200,
        content_type=row.content_type if inline else "application/octet-stream",
    )
    streamed["Content-Length"] = str(length)
    streamed["Accept-Ranges"] = "bytes"
    if wanted:
        streamed["Content-Range"] = f"bytes {start}-{end}/{size}"
    disposition = content_disposition_header(not inline, PurePosixPath(row.path).name)
    if disposition:  # None only for a path without a file name
        streamed["Content-Disposition"] = disposition
    streamed["X-Content-Type-Options"] = "nosniff"
    streamed["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # The file is the site's, readable only by those the caller let in.
    streamed["Cache-Control"] = "private, max-age=3600"
    return streamed


def _requested_range(header: str, size: int) -> tuple[int, int] | str | None:
    """(first, last) byte of one requested range; None to send it all, for a missing or
    multi-range header (allowed by RFC 9110); "unsatisfiable" past the end."""
    match = _RANGE.match(header.strip())
    if not match or size <= 0:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        count = int(last)
        if count == 0:
            return "unsatisfiable"
        return max(0, size - count), size - 1
    start = int(first)
    if start >= size:
        return "unsatisfiable"
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None
    return start, end


def _chunks(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        if start:
            handle.seek(start)
        remaining = length
        while remaining > 0:
            chunk = handle.read(min(CHUNK_BYTES, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
