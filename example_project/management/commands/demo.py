"""``manage.py demo``: the example site on SQLite against the bundled sandbox, no account needed.

Migrates, starts the sandbox with the jobs the site already mirrors (seeded jobs of every
family on a fresh database: :mod:`example_project.demo_setup`), syncs them, creates a demo
superuser, and serves the admin. Jobs the demo creates carry this site's webhook URL, so
the sandbox reports each one's end and the admin's webhook log fills. While it runs, a
background loop refreshes the unfinished jobs and now and then creates a new one at the
sandbox (in turn an Aurora video, a Lipsync video and an AI Short), so the admin shows
jobs moving.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.core.signals import setting_changed

from django_creatify import hints
from django_creatify.exceptions import CreatifyError
from django_creatify.families import enabled_families
from django_creatify.sync import create_job, refresh_active_jobs
from example_project.demo_setup import (
    NEW_JOB_FAMILIES,
    HideWebhookSecret,
    demo_creatify_settings,
    new_job,
    site_url,
    start_sandbox,
    sync_every_family,
)


class Command(BaseCommand):
    help = "Run the demo: sandbox + example site with a demo superuser."
    # The checks would run before handle() points CREATIFY at the sandbox, and warn that
    # no credentials are set; handle() runs them once it has.
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000", help="Where the site listens.")
        parser.add_argument("--sandbox-addr", default="127.0.0.1:8765")
        parser.add_argument(
            "--jobs", type=int, default=60, help="Seeded sandbox jobs, on a fresh database."
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--speed",
            type=float,
            default=3.0,
            help="How many times faster sandbox jobs move (the clock keeps real time).",
        )
        parser.add_argument("--refresh-every", type=float, default=3.0, help="Seconds.")
        parser.add_argument("--new-job-every", type=float, default=20.0, help="Seconds; 0: never.")
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default="demo")

    def handle(self, *args, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        with start_sandbox(
            options["sandbox_addr"],
            jobs=options["jobs"],
            seed=options["seed"],
            speed=options["speed"],
        ) as demo:
            self._use_creatify_settings(demo_creatify_settings(demo.url, site_url(options["addr"])))
            self.check(display_num_errors=False)
            logging.getLogger("django.server").addFilter(HideWebhookSecret())
            results = sync_every_family()
            self._ensure_superuser(options["username"], options["password"])
            stop = threading.Event()
            threading.Thread(
                target=self._keep_fresh,
                args=(stop, demo.url, options["refresh_every"], options["new_job_every"]),
                name="demo-refresh",
                daemon=True,
            ).start()
            restored = sum(demo.restored.values())
            self.stdout.write(
                f"Sandbox (fake Creatify) at {demo.url}"
                + (f", given back the {restored} jobs this site mirrors" if restored else "")
                + "; synced:\n  "
                + "\n  ".join(results)
                + f"\nAdmin login: {options['username']} / {options['password']}\n"
                f"Serving the demo at http://{options['addr']}/  (Ctrl-C to stop)",
            )
            self.stdout.flush()
            try:
                call_command("runserver", options["addr"], use_reloader=False, skip_checks=True)
            finally:
                stop.set()

    def _use_creatify_settings(self, creatify: dict) -> None:
        # Not override_settings(): it swaps in a settings object without SETTINGS_MODULE,
        # and runserver would announce "using settings None". The signal is what makes
        # django_creatify drop the CREATIFY values it has cached.
        settings.CREATIFY = creatify
        setting_changed.send(sender=type(self), setting="CREATIFY", value=creatify, enter=True)

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
        enabled = [family.name for family in enabled_families()]
        to_make = [name for name in NEW_JOB_FAMILIES if name in enabled]
        while not stop.wait(every):
            try:
                for family in enabled:
                    refresh_active_jobs(family)
                # Webhooks that arrived while a drain was running wait for the next one.
                if hints.has_pending():
                    hints.drain_pending()
                since_new += every
                if new_every and since_new >= new_every and to_make:
                    since_new = 0.0
                    family, fields = new_job(base, made, to_make)
                    made += 1
                    create_job(family, **fields)
            except CreatifyError as exc:
                self.stderr.write(f"demo refresh failed: {exc}")
