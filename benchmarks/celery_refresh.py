"""How many active jobs per second real Celery workers refresh, for 1 and 2 processes.

    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \\
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \\
    .venv/bin/python benchmarks/celery_refresh.py [--jobs 5000] [--rounds 3] [--processes 1 2]

Each round mirrors ``--jobs`` unfinished jobs into a scratch PostgreSQL database, lets the
sandbox (served by this process) finish them, queues ``refresh_active_aurora_flows`` and
times until no row is active: the dispatcher's query, the fan-out into chunk tasks of
100 ids over Redis, one GET per chunk and the bulk writes. Workers are started and ready
before the clock starts. Prints jobs/second per worker count (best and median round), and
how many active jobs that rate refreshes within one ``ACTIVE_REFRESH_INTERVAL``.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCRATCH_DATABASE = "creatify_celery_benchmark"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    if not os.environ.get("CELERY_BROKER_URL") or not os.environ.get("DATABASE_URL", "").startswith(
        "postgres"
    ):
        sys.exit("Set CELERY_BROKER_URL (Redis) and DATABASE_URL (PostgreSQL); see the docstring.")

    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    from django.conf import settings

    django.setup()
    from celery import current_app

    current_app.conf.task_always_eager = False  # the test settings run tasks inline
    settings.DATABASES["default"]["TEST"]["NAME"] = SCRATCH_DATABASE
    from django.db import connection

    database = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        run(args, database)
    finally:
        connection.creation.destroy_test_db(database, verbosity=0)


def run(args: argparse.Namespace, database: str) -> None:
    from django_creatify.conf import creatify_settings
    from django_creatify.models import AuroraFlow
    from django_creatify.sandbox import Sandbox
    from django_creatify.sync import apply_aurora_payloads
    from django_creatify.tasks import refresh_active_aurora_flows
    from tests.celery_worker import WorkerProcess

    sandbox = Sandbox(manual_clock=True)
    server = sandbox.serve()
    sandbox.add_jobs(args.jobs, seed=1, status="running", progress=0.1, webhook_url=None)
    unfinished = [job for job in sandbox.payloads() if job["status"] == "running"]
    sandbox.advance(24 * 3600)

    def mirror_unfinished() -> int:
        AuroraFlow.objects.all().delete()
        apply_aurora_payloads(unfinished)
        return AuroraFlow.objects.active().count()

    print(
        f"{len(unfinished)} active jobs, chunks of 100; PostgreSQL + Redis; sandbox in this "
        f"process; {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    interval = creatify_settings.ACTIVE_REFRESH_INTERVAL
    print(
        f"{'processes':>9}  {'best s':>7}  {'best jobs/s':>11}  {'median jobs/s':>13}  "
        f"{f'active jobs kept fresh every {interval}s (median)':>44}"
    )
    for processes in args.processes:
        rates, times = [], []
        with WorkerProcess(
            database_name=database,
            sandbox_url=server.url,
            api_id=sandbox.api_id,
            api_key=sandbox.api_key,
            pool="prefork",
            concurrency=processes,
        ) as worker:
            for _ in range(args.rounds):
                active = mirror_unfinished()
                started = time.perf_counter()
                refresh_active_aurora_flows.apply_async(queue=worker.queue)
                worker.wait_for(
                    lambda: not AuroraFlow.objects.active().exists(), 600, "the active refresh"
                )
                elapsed = time.perf_counter() - started
                times.append(elapsed)
                rates.append(active / elapsed)
        median = statistics.median(rates)
        print(
            f"{processes:>9}  {min(times):>7.2f}  {max(rates):>11.0f}  {median:>13.0f}  "
            f"{median * interval:>44,.0f}"
        )
    server.stop()


if __name__ == "__main__":
    main()
