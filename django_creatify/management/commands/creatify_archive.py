"""``manage.py creatify_archive``: copy finished outputs into ``CREATIFY['ARCHIVE_STORAGE']``
now, in this process (not through Celery): every ``done`` job of every enabled family, or
those of ``--family``, or the jobs of ``--ids``; ``--missing`` skips jobs whose chosen
outputs are all kept already without looking at the storage.

Ids are read a chunk at a time in key order, so 100,000 jobs never sit in memory. Exit
status: 0 every job archived (or already kept), 1 any failed, each with one line.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_creatify.archive import archive_job, archiving_enabled, chosen_fields, is_http_url
from django_creatify.client import normalize_ids
from django_creatify.exceptions import CreatifyError
from django_creatify.families import FAMILIES, Family, families_named
from django_creatify.models import ArchivedOutput
from django_creatify.statuses import DONE

CHUNK = 1000


class Command(BaseCommand):
    help = (
        "Copy the chosen outputs (CREATIFY['ARCHIVE_OUTPUTS']) of finished jobs into "
        "CREATIFY['ARCHIVE_STORAGE'], in this process. Prints the counts, a line per family. "
        "Exit status: 0 archived or already kept; 1 a job failed (one line each)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--family",
            action="append",
            choices=list(FAMILIES),
            help="Only this job family; may be repeated. Default: every enabled family.",
        )
        parser.add_argument(
            "--ids",
            help="Comma-separated job UUIDs to archive, whatever their status, looked up in "
            "each family (or those of --family).",
        )
        parser.add_argument(
            "--missing",
            action="store_true",
            help="Only jobs with a chosen output not archived yet (no storage look-ups for "
            "the others).",
        )

    def handle(self, *args, **options) -> None:
        if not archiving_enabled():
            raise CommandError("Archiving is off: set CREATIFY['ARCHIVE_STORAGE'] to a storage")
        try:
            ids = normalize_ids(options["ids"].split(",")) if options["ids"] else None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        failed = 0
        with requests.Session() as session:
            for family in families_named(options["family"]):
                failed += self._archive_family(family, ids, options["missing"], session)
        if failed:
            raise CommandError(f"Archiving failed for {failed} job(s)")

    def _archive_family(self, family: Family, ids, missing: bool, session) -> int:
        fields = chosen_fields(family)
        if not fields:
            return 0
        archived = kept = failed = jobs = 0
        for chunk in _id_chunks(family, ids):
            if missing:
                chunk = _not_archived(family, fields, chunk)
            for job_id in chunk:
                jobs += 1
                try:
                    result = archive_job(family, job_id, session=session)
                except CreatifyError as exc:
                    failed += 1
                    self.stderr.write(f"{family.name} {job_id}: {exc}")
                    continue
                archived += len(result.archived)
                kept += len(result.kept)
                if result.busy:
                    self.stdout.write(f"{family.name} {job_id}: another archiver has it now")
        self.stdout.write(
            f"{family.name}: archived {archived}, already kept {kept}, failed {failed} "
            f"({jobs} job{'s' if jobs != 1 else ''})"
        )
        return failed


def _id_chunks(family: Family, ids: list[str] | None) -> Iterator[list[uuid.UUID]]:
    manager = family.model._default_manager
    if ids is not None:
        for start in range(0, len(ids), CHUNK):
            wanted = ids[start : start + CHUNK]
            found = manager.filter(pk__in=wanted).order_by("pk").values_list("pk", flat=True)
            if found:
                yield list(found)
        return
    # Keyset pages: each query starts after the last id, so a page costs the same at 100k.
    done = manager.filter(status=DONE).order_by("pk").values_list("pk", flat=True)
    last = None
    while True:
        page = list((done if last is None else done.filter(pk__gt=last))[:CHUNK])
        if not page:
            return
        yield page
        last = page[-1]


def _not_archived(family: Family, fields: list[str], chunk: list[uuid.UUID]) -> list[uuid.UUID]:
    """The jobs of ``chunk`` with a chosen output that has a URL and no archive row."""
    rows = family.model._default_manager.filter(pk__in=chunk).values_list("pk", *fields)
    kept = set(
        ArchivedOutput.objects.filter(family=family.name, job_id__in=chunk).values_list(
            "job_id", "field"
        )
    )
    return sorted(
        (
            job_id
            for job_id, *urls in rows
            if any(
                is_http_url(url) and (job_id, name) not in kept
                for name, url in zip(fields, urls, strict=True)
            )
        ),
        key=lambda job_id: job_id.int,
    )
