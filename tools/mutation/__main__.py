"""Mutation testing of django-creatify's core modules: ``python -m tools.mutation --help``.

See docs/mutation-testing.md for what each option does and how long a run takes.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import random
import sys
import time
from pathlib import Path

from . import config, equivalent, report
from .mutants import OPERATORS, Mutant, materialize
from .operators import Collector
from .runner import Job, Pool

REPO = Path(__file__).resolve().parents[2]
BASELINE_TIMEOUT = 1800.0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.mutation", description=__doc__)
    add = parser.add_argument
    add("--seed", type=int, default=config.DEFAULT_SEED, help="sample seed (default %(default)s)")
    add(
        "--per-module",
        type=int,
        default=config.DEFAULT_PER_MODULE,
        metavar="N",
        help="mutants sampled per module, 0 for all (default %(default)s)",
    )
    add("--jobs", type=int, default=config.DEFAULT_JOBS, help="parallel workers (default 2)")
    add("--modules", nargs="+", metavar="MODULE", help="modules to mutate (default: all core)")
    add("--operators", nargs="+", metavar="OP", choices=OPERATORS, help=", ".join(OPERATORS))
    add("--only", nargs="+", metavar="ID", help="run just these mutant ids (any sample)")
    add(
        "--database-url",
        metavar="URL",
        help="PostgreSQL: also run the mutants of POSTGRES_MODULES that survive SQLite there",
    )
    add("--report", type=Path, metavar="PATH", help="write the JSON report here")
    add(
        "--equivalent",
        type=Path,
        metavar="PATH",
        help=f"known equivalent mutants (default {config.EQUIVALENT_FILE})",
    )
    add(
        "--timeout-factor",
        type=float,
        default=config.TIMEOUT_FACTOR,
        metavar="F",
        help=f"a mutant's time limit: F x the unmutated run + {config.TIMEOUT_SLACK:.0f}s"
        " (default %(default)s)",
    )
    add("--list", action="store_true", help="list the sampled mutants and stop")
    add("--show", metavar="ID", help="print one mutant's diff and stop")
    add("--keep-scratch", action="store_true", help="keep the scratch copies (for debugging)")
    return parser.parse_args(argv)


def module_path(module: str) -> str:
    return f"{config.PACKAGE}/{module}"


def candidates(module: str, operators: list[str] | None) -> tuple[Collector, list]:
    source = (REPO / module_path(module)).read_text(encoding="utf-8")
    collector = Collector(module, source)
    found = collector.collect()
    if operators:
        found = [c for c in found if c.operator in operators]
    return collector, found


def sample(module: str, args: argparse.Namespace) -> list[Mutant]:
    """A seeded sample; each module has its own generator, so adding one changes no other."""
    collector, found = candidates(module, args.operators)
    if args.only:
        found = [c for c in found if c.id in args.only]
    random.Random(f"{args.seed}:{module}").shuffle(found)  # noqa: S311 (a sample, not a secret)
    wanted = args.per_module or len(found)
    chosen: list[Mutant] = []
    for cand in found:
        if len(chosen) == wanted and not args.only:
            break
        mutant = materialize(collector, cand)
        if mutant is not None:
            chosen.append(mutant)
    return sorted(chosen, key=lambda m: (m.line, m.operator, m.mutated))


def show(wanted: str, modules: list[str]) -> int:
    for module in modules:
        collector, found = candidates(module, None)
        for cand in found:
            if cand.id == wanted:
                mutant = materialize(collector, cand)
                if mutant is None:
                    break
                path = module_path(module)
                sys.stdout.writelines(
                    difflib.unified_diff(
                        collector.text.source.splitlines(keepends=True),
                        mutant.source.splitlines(keepends=True),
                        f"a/{path}",
                        f"b/{path}",
                    )
                )
                return 0
    print(f"no mutant {wanted} in {', '.join(modules)}", file=sys.stderr)
    return 1


def check_modules(modules: list[str]) -> None:
    for module in modules:
        if not (REPO / module_path(module)).exists():
            sys.exit(
                f"{module_path(module)} does not exist: update MODULES in tools/mutation/config.py"
            )
        tests = config.TESTS.get(module)
        if not tests:
            sys.exit(f"{module} has no test files in TESTS (tools/mutation/config.py)")
        missing = [t for t in tests if not (REPO / t).exists()]
        if missing:
            sys.exit(f"TESTS[{module!r}] names missing files: {', '.join(missing)}")


def databases(module: str, url: str | None) -> list[str | None]:
    """SQLite always; PostgreSQL too for the modules with code that only runs there."""
    return [None, url] if url and module in config.POSTGRES_MODULES else [None]


def baseline(pool: Pool, modules: list[str], url: str | None) -> dict[tuple, float]:
    """Each module's tests, unmutated, on each database it runs on: the time, or exit."""
    jobs = [
        Job(f"baseline {m}", module_path(m), config.TESTS[m], BASELINE_TIMEOUT, None, db, m)
        for m in modules
        for db in databases(m, url)
    ]
    times: dict[tuple, float] = {}
    broken: list[Job] = []

    def done(job: Job):
        where = "PostgreSQL" if job.database_url else "SQLite"
        answer = job.answer
        status = "passed" if answer["exit"] == 0 else "FAILED"
        seconds = answer["seconds"]
        print(f"  unmutated {job.payload:<12} {where:<10} {status:<8} {seconds:6.1f}s", flush=True)
        if answer["exit"] != 0:
            broken.append(job)
        times[(job.payload, job.database_url)] = answer["seconds"]
        return []

    print(f"Checking that the unmutated tests pass ({len(jobs)} runs)...")
    pool.run(jobs, done)
    for job in broken:
        print(f"\nThe unmutated tests of {job.payload} do not pass: {' '.join(job.tests)}")
        print(job.answer.get("log", ""))
    if broken:
        sys.exit(
            "Fix the failing tests first: a mutant is only killed by tests that pass without it."
        )
    return times


