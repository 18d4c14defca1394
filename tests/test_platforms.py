"""The supported platforms: the Python range, the constraints files, the README's table, root.

The resolution tests ask uv to solve the course's dependencies for every supported platform
and Python without installing anything, the way pip would on that machine (uv evaluates the
environment markers for the target, which ``pip --platform`` does not). They need the
package registry, and skip with a message where it cannot be reached.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from tools import supported

ROOT = Path(__file__).resolve().parents[1]
NETWORK_TROUBLE = re.compile(
    r"(dns error|failed to fetch|connection (refused|reset)|timed out|network is unreachable|"
    r"error sending request|failed to connect)",
    re.IGNORECASE,
)


def _requires_python() -> SpecifierSet:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return SpecifierSet(project["requires-python"])


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, version = line.split("==")
            pins[name] = version
    return pins


@pytest.mark.parametrize(
    ("version", "system", "machine", "name"),
    [
        ((3, 11), "Linux", "x86_64", "linux-x86_64"),
        ((3, 13), "Linux", "aarch64", "linux-aarch64"),
        ((3, 12), "Linux", "arm64", "linux-aarch64"),
        ((3, 12), "Darwin", "arm64", "macos-arm64"),
        ((3, 12), "Windows", "AMD64", "windows-x86_64"),
    ],
)
def test_each_supported_platform_has_its_constraints_file(version, system, machine, name):
    path = supported.constraints_file(version, system, machine)
    assert path == ROOT / "constraints" / f"{name}.txt"
    assert path.is_file()


@pytest.mark.parametrize(
    ("version", "system", "machine", "says"),
    [
        ((3, 10), "Linux", "x86_64", "make start PYTHON=python3.12"),
        ((3, 14), "Linux", "x86_64", "this is Python 3.14"),
        ((3, 12), "Darwin", "x86_64", "Intel Macs"),
        ((3, 12), "Linux", "ppc64le", "linux-x86_64, linux-aarch64"),
    ],
)
def test_an_unsupported_python_or_platform_is_refused_with_the_fix(version, system, machine, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        supported.constraints_file(version, system, machine)


def test_the_makefile_refuses_before_it_installs():
    # The script runs under any Python 3, before the virtual environment exists.
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "supported.py")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(supported.constraints_file().relative_to(ROOT))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP):", 1)[1].split("\n\n", 1)[0]
    assert recipe.index("tools/supported.py") < recipe.index("-m venv")


def test_requires_python_is_the_supported_range():
    requires = _requires_python()
    assert all(f"{python}.0" in requires for python in supported.PYTHONS)
    assert "3.10.12" not in requires
    assert "3.14.0" not in requires


def test_the_readme_table_names_every_platform_and_no_other():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`constraints/([\w-]+)\.txt`", readme.split("### Supported", 1)[1]))
    expected = {name for name, _ in supported.PLATFORMS.values()}
    assert named == expected
    assert {path.stem for path in (ROOT / "constraints").glob("*.txt")} == expected


@pytest.mark.parametrize("name", [name for name, _ in supported.PLATFORMS.values()])
def test_constraints_hold_no_release_candidate(name):
    pins = _pins(ROOT / "constraints" / f"{name}.txt")
    assert "keras" in pins
    assert "tensorflow-cpu" in pins if name == "linux-x86_64" else "tensorflow" in pins
    prereleases = {n: v for n, v in pins.items() if Version(v).is_prerelease}
    assert not prereleases, f"{name}: pre-releases pinned: {prereleases}"


def test_make_start_allows_root_only_as_root():
    def dry_run(user_id: str) -> str:
        return subprocess.run(
            ["make", "-n", "start", f"USER_ID={user_id}"],
            cwd=ROOT, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip

    as_root = dry_run("0")
    assert "jupyter lab --allow-root" in as_root
    assert "Running as root" in as_root
    assert "--allow-root" not in dry_run("1000")


def _resolve(
    uv_platform: str, python: str, constraints: Path | None
) -> subprocess.CompletedProcess:
    command = supported.compile_command(uv_platform, python)
    if constraints is not None:
        command += ["-c", str(constraints)]
    # uv's cache answers in about 2 s where an earlier run fetched the same metadata; asking
    # the registry again takes about 10 s a platform. Exact pins mean the same answer.
    cached = subprocess.run([*command, "--offline"], capture_output=True, text=True, cwd=ROOT)
    if cached.returncode == 0:
        return cached
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def uv_reaches_the_registry() -> None:
    if importlib.util.find_spec("uv") is None:
        pytest.skip("uv is not installed; `make test` installs it (the `test` extra)")
    probe = _resolve("x86_64-manylinux_2_28", supported.LOCK_PYTHON, None)
    if probe.returncode != 0 and NETWORK_TROUBLE.search(probe.stderr):
        pytest.skip(f"the package registry cannot be reached: {probe.stderr.strip()[-300:]}")


def test_every_supported_platform_and_python_resolves_with_its_constraints(uv_reaches_the_registry):
    jobs = [
        (name, uv_platform, python)
        for name, uv_platform in supported.PLATFORMS.values()
        for python in supported.PYTHONS
    ]
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:  # they wait on the network
        results = list(
            pool.map(
                lambda job: _resolve(job[1], job[2], ROOT / "constraints" / f"{job[0]}.txt"),
                jobs,
            )
        )
    failed = [
        f"{name}, Python {python}: {result.stderr.strip()[-400:]}"
        for (name, _, python), result in zip(jobs, results)
        if result.returncode != 0
    ]
    assert not failed, "\n".join(failed)
    for (name, _, python), result in zip(jobs, results):
        resolved = {
            line.split("==")[0]: line.split("==")[1]
            for line in result.stdout.splitlines()
            if "==" in line and not line.startswith((" ", "#"))
        }
        pins = _pins(ROOT / "constraints" / f"{name}.txt")
        assert all(pins[package] == version for package, version in resolved.items()), (
            f"{name}, Python {python}: resolved outside its constraints"
        )


def test_an_intel_mac_does_not_resolve(uv_reaches_the_registry):
    result = _resolve("x86_64-apple-darwin", supported.LOCK_PYTHON, None)
    assert result.returncode != 0, f"an Intel Mac resolved:\n{result.stdout}"
    assert "tensorflow" in result.stderr


def test_pip_refuses_the_course_on_python_3_14(tmp_path):
    # 3.14 has only TensorFlow's release candidate, which pip would otherwise take quietly.
    # The course itself is what pip checks first (offline: no dependencies, no build env).
    result = subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
            "--no-build-isolation", "--ignore-installed", "--only-binary=:all:",
            "--python-version", "3.14", "--target", str(tmp_path), str(ROOT),
        ],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode != 0
    assert "requires a different Python: 3.14.0 not in '<3.14,>=3.11'" in result.stderr


def test_the_class_image_uses_a_supported_python_and_the_pinned_versions():
    binder = ROOT / "binder"
    python = (binder / "runtime.txt").read_text(encoding="utf-8").strip()
    assert python.removeprefix("python-") in supported.PYTHONS
    requirements = (binder / "requirements.txt").read_text(encoding="utf-8")
    assert "-r ../constraints/linux-x86_64.txt" in requirements.splitlines()
    post_build = binder / "postBuild"
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"
    script = post_build.read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    assert "-c constraints/linux-x86_64.txt" in script
    assert "python -m course_utils.data fetch" in script
    assert "never publish" in script.lower()
