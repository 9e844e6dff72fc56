"""Hostile strings for the admin's escaping tests: what a compromised or buggy Creatify
could send as names, failure reasons and URLs. Each alert carries its own number, so a
dialog would say which vector got through."""

from __future__ import annotations

import re

TEXT_VECTORS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "'><script>alert(4)</script>",
    '<iframe src="javascript:alert(5)"></iframe>',
    '<a href="javascript:alert(6)">click me</a>',
    "</title><script>alert(7)</script>",
    "</textarea><script>alert(8)</script>",
    "<body onload=alert(9)>",
    "<details open ontoggle=alert(10)>",
    "<svg><script>alert&#40;11&#41;</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(12)>",
    "<input autofocus onfocus=alert(13)>",
    "<video><source onerror=alert(14)></video>",
    "{{ 7|add:7 }}{% debug %}<marquee onstart=alert(15)>",
    "<style>@import 'javascript:alert(16)';</style>",
    '<object data="data:text/html,<script>alert(17)</script>"></object>',
    '<!--<img src="--><img src=x onerror=alert(18)//">',
    "\u2028<script>alert(19)</script>\u2029",
    "<form action=javascript:alert(20)><button>go</button></form>",
]

URL_VECTORS = [
    "javascript:alert(101)",
    "JaVaScRiPt:alert(102)",
    " javascript:alert(103)",
    "java\tscript:alert(104)",
    "\x01javascript:alert(105)",
    "javascript://example.com/%0Aalert(106)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxMDcpPC9zY3JpcHQ+",
    "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' onload='alert(108)'/>",
    "vbscript:msgbox(109)",
    'https://example.com/a.png"onerror="alert(110)',
    "https://example.com/a.mp4'><script>alert(111)</script>",
    "//evil.example/x.mp4",
    "http:alert(113)",
]

VECTOR_COUNT = len(TEXT_VECTORS) + len(URL_VECTORS)

URL_FIELDS = ("video_output", "preview", "image", "audio", "editor_url", "webhook_url")
DANGEROUS_SCHEME = re.compile(r"^[\x00-\x20]*(javascript|data|vbscript)\s*:", re.IGNORECASE)
URL_ATTRIBUTES = ("href", "src", "poster", "action", "formaction", "xlink:href", "srcset", "data")


def hostile_jobs(sandbox) -> list[dict]:
    """Add one sandbox job per vector (finished, with every text and URL field hostile)."""
    jobs = []
    count = max(len(TEXT_VECTORS), len(URL_VECTORS))
    statuses = ("failed", "done", "rejected")
    for index in range(count):
        text = TEXT_VECTORS[index % len(TEXT_VECTORS)]
        url = URL_VECTORS[index % len(URL_VECTORS)]
        fields = {
            "name": text,
            "failed_reason": TEXT_VECTORS[-1 - index % len(TEXT_VECTORS)],
            "text_prompt": text,
            "status": statuses[index % len(statuses)],
            **dict.fromkeys(URL_FIELDS, url),
        }
        jobs.append(sandbox.add_job(**fields))
    return jobs
