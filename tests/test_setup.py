"""Tests for course_utils.setup, and that importing course_utils never imports TensorFlow."""

from __future__ import annotations

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
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
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
