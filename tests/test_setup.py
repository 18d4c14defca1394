"""Tests for course_utils.setup, and that importing course_utils never imports TensorFlow."""

from __future__ import annotations

import os
import pkgutil
import subprocess
import sys

import pytest

import course_utils
from course_utils import setup

# The modules a notebook may import before its setup cell, or that tests import freely.
LIGHT_MODULES = (
    "data",
    "splits",
    "metrics",
    "synthetic",
    "setup",
    "notebooks",
    "check",
    "validation",
    "baselines",
)


def test_importing_course_utils_never_imports_tensorflow() -> None:
    # A fresh interpreter with TensorFlow's variables unset: this process has them set.
    code = (
        "import os, sys, importlib, pkgutil\n"
        "for key in ('TF_CPP_MIN_LOG_LEVEL', 'TF_ENABLE_ONEDNN_OPTS', 'KERAS_BACKEND'):\n"
        "    os.environ.pop(key, None)\n"
        "import course_utils\n"
        f"for name in {LIGHT_MODULES!r}:\n"
        "    importlib.import_module('course_utils.' + name)\n"
        "bad = [n for n in ('tensorflow', 'keras') if n in sys.modules]\n"
        "sys.exit(f'imported {bad}' if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr or result.stdout


ALL_MODULES = sorted(m.name for m in pkgutil.iter_modules(course_utils.__path__))


@pytest.mark.parametrize("module", [m for m in ALL_MODULES if m not in LIGHT_MODULES])
def test_modules_that_import_keras_set_the_environment_first(module: str) -> None:
    # Model modules import Keras; they must set TensorFlow's variables before doing so.
    # Each module gets a fresh interpreter, so no earlier import can hide its own.
    code = (
        "import os, sys, builtins, importlib\n"
        "for key in ('TF_CPP_MIN_LOG_LEVEL', 'TF_ENABLE_ONEDNN_OPTS', 'KERAS_BACKEND'):\n"
        "    os.environ.pop(key, None)\n"
        "real_import = builtins.__import__\n"
        "def watching_import(name, *args, **kwargs):\n"
        "    if name.split('.')[0] in ('tensorflow', 'keras') and 'tensorflow' not in sys.modules:\n"
        "        assert os.environ.get('TF_ENABLE_ONEDNN_OPTS') == '0', 'imported ' + name + ' first'\n"
        "    return real_import(name, *args, **kwargs)\n"
        "builtins.__import__ = watching_import\n"
        f"importlib.import_module('course_utils.{module}')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_setup_notebook_seeds_and_prints_one_line() -> None:
    code = (
        "from course_utils.setup import setup_notebook\n"
        "import os\n"
        "setup_notebook(7)\n"
        "import numpy as np, keras, tensorflow as tf\n"
        "a = np.random.rand(); b = float(keras.random.uniform((1,))[0])\n"
        "setup_notebook(7, verbose=False)\n"
        "assert a == np.random.rand() and b == float(keras.random.uniform((1,))[0])\n"
        "assert os.environ['TF_ENABLE_ONEDNN_OPTS'] == '0'\n"
        "from tensorflow.python.framework import config\n"
        "assert config.is_op_determinism_enabled()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=_without_cpu_limit()
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Python ") and lines[0].endswith("seed 7")
    assert result.stderr == "", f"setup must keep stderr quiet, got: {result.stderr[:200]}"


def test_tensorflow_imported_first_is_refused() -> None:
    code = (
        "import os\n"
        "for k in ('TF_CPP_MIN_LOG_LEVEL', 'TF_ENABLE_ONEDNN_OPTS', 'KERAS_BACKEND'):\n"
        "    os.environ.pop(k, None)\n"
        "import tensorflow\n"
        "from course_utils.setup import setup_notebook\n"
        "setup_notebook()\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode != 0 and "Restart the kernel" in result.stderr


@pytest.mark.parametrize("seed", [-1, 1.5, "42", True])
def test_bad_seed_is_refused(seed) -> None:
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        setup.setup_notebook(seed)


def _without_cpu_limit() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in setup.CPU_LIMIT_VARIABLES}


@pytest.mark.parametrize(
    ("environ", "threads"),
    [
        ({}, None),
        ({"CPU_LIMIT": "2.0"}, 2),
        ({"CPU_LIMIT": "0.5"}, 1),
        ({"CPU_LIMIT": " "}, None),
        ({"COURSE_CPU_LIMIT": "3", "CPU_LIMIT": "1.0"}, 3),
    ],
)
def test_cpu_limit_is_read_from_the_environment(environ, threads) -> None:
    assert setup.cpu_limit(environ) == threads


@pytest.mark.parametrize("text", ["two", "0", "-1", "nan"])
def test_a_bad_cpu_limit_is_refused_with_the_fix(text) -> None:
    with pytest.raises(ValueError, match=r"CPU_LIMIT='.*' is not a number of CPUs; set it"):
        setup.cpu_limit({"CPU_LIMIT": text})


def test_tensorflow_and_numpy_follow_a_cpu_limit() -> None:
    code = (
        "from course_utils.setup import setup_notebook\n"
        "import os\n"
        "setup_notebook()\n"
        "from threadpoolctl import threadpool_info\n"
        "assert os.environ['TF_NUM_INTRAOP_THREADS'] == '1', os.environ\n"
        "assert os.environ['TF_NUM_INTEROP_THREADS'] == '1'\n"
        "assert {pool['num_threads'] for pool in threadpool_info()} <= {1}, threadpool_info()\n"
    )
    env = {**_without_cpu_limit(), "CPU_LIMIT": "1.5"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.splitlines()[1] == (
        "CPU limit: TensorFlow and NumPy use 1 thread(s) (from the environment)"
    )
