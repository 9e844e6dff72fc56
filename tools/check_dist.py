"""Build the sdist and the wheel and check what they hold.

    python tools/check_dist.py              # build into a temporary folder, then check
    python tools/check_dist.py --dist DIR   # check the archives already in DIR

The policy it enforces:

- both archives carry ``LICENSE`` and say ``License-Expression: MIT``;
- the sdist holds the package and the files that describe it (README, LICENSE, CHANGELOG,
  CONTRIBUTING, pyproject.toml, MANIFEST.in) and nothing else: no tests, example site,
  benchmarks, tools or docs, which need the repository around them;
- the wheel holds only the package and its metadata: every file of ``django_creatify/``
  that git tracks (so every migration, template, static file, sandbox medium and
  ``py.typed``), the pytest plugin's entry point and the project URLs.

Exit status 0 when every check holds; 1 with one line per failed check otherwise.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "django_creatify"

#: Files at the top of the sdist besides the package and its egg-info.
SDIST_FILES = {
    "PKG-INFO",
    "setup.cfg",
    "pyproject.toml",
    "MANIFEST.in",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
    "CONTRIBUTING.md",
}
SDIST_REQUIRED = SDIST_FILES - {"setup.cfg", "MANIFEST.in"}
PROJECT_URLS = {"Homepage", "Source", "Issues", "Changelog", "Documentation"}
#: At least one file of each kind the wheel must carry (on top of every tracked file).
WHEEL_KINDS = {
    "migrations": f"{PACKAGE}/migrations/0001_initial.py",
    "templates": f"{PACKAGE}/templates/",
    "static files": f"{PACKAGE}/static/",
    "sandbox media": f"{PACKAGE}/sandbox/media/",
    "py.typed": f"{PACKAGE}/py.typed",
}


def package_files() -> set[str]:
    """The package's files as the repository has them (git's list when there is one)."""
    try:
        listed = subprocess.run(  # noqa: S603 (fixed arguments)
            ["git", "ls-files", "-z", "--", PACKAGE],  # noqa: S607 (git from PATH)
            cwd=ROOT,
            capture_output=True,
            check=True,
            text=True,
        ).stdout.split("\0")
    except (OSError, subprocess.CalledProcessError):
        listed = [str(p.relative_to(ROOT)) for p in (ROOT / PACKAGE).rglob("*") if p.is_file()]
    return {
        name
        for name in listed
        if name
        and (ROOT / name).is_file()
        and "__pycache__" not in name
        and not name.endswith((".pyc", ".pyo"))
    }


def build(outdir: Path) -> None:
    """The sdist, then the wheel built from it: a wheel that builds proves the sdist whole."""
    done = subprocess.run(  # noqa: S603 (this interpreter, fixed arguments)
        [sys.executable, "-m", "build", "--outdir", str(outdir), str(ROOT)],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"check_dist: the build failed (exit status {done.returncode})")


def metadata(text: str) -> Message:
    return Parser().parsestr(text, headersonly=True)


def check_metadata(label: str, meta: Message, failures: list[str]) -> None:
    if meta.get("License-Expression") != "MIT":
        failures.append(f"{label}: License-Expression is {meta.get('License-Expression')!r}")
    if "LICENSE" not in (meta.get_all("License-File") or []):
        failures.append(f"{label}: no License-File: LICENSE")
    urls = {entry.split(",", 1)[0].strip() for entry in meta.get_all("Project-URL") or []}
    if missing := PROJECT_URLS - urls:
        failures.append(f"{label}: Project-URL missing {sorted(missing)}")


def check_sdist(path: Path, expected: set[str], failures: list[str]) -> None:
    with tarfile.open(path) as archive:
        members = [m.name for m in archive.getmembers() if m.isfile()]
        prefix = members[0].split("/", 1)[0] + "/"
        names = {m.removeprefix(prefix) for m in members}
        pkg_info = archive.extractfile(prefix + "PKG-INFO")
        check_metadata("sdist PKG-INFO", metadata(pkg_info.read().decode()), failures)
    top = {name for name in names if "/" not in name}
    dirs = {name.split("/", 1)[0] for name in names if "/" in name}
    if missing := SDIST_REQUIRED - top:
        failures.append(f"sdist: missing {sorted(missing)}")
    if extra := top - SDIST_FILES:
        failures.append(f"sdist: unexpected top-level files {sorted(extra)}")
    if extra := dirs - {PACKAGE, f"{PACKAGE}.egg-info"}:
        failures.append(f"sdist: unexpected folders {sorted(extra)} (tests, docs... stay out)")
    if missing := expected - names:
        failures.append(f"sdist: package files missing {sorted(missing)}")
    compiled = [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    if compiled:
        failures.append(f"sdist: compiled files {compiled[:5]}")


def check_wheel(path: Path, expected: set[str], failures: list[str]) -> None:
    with zipfile.ZipFile(path) as archive:
        names = {name for name in archive.namelist() if not name.endswith("/")}
        (dist_info,) = {n.split("/", 1)[0] for n in names if ".dist-info/" in n}
        meta = archive.read(f"{dist_info}/METADATA").decode()
        entry_points = archive.read(f"{dist_info}/entry_points.txt").decode()
    check_metadata("wheel METADATA", metadata(meta), failures)
    if f"{dist_info}/licenses/LICENSE" not in names:
        failures.append(f"wheel: no {dist_info}/licenses/LICENSE")
    if extra := {n.split("/", 1)[0] for n in names} - {PACKAGE, dist_info}:
        failures.append(f"wheel: unexpected top-level entries {sorted(extra)}")
    if missing := expected - names:
        failures.append(f"wheel: package files missing {sorted(missing)}")
    for kind, start in WHEEL_KINDS.items():
        if not any(name.startswith(start) for name in names):
            failures.append(f"wheel: no {kind} ({start})")
    if "django_creatify.testing.pytest_plugin" not in entry_points:
        failures.append("wheel: the pytest11 entry point for the creatify_sandbox fixture")
    compiled = [n for n in names if "__pycache__" in n or n.endswith((".pyc", ".pyo"))]
    if compiled:
        failures.append(f"wheel: compiled files {compiled[:5]}")


def check(dist: Path) -> list[str]:
    sdists = sorted(dist.glob("django_creatify-*.tar.gz"))
    wheels = sorted(dist.glob("django_creatify-*.whl"))
    if len(sdists) != 1 or len(wheels) != 1:
        return [f"{dist}: expected one sdist and one wheel, found {sdists + wheels}"]
    expected = package_files()
    failures: list[str] = []
    check_sdist(sdists[0], expected, failures)
    check_wheel(wheels[0], expected, failures)
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--dist", type=Path, help="check the archives in DIR instead of building")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="check-dist-") as scratch:
        dist = args.dist
        if dist is None:
            dist = Path(scratch)
            build(dist)
        failures = check(dist)
        names = ", ".join(p.name for p in sorted(dist.glob("django_creatify-*")))
    for failure in failures:
        print(f"check_dist: {failure}", file=sys.stderr)
    if failures:
        return 1
    print(f"check_dist: {names}: LICENSE in both, no tests, every package file in the wheel")
    return 0


if __name__ == "__main__":
    sys.exit(main())
