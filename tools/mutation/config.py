"""What the mutation run covers: modules, the tests that guard each, and run defaults.

Paths are relative to the repository root. Extend ``MODULES`` with a new core module and
give it a ``TESTS`` entry; the run refuses a module without one.
"""

from __future__ import annotations

PACKAGE = "django_creatify"

MODULES: tuple[str, ...] = (
    "client.py",
    "listing.py",
    "payloads.py",
    "sync.py",
    "bulk.py",
    "webhooks.py",
    "locks.py",
    "tasks.py",
)

# Module -> test files, the module's own tests first: a run stops at the first failure, and
# the own tests are the likeliest to fail fast. The rest are every test file that imports
# the module's names or drives its code through another entry point (sync through the
# admin, API and tasks; the client through every sync against the sandbox).
TESTS: dict[str, tuple[str, ...]] = {
    "client.py": (
        "tests/test_client.py",
        "tests/reliability/test_faults.py",
        "tests/reliability/test_secrets.py",
        "tests/test_performance_properties.py",
        "tests/test_sync.py",
        "tests/test_tasks.py",
    ),
    "listing.py": (
        "tests/test_listing.py",
        "tests/test_performance_properties.py",
        "tests/test_sync.py",
        "tests/reliability/test_payload_properties.py",
        "tests/reliability/test_hostile_data.py",
    ),
    "payloads.py": (
        "tests/test_payloads.py",
        "tests/test_sync.py",
        "tests/reliability/test_payload_properties.py",
        "tests/reliability/test_hostile_data.py",
        "tests/test_performance_properties.py",
    ),
    "sync.py": (
        "tests/test_sync.py",
        "tests/reliability/test_faults.py",
        "tests/test_performance_properties.py",
        "tests/reliability/test_payload_properties.py",
        "tests/test_tasks.py",
        "tests/test_webhooks.py",
        "tests/test_api.py",
        "tests/test_admin.py",
        "tests/reliability/test_concurrency.py",
        "tests/reliability/test_hostile_data.py",
    ),
    "bulk.py": (
        "tests/test_sync.py",
        "tests/test_performance_properties.py",
        "tests/reliability/test_payload_properties.py",
        "tests/reliability/test_faults.py",
        "tests/reliability/test_hostile_data.py",
    ),
    "webhooks.py": (
        "tests/test_webhooks.py",
        "tests/reliability/test_security.py",
        "tests/reliability/test_concurrency.py",
    ),
    "locks.py": (
        "tests/test_locks.py",
        "tests/test_tasks.py",
        "tests/test_admin.py",
    ),
    "tasks.py": (
        "tests/test_tasks.py",
        "tests/reliability/test_faults.py",
        "tests/test_webhooks.py",
        "tests/test_api.py",
        "tests/test_admin.py",
        "tests/test_celery_worker.py",
    ),
}

# Modules with code that only runs on PostgreSQL (bulk.py's COPY; the lease races that
# SQLite's single writer cannot have). With --database-url their mutants that survive
# SQLite run again there; a mutant is killed if either database's tests fail.
POSTGRES_MODULES: frozenset[str] = frozenset({"bulk.py", "locks.py"})

# Sized so the default run (8 modules) finishes in under 30 minutes on 2 cores.
DEFAULT_PER_MODULE = 20
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
