"""What the mutation run covers: modules, the tests that guard each, and run defaults.

Test paths are relative to the repository root, module paths to the package (a module
of a subpackage by its path: ``sync/bulk.py``). Extend ``MODULES`` with a new core module
and give it a ``TESTS`` entry; the run refuses a module without one.
"""

from __future__ import annotations

PACKAGE = "django_creatify"

MODULES: tuple[str, ...] = (
    "client.py",
    "spool.py",
    "listing.py",
    "cursor.py",
    "payloads.py",
    "sync/pipeline.py",
    "sync/writes.py",
    "sync/transitions.py",
    "sync/result.py",
    "sync/creation.py",
    "sync/missing.py",
    "sync/bulk.py",
    "sync/collector.py",
    "storable.py",
    "webhooks.py",
    "hints.py",
    "hint_store.py",
    "locks.py",
    "tasks.py",
)

# Module -> test files, the module's own tests first: a run stops at the first failure, and
# the own tests are the likeliest to fail fast. The rest are the test files that check the
# module's behaviour through another entry point. Slow end-to-end files (real workers,
# browsers, the install test) are left out: a mutant they alone would kill is a gap in the
# focused tests.
_SYNC_TESTS = (
    "tests/test_sync.py",
    "tests/test_family_engine.py",
    "tests/test_sync_datetimes.py",
    "tests/test_sync_partial_writes.py",
    "tests/test_sync_client_ownership.py",
    "tests/test_bulk_copy.py",
    "tests/test_sync_bookkeeping.py",
    "tests/test_field_table.py",
    "tests/reliability/test_hostile_data.py",
    "tests/test_sync_bounds.py",
    "tests/test_sync_as_it_arrives.py",
    "tests/test_sync_collector.py",
    "tests/reliability/test_faults.py",
    "tests/test_performance_properties.py",
)
_WEBHOOK_TESTS = (
    "tests/test_webhooks.py",
    "tests/test_webhook_hints.py",
    "tests/test_webhook_bookkeeping.py",
    "tests/test_webhook_limits.py",
    "tests/test_webhook_fuzz.py",
    "tests/test_broker_down.py",
    # The 10,000-hint flood last: it is the slowest, and what it alone checks is speed.
    "tests/test_webhook_flood.py",
)
TESTS: dict[str, tuple[str, ...]] = {
    "client.py": (
        "tests/test_client.py",
        "tests/test_client_edges.py",
        "tests/test_error_taxonomy.py",
        "tests/test_sync_bounds.py",
        "tests/test_sync_as_it_arrives.py",
        "tests/reliability/test_faults.py",
        "tests/test_create_fields.py",
        "tests/test_credits.py",
    ),
    "spool.py": (
        "tests/test_spool.py",
        "tests/test_sync_as_it_arrives.py",
        "tests/test_sync_bounds.py",
        "tests/test_client.py",
        "tests/test_performance_properties.py",
    ),
    "listing.py": (
        "tests/test_listing.py",
        "tests/test_listing_edges.py",
        "tests/test_listing_cost.py",
        "tests/test_sync_bounds.py",
        "tests/test_performance_properties.py",
        "tests/test_sync_bookkeeping.py",
        "tests/reliability/test_payload_properties.py",
    ),
    "cursor.py": (
        "tests/test_cursor.py",
        "tests/test_listing.py",
        "tests/test_listing_cost.py",
        "tests/test_sync_bounds.py",
        "tests/test_performance_properties.py",
    ),
    "payloads.py": (
        "tests/test_payloads.py",
        "tests/test_payloads_edges.py",
        "tests/test_field_table.py",
        "tests/reliability/test_hostile_data.py",
        "tests/reliability/test_payload_properties.py",
        "tests/test_create_fields.py",
    ),
    "sync/pipeline.py": (*_SYNC_TESTS, "tests/test_tasks.py"),
    "sync/writes.py": _SYNC_TESTS,
    "sync/transitions.py": (*_SYNC_TESTS, "tests/test_webhooks.py"),
    "sync/result.py": (*_SYNC_TESTS, "tests/test_command.py", "tests/test_tasks.py"),
    "sync/creation.py": (
        "tests/test_api.py",
        "tests/test_create_fields.py",
        "tests/reliability/test_hostile_data.py",
    ),
    "sync/missing.py": (
        "tests/test_missing_log.py",
        "tests/test_sync_bookkeeping.py",
        "tests/reliability/test_hostile_data.py",
        "tests/test_sync.py",
    ),
    "sync/bulk.py": _SYNC_TESTS,
    "sync/collector.py": ("tests/test_sync_collector.py",),
    "storable.py": ("tests/test_listing.py", "tests/test_client.py", "tests/test_webhooks.py"),
    "webhooks.py": (*_WEBHOOK_TESTS, "tests/reliability/test_security.py"),
    "hints.py": ("tests/test_hint_requeue.py", *_WEBHOOK_TESTS),
    "hint_store.py": ("tests/test_hint_store.py", *_WEBHOOK_TESTS),
    "locks.py": (
        "tests/test_locks.py",
        "tests/test_lease_renewer.py",
        "tests/test_tasks.py",
        "tests/test_command.py",
        "tests/test_admin_actions.py",
    ),
    "tasks.py": (
        "tests/test_tasks.py",
        "tests/test_task_delivery.py",
        "tests/test_webhook_hints.py",
        "tests/test_error_taxonomy.py",
        "tests/test_broker_down.py",
        "tests/test_worker_lost.py",
        "tests/test_api.py",
    ),
}

# Modules with code that only runs on PostgreSQL (sync/bulk.py's COPY; the lease races
# that SQLite's single writer cannot have). With --database-url their mutants that survive
# SQLite run again there; a mutant is killed if either database's tests fail.
POSTGRES_MODULES: frozenset[str] = frozenset({"sync/bulk.py", "locks.py", "hint_store.py"})

# 285 mutants over the 19 modules: about 45 minutes on 2 cores, at the pace of the runs
# over 13 modules (195 mutants in under 30 minutes).
DEFAULT_PER_MODULE = 15
DEFAULT_SEED = 1
DEFAULT_JOBS = 2
# A mutant's run may take this many times its module's unmutated run, plus the slack,
# before it counts as a timeout (killed: an endless loop is caught).
TIMEOUT_FACTOR = 3.0
TIMEOUT_SLACK = 15.0

EQUIVALENT_FILE = "tools/mutation_equivalent.toml"

# The worker imports pytest's plugins before forking, so pytest cannot rewrite their asserts
# and warns about it on every run; only the tests' own asserts matter here.
PYTEST_ARGS: tuple[str, ...] = (
    "-x",
    "-q",
    "-p",
    "no:cacheprovider",
    "-W",
    "ignore::pytest.PytestAssertRewriteWarning",
)

# Copied into each worker's scratch repository: everything the tests read, nothing heavy.
SCRATCH_IGNORE: tuple[str, ...] = (
    ".git",
    ".venv",
    "venv",
    "__pycache__",
    "*.pyc",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    "node_modules",
    "*.sqlite3",
)