def run(pool: Pool, mutants: list[Mutant], times: dict, args) -> list[dict]:
    results: dict[str, dict] = {}
    total = len(mutants)
    done_count = [0]

    def timeout(module: str, url: str | None) -> float:
        return times[(module, url)] * args.timeout_factor + config.TIMEOUT_SLACK

    def job(mutant: Mutant, url: str | None) -> Job:
        m = mutant.module
        return Job(
            mutant.id, module_path(m), config.TESTS[m], timeout(m, url), mutant.source, url, mutant
        )

    def done(finished: Job):
        mutant: Mutant = finished.payload
        answer = finished.answer
        row = results.setdefault(mutant.id, {**mutant.describe(), "seconds": 0.0, "databases": []})
        row["databases"].append("postgresql" if finished.database_url else "sqlite")
        row["seconds"] = round(row["seconds"] + answer["seconds"], 2)
        row["status"] = answer["status"]
        row["failed"] = answer.get("failed")
        if answer["status"] == "error":
            row["log"] = answer.get("log")
        if answer["status"] == "survived":
            later = [db for db in databases(mutant.module, args.database_url) if db]
            if later and finished.database_url is None:
                return [job(mutant, later[0])]
        done_count[0] += 1
        print(
            f"[{done_count[0]:>3}/{total}] {mutant.module}:{mutant.line:<4} {mutant.operator:<11} "
            f"{row['status']:<8} {row['seconds']:6.1f}s  {mutant.id}",
            flush=True,
        )
        return []

    pool.run([job(m, None) for m in mutants], done)
    return [results[m.id] for m in mutants]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    modules = [m if m.endswith(".py") else f"{m}.py" for m in args.modules or config.MODULES]
    check_modules(modules)
    if args.show:
        return show(args.show, modules)
    started = time.monotonic()
    sampled = {m: sample(m, args) for m in modules}
    entries = equivalent.load(args.equivalent or REPO / config.EQUIVALENT_FILE)
    if args.list:
        for mutant in (m for ms in sampled.values() for m in ms):
            why = equivalent.why_equivalent(mutant, entries)
            row = report.format_mutant(mutant.describe(), config.PACKAGE)
            print(row + (f"\n    equivalent: {why}" if why else ""))
        return 0
    to_run, skipped = [], []
    for mutant in (m for ms in sampled.values() for m in ms):
        why = equivalent.why_equivalent(mutant, entries)
        if why:
            skipped.append({**mutant.describe(), "status": "equivalent", "why": why})
        else:
            to_run.append(mutant)
    print(f"{len(to_run)} mutants to run, {len(skipped)} known equivalent; seed {args.seed}")
    pool = Pool(REPO, args.jobs, keep=args.keep_scratch)
    try:
        times = baseline(pool, [m for m in modules if sampled[m]], args.database_url)
        results = run(pool, to_run, times, args) + skipped
    finally:
        pool.close()
    return summarise(results, modules, times, args, time.monotonic() - started)


def summarise(results, modules, times, args, seconds: float) -> int:
    table = report.figures(results, modules)
    print(f"\nMutation score per module (seed {args.seed}, {args.per_module or 'all'} per module):")
    print(report.format_table(table))
    for status, title in (("survived", "Survivors"), ("error", "Errors (not scored)")):
        rows = [r for r in results if r["status"] == status]
        if rows:
            print(f"\n{title} ({len(rows)}):")
            for row in sorted(rows, key=lambda r: (r["module"], r["line"])):
                print(report.format_mutant(row, config.PACKAGE))
    equivalents = [r for r in results if r["status"] == "equivalent"]
    if equivalents:
        print(f"\nKnown equivalent, not run ({len(equivalents)}):")
        for row in equivalents:
            print(f"{report.format_mutant(row, config.PACKAGE)}\n    why: {row['why']}")
    print(f"\nTook {seconds / 60:.1f} minutes with {args.jobs} worker(s).")
    if args.report:
        meta = {
            "date": datetime.date.today().isoformat(),
            "seed": args.seed,
            "per_module": args.per_module,
            "jobs": args.jobs,
            "postgresql": bool(args.database_url),
            "seconds": round(seconds, 1),
            "unmutated_seconds": {
                f"{m}:{'postgresql' if url else 'sqlite'}": t for (m, url), t in times.items()
            },
        }
        report.write(args.report, meta, table, results)
        print(f"Report written to {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
