"""``manage.py demo``: the example site on SQLite against the bundled sandbox, no account needed.

Migrates, starts the sandbox with seeded jobs of every family, syncs them, creates a demo
superuser, and serves the admin. While it runs, a background loop refreshes the unfinished
jobs and now and then creates a new one at the sandbox (in turn an Aurora video, a Lipsync
video and an AI Short), so the admin shows jobs moving.
"""

from __future__ import annotations

import threading

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.test import override_settings

from django_creatify.exceptions import CreatifyError
from django_creatify.families import enabled_families
from django_creatify.sandbox import Sandbox
from django_creatify.sync import create_job, refresh_active_jobs, sync_jobs

DEMO_MEDIA = ("/media/image.png", "/media/audio.wav")


def new_jobs(base: str) -> list[tuple[str, dict]]:
    """What the demo makes while it runs: one job of each kind, in turn."""
    return [
        (
            "aurora",
            {
                "name": "Demo video made just now",
                "image": base + DEMO_MEDIA[0],
                "audio": base + DEMO_MEDIA[1],
            },
        ),
        ("lipsyncs", {"name": "Demo avatar made just now", "text": "Hello from the demo."}),
        (
            "ai_shorts",
            {"aspect_ratio": "9x16", "script": "A short made just now.", "style": "Cinematic"},
        ),
    ]


def split_addr(addr: str) -> tuple[str, int]:
    host, _, port = addr.rpartition(":")
    return host or "127.0.0.1", int(port)


class Command(BaseCommand):
    help = "Run the demo: sandbox + example site with a demo superuser."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where the site listens.")
        parser.add_argument("--sandbox-addr", default="127.0.0.1:8765")
        parser.add_argument("--jobs", type=int, default=60, help="Seeded sandbox jobs.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--speed", type=float, default=3.0, help="Sandbox clock speed.")
        parser.add_argument("--refresh-every", type=float, default=3.0, help="Seconds.")
        parser.add_argument("--new-job-every", type=float, default=20.0, help="Seconds; 0: never.")
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        sandbox = Sandbox(
            api_id="demo-id",
            api_key="demo-key",
            jobs=options["jobs"],
            seed=options["seed"],
            speed=options["speed"],
        )
        host, port = split_addr(options["sandbox_addr"])
        server = sandbox.serve(host=host, port=port)
        override_settings(
            CREATIFY={"API_ID": "demo-id", "API_KEY": "demo-key", "BASE_URL": server.url}
        ).enable()

        results = [f"{family.name}: {sync_jobs(family)}" for family in enabled_families()]
        self._ensure_superuser(options["username"], options["password"])
        stop = threading.Event()
        threading.Thread(
            target=self._keep_fresh,
            args=(stop, server.url, options["refresh_every"], options["new_job_every"]),
            name="demo-refresh",
            daemon=True,
        ).start()

        site = f"http://{options['addr']}/"
        self.stdout.write(
            f"Sandbox (fake Creatify) at {server.url}; synced:\n  " + "\n  ".join(results) + "\n"
            f"Admin login: {options['username']} / {options['password']}\n"
            f"Serving the demo at {site}  (Ctrl-C to stop)",
        )
        self.stdout.flush()
        try:
            call_command("runserver", options["addr"], use_reloader=False, skip_checks=True)
        finally:
            stop.set()
            server.stop()

    def _ensure_superuser(self, username: str, password: str) -> None:
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": True, "is_superuser": True}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()

    def _keep_fresh(self, stop: threading.Event, base: str, every: float, new_every: float) -> None:
        since_new = 0.0
        made = 0
        enabled = {family.name for family in enabled_families()}
        to_make = [job for job in new_jobs(base) if job[0] in enabled]
        while not stop.wait(every):
            try:
                for family in enabled:
                    refresh_active_jobs(family)
                since_new += every
                if new_every and since_new >= new_every and to_make:
                    since_new = 0.0
                    family, fields = to_make[made % len(to_make)]
                    made += 1
                    create_job(family, **fields)
            except CreatifyError as exc:
                self.stderr.write(f"demo refresh failed: {exc}")
