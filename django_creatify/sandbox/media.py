"""``/media/...`` files (stand-ins for Creatify's signed CDN URLs) and the editor page."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from .messages import Request, Response, html_response

MEDIA_DIR = Path(__file__).with_name("media")
# URL name -> (file, content type). The preview is the finished video's stand-in too,
# and the image the video's thumbnail.
FILES = {
    "image.png": ("image.png", "image/png"),
    "thumbnail.png": ("image.png", "image/png"),
    "audio.wav": ("audio.wav", "audio/wav"),
    "video.mp4": ("video.mp4", "video/mp4"),
    "preview.mp4": ("video.mp4", "video/mp4"),
}
_RANGE = re.compile(r"^bytes=(\d{0,18})-(\d{0,18})$")


@cache
def read(filename: str) -> bytes:
    return (MEDIA_DIR / filename).read_bytes()


def serve_media(request: Request, *, video_bytes: int | None = None) -> Response:
    """``video_bytes``: the finished video is that many made-up bytes, streamed whole."""
    name = request.path.removeprefix("/media/")
    if request.method not in ("GET", "HEAD") or name not in FILES:
        return html_response(404, "<h1>Not Found</h1>")
    filename, content_type = FILES[name]
    if video_bytes is not None and name == "video.mp4":
        return Response(
            200, b"", content_type, stream=made_up_bytes(video_bytes), length=video_bytes
        )
    data = read(filename)
    headers = [("Accept-Ranges", "bytes"), ("Cache-Control", "private, max-age=3600")]
    # Browsers (Safari above all) fetch video by byte ranges.
    match = _RANGE.match(request.headers.get("Range", "").strip())
    if match and (match[1] or match[2]):
        size = len(data)
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:
            start, end = max(0, size - int(match[2])), size - 1
        if start >= size or start > end:
            return Response(416, b"", None, [("Content-Range", f"bytes */{size}")])
        headers.append(("Content-Range", f"bytes {start}-{end}/{size}"))
        return Response(206, data[start : end + 1], content_type, headers)
    return Response(200, data, content_type, headers)


def made_up_bytes(size: int, chunk: int = 1024 * 1024) -> Iterator[bytes]:
    """``size`` bytes of a repeating pattern, a chunk at a time: large, never held whole."""
    piece = bytes(range(256)) * (chunk // 256)
    whole, rest = divmod(size, len(piece))
    for _ in range(whole):
        yield piece
    if rest:
        yield piece[:rest]


def serve_editor(request: Request, job_id: str, *, token_ok: bool, name: str | None) -> Response:
    if not token_ok:
        return html_response(403, "<h1>This editor link is invalid or has expired.</h1>")
    title = html.escape(name or job_id)
    return html_response(
        200,
        "<!doctype html><meta charset=utf-8>"
        f"<title>Editor: {title}</title>"
        f"<h1>Creatify sandbox editor</h1><p>Job {html.escape(job_id)}: {title}</p>"
        f'<video src="/media/video.mp4?job={html.escape(job_id)}" controls></video>',
    )
