"""The platforms and Pythons the course supports, and their constraints files.

The Makefile runs this file with the Python it was given, before any virtual environment
exists, so it uses the standard library only::

    python3 tools/supported.py          # prints constraints/<platform>.txt, or exits 1 saying why
    python tools/supported.py lock      # rewrites every constraints file with uv (authors)

Each supported platform has one constraints file: the exact versions of every package,
the ``test`` and ``dev`` extras included, resolved by uv for that platform. ``make start``
and ``make test`` install with it, so the stored outputs come from one known set of versions.
The README's table of platforms is kept in step with :data:`PLATFORMS` by
``tests/test_platforms.py``, which also resolves each platform and Python with uv.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints"

# (what platform.system() says, the chip) -> (name, uv's --python-platform)
PLATFORMS = {
    ("Linux", "x86_64"): ("linux-x86_64", "x86_64-manylinux_2_28"),
    ("Linux", "aarch64"): ("linux-aarch64", "aarch64-manylinux_2_28"),
    ("Darwin", "aarch64"): ("macos-arm64", "aarch64-apple-darwin"),
    ("Windows", "x86_64"): ("windows-x86_64", "x86_64-pc-windows-msvc"),
}
# One chip, several names in platform.machine(): AMD64 on Windows, arm64 on macOS.
CHIPS = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "x64": "x86_64",
    "aarch64": "aarch64",
    "arm64": "aarch64",
}
PYTHONS = ("3.11", "3.12", "3.13")
# Where the constraints are resolved from: the oldest supported Python, so that every pin has
# a release for it; tests/test_platforms.py checks that the newer ones resolve too.
LOCK_PYTHON = PYTHONS[0]

UNSUPPORTED = {
    ("Darwin", "x86_64"): (
        "TensorFlow stopped publishing packages for Intel Macs at 2.16, and the course needs "
        "2.21. Run it in a Linux container (Docker) or on a Linux or Apple-silicon machine."
    ),
}


def constraints_file(
    version: tuple[int, ...] | None = None,
    system: str | None = None,
    machine: str | None = None,
) -> Path:
    """Return the constraints file for this Python and platform.

    Raises:
        ValueError: for a Python or platform the course does not support, naming the fix.
    """
    version = tuple(sys.version_info[:2]) if version is None else tuple(version[:2])
    system = platform.system() if system is None else system
    machine = platform.machine() if machine is None else machine
    found = ".".join(str(part) for part in version)
    if found not in PYTHONS:
        raise ValueError(
            f"the course needs Python {PYTHONS[0]} to {PYTHONS[-1]} (TensorFlow has no "
            f"release for others); this is Python {found}. Install a supported one and pass "
            f"it, for example: make start PYTHON=python3.12"
        )
    key = (system, CHIPS.get(machine.lower(), machine))
    if key in UNSUPPORTED:
        raise ValueError(UNSUPPORTED[key])
    if key not in PLATFORMS:
        names = ", ".join(name for name, _ in PLATFORMS.values())
        raise ValueError(
            f"no supported platform is {system} on {machine}; the supported ones are {names}. "
            "On Windows, use WSL2 (it is Linux x86-64) or conda (see the README)."
        )
    return CONSTRAINTS / f"{PLATFORMS[key][0]}.txt"


def compile_command(uv_platform: str, python: str, output: Path | None = None) -> list[str]:
    """The ``uv pip compile`` command that resolves the course for one platform and Python."""
    command = [
        sys.executable, "-m", "uv", "pip", "compile", str(ROOT / "pyproject.toml"),
        "--extra", "test", "--extra", "dev",
        "--python-platform", uv_platform, "--python-version", python,
        "--no-header", "--quiet",
    ]  # fmt: skip
    return [*command, "-o", str(output)] if output else command


def lock() -> None:
    """Rewrite every constraints file with uv (needs the package registry)."""
    CONSTRAINTS.mkdir(exist_ok=True)
    for name, uv_platform in PLATFORMS.values():
        target = CONSTRAINTS / f"{name}.txt"
        partial = target.with_suffix(".txt.partial")
        subprocess.run(compile_command(uv_platform, LOCK_PYTHON, partial), check=True)
        lines = partial.read_text(encoding="utf-8").splitlines()
        # uv names the local path it read; the file must read the same on every machine.
        lines = [line.replace(str(ROOT) + "/", "") for line in lines]
        header = [
            f"# Exact versions for {name}, Python {PYTHONS[0]} to {PYTHONS[-1]}.",
            "# Written by `python tools/supported.py lock` (uv pip compile); do not edit.",
        ]
        partial.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
        partial.replace(target)
        print(f"wrote {target.relative_to(ROOT)}")


def main(argv: list[str]) -> int:
    if argv[1:] == ["lock"]:
        lock()
        return 0
    try:
        path = constraints_file()
    except ValueError as error:
        print(f"Cannot set up the course: {error}", file=sys.stderr)
        return 1
    print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
