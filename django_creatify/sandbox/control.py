"""``/_sandbox/...``: drive a sandbox from another process (the demo, another test run).

Thin JSON wrappers over the public :class:`~django_creatify.sandbox.app.Sandbox` methods;
no API credentials needed. Trailing slashes are optional here. Where a call makes or
lists jobs, ``family`` (a query parameter or a body field) picks the family, Aurora by
default; calls on one job work whatever its family.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from .families import AURORA, FAMILIES
from .faults import Fault
from .messages import Request, Response, detail, json_response
from .timeline import FINAL_STATUSES

if TYPE_CHECKING:
    from .app import Sandbox

PREFIX = "/_sandbox"
_JOB = re.compile(r"^/jobs/([^/]+)$")
_RENDER = re.compile(r"^/jobs/([^/]+)/render$")
ENDPOINTS = [
    "GET /_sandbox/",
    "POST /_sandbox/advance {seconds}",
    "GET /_sandbox/jobs?family=aurora",
    "POST /_sandbox/jobs {family, count, seed, ...fields} | {family, ...fields}",
    "GET /_sandbox/jobs/<id>",
    "PATCH /_sandbox/jobs/<id> {...fields}",
    "POST /_sandbox/jobs/<id>/render {outcome}",
    "POST /_sandbox/finish {status, family}",
    "GET|POST|DELETE /_sandbox/faults",
    "POST /_sandbox/outcomes {outcomes: [...]}",
    "GET|DELETE /_sandbox/requests",
    "GET /_sandbox/webhooks",
    "GET /_sandbox/uploads",
    "GET|PUT /_sandbox/credits {credits}",
    "POST /_sandbox/reset",
]


def handle_control(sandbox: Sandbox, request: Request) -> Response:
    path = request.path.removeprefix(PREFIX).rstrip("/") or "/"
    route = (request.method, path)
    try:
        data = _json(request.body)
        if route == ("GET", "/"):
            return json_response(
                200,
                {
                    "now": sandbox.now().isoformat(),
                    "jobs": sandbox.count(),
                    "families": {key: sandbox.count(key) for key in FAMILIES},
                    "credits": sandbox.credits,
                    "retention_days": sandbox.retention_days,
                    "endpoints": ENDPOINTS,
                },
            )
        if route == ("POST", "/advance"):
            sandbox.advance(float(_object(data).get("seconds", 0)))
            return json_response(200, {"now": sandbox.now().isoformat()})
        if route == ("GET", "/jobs"):
            return json_response(200, sandbox.payloads(request.query.get("family", AURORA.key)))
        if route == ("POST", "/jobs"):
            fields = dict(_object(data))
            family = fields.pop("family", AURORA.key)
            if "count" in fields:
                count = int(fields.pop("count"))
                seed = fields.pop("seed", None)
                return json_response(201, sandbox.add_jobs(count, family, seed=seed, **fields))
            return json_response(201, sandbox.add_job(family, **fields))
        if route == ("POST", "/finish"):
            options = _object(data)
            finished = sandbox.finish_all(options.get("status", "done"), options.get("family"))
            return json_response(200, finished)
        if request.method == "POST" and (match := _RENDER.match(path)):
            if match[1] not in sandbox:
                return detail(404, "Not found.")
            return json_response(200, sandbox.render(match[1], _object(data).get("outcome")))
        if match := _JOB.match(path):
            job_id = match[1]
            if job_id not in sandbox:
                return detail(404, "Not found.")
            if request.method == "GET":
                return json_response(200, sandbox.job(job_id))
            if request.method in ("PATCH", "POST"):
                return json_response(200, sandbox.update_job(job_id, **_object(data)))
        if route == ("GET", "/faults"):
            return json_response(200, sandbox.pending_faults())
        if route == ("POST", "/faults"):
            specs = data if isinstance(data, list) else [_object(data)]
            for spec in specs:
                spec = _object(spec)
                sandbox.inject(
                    Fault.from_spec(spec),
                    method=spec.get("method"),
                    path_prefix=spec.get("path_prefix"),
                )
            return json_response(201, {"queued": len(specs)})
        if route == ("DELETE", "/faults"):
            sandbox.clear_faults()
            return Response(204, b"", None)
        if route == ("POST", "/outcomes"):
            outcomes = _object(data).get("outcomes", [])
            if not isinstance(outcomes, list) or any(
                outcome not in FINAL_STATUSES for outcome in outcomes
            ):
                raise ValueError(f"outcomes must be a list of {', '.join(FINAL_STATUSES)}")
            sandbox.next_outcomes.extend(outcomes)
            return json_response(200, {"outcomes": list(sandbox.next_outcomes)})
        if route == ("GET", "/requests"):
            return json_response(200, [recorded.to_json() for recorded in sandbox.requests])
        if route == ("DELETE", "/requests"):
            sandbox.clear_requests()
            return Response(204, b"", None)
        if route == ("GET", "/webhooks"):
            return json_response(200, [delivered.to_json() for delivered in sandbox.webhooks])
        if route == ("GET", "/uploads"):
            return json_response(200, [delivered.to_json() for delivered in sandbox.uploads])
        if route in (("PUT", "/credits"), ("POST", "/credits")):
            value = _object(data).get("credits")
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError("credits must be a number")
            sandbox.credits = value
        if path == "/credits" and request.method in ("GET", "PUT", "POST"):
            return json_response(200, {"credits": sandbox.credits})
        if route == ("POST", "/reset"):
            sandbox.reset()
            return Response(204, b"", None)
    except (ValueError, TypeError, KeyError) as exc:
        return detail(400, str(exc) or type(exc).__name__)
    return detail(404, "Not found.")


def _json(body: bytes) -> Any:
    if not body.strip():
        return {}
    try:
        return json.loads(body)
    except ValueError:
        raise ValueError("the body must be JSON") from None


def _object(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data
