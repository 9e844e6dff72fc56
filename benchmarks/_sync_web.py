"""The web case of ``sync_benchmark.py``: the app's DRF list and admin changelist of a
family, on the rows its sync wrote, in the measuring process (``_sync_cases.py``).

The DRF list (a page of 100, a staff user, Django's test Client) is measured in requests
per second against a plain view returning ``.values()`` of the same model as JSON; the
changelist by its median time. A family whose list or changelist the site does not serve
(yet) is reported as absent, not as an error.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from _common import QueryCounter, Stopwatch

ROUNDS = 4
WARM_UP = 3


def drf_list_path(family) -> str | None:
    """The family's DRF list, if the site has one: by its route name, else by its path."""
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    try:
        return reverse(f"django_creatify:{family.name}-list") + "?page_size=100"
    except NoReverseMatch:
        pass
    path = f"/creatify/api/{family.name}/"
    try:
        resolve(path)
    except Resolver404:
        return None
    return path + "?page_size=100"


def changelist_path(family) -> str | None:
    from django.contrib import admin

    if not admin.site.is_registered(family.model):
        return None
    meta = family.model._meta
    return f"/admin/{meta.app_label}/{meta.model_name}/"


def measure_web(family, spec: dict[str, Any], staff_user: str) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username=staff_user))
    expected = min(100, spec["jobs"])

    def check_drf(response) -> None:
        assert len(response.json()["results"]) == expected, response.content[:200]

    def check_floor(response) -> None:
        assert len(response.json()) == expected, response.content[:200]

    out: dict[str, Any] = {}
    views = {}
    drf = drf_list_path(family)
    if drf is None:
        out["drf"] = {"absent": f"no DRF list for {family.name}"}
    else:
        views["drf"] = (drf, check_drf)
        views["floor"] = (f"/bench/floor/{family.name}/", check_floor)
    try:
        for name, (path, check) in views.items():
            for _ in range(WARM_UP):
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
                check(response)
            with QueryCounter() as queries:
                client.get(path)
            out[name] = {"requests": 0, "seconds": 0.0, "sql_queries": queries.queries}
    except Exception as exc:
        # A ratio needs both views: neither is timed.
        error = f"{type(exc).__name__}: {exc}"[:300]
        out.update({name: {"error": error} for name in views})
        views = {}
    # Interleaved rounds, so a burst of load from elsewhere hits both views alike.
    for _ in range(ROUNDS if views else 0):
        for name, (path, _check) in views.items():
            count, started = 0, time.perf_counter()
            while (elapsed := time.perf_counter() - started) < spec["web_seconds"] / ROUNDS or (
                count < 5
            ):
                client.get(path)
                count += 1
            out[name]["requests"] += count
            out[name]["seconds"] += elapsed
    for name in views:
        out[name]["requests_per_second"] = out[name]["requests"] / out[name]["seconds"]
    out["changelist"] = measure_changelist(client, family, spec.get("changelist_runs", 7))
    return out


def measure_changelist(client, family, runs: int) -> dict[str, Any]:
    changelist = changelist_path(family)
    if changelist is None:
        return {"absent": f"no admin for {family.model.__name__}"}
    try:
        response = client.get(changelist)  # warm-up: templates, the content type cache
        if response.status_code != 200:
            raise RuntimeError(f"HTTP {response.status_code}")
        times = []
        for _ in range(runs):
            with QueryCounter() as queries, Stopwatch() as clock:
                response = client.get(changelist)
                response.content  # noqa: B018 (rendered; the body is read)
            times.append(clock.seconds)
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return {
        "median_ms": statistics.median(times) * 1000,
        "min_ms": min(times) * 1000,
        "sql_queries": queries.queries,
        "bytes": len(response.content),
    }
