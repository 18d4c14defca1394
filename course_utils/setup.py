"""One call at the top of every notebook: seeds, determinism, quiet logs, one plot style.

Taught in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import os
import platform
import random
import sys
import warnings

# TensorFlow reads these when it is first imported, so they are set before any import of it.
# TF_CPP_MIN_LOG_LEVEL=3 silences TensorFlow's C++ log lines, which would reach the notebook
# as stderr. TF_ENABLE_ONEDNN_OPTS=0 turns oneDNN off: it is on only on some processors,
# so leaving it on would make two machines run different kernels and round differently.
TENSORFLOW_ENVIRONMENT = {
    "TF_CPP_MIN_LOG_LEVEL": "3",
    "TF_ENABLE_ONEDNN_OPTS": "0",
    "KERAS_BACKEND": "tensorflow",
}

DEFAULT_SEED = 42

# One style for every figure. A small dpi keeps the stored notebooks light.
PLOT_STYLE = {
    "figure.figsize": (7.0, 4.0),
    "figure.dpi": 80,
    "savefig.dpi": 80,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "image.cmap": "viridis",
}


# A CPU limit, when one is set: the course's own variable first, then JupyterHub's (which
# spawners set from the hub's cpu_limit, as a float such as "1.0").
CPU_LIMIT_VARIABLES = ("COURSE_CPU_LIMIT", "CPU_LIMIT")


def cpu_limit(environ: dict[str, str] | None = None) -> int | None:
    """Return the number of threads a CPU limit allows, or None when no limit is set.

    A fractional limit rounds down, and never below one thread.

    Raises:
        ValueError: if the variable is set to something other than a positive number.
    """
    environ = os.environ if environ is None else environ
    for name in CPU_LIMIT_VARIABLES:
        text = environ.get(name, "").strip()
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not value > 0:
            raise ValueError(
                f"{name}={text!r} is not a number of CPUs; set it to a positive number such "
                f"as 2, or unset it."
            )
        return max(1, int(value))
    return None


def set_tensorflow_environment() -> None:
    """Set TensorFlow's environment variables, unless the user already chose a value.

    Under a CPU limit (:func:`cpu_limit`), TensorFlow's two thread pools get that many threads.

    Raises:
        RuntimeError: if TensorFlow was imported before this call, since the variables
            would then have no effect and the outputs would not reproduce.
    """
    if "tensorflow" in sys.modules:
        missing = [k for k, v in TENSORFLOW_ENVIRONMENT.items() if os.environ.get(k) != v]
        if missing:
            raise RuntimeError(
                "TensorFlow was imported before setup_notebook(), so "
                f"{', '.join(missing)} cannot take effect. Restart the kernel and run the "
                "setup cell first."
            )
    for key, value in TENSORFLOW_ENVIRONMENT.items():
        os.environ.setdefault(key, value)
    limit = cpu_limit()
    if limit is not None:
        os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(limit))
        os.environ.setdefault("TF_NUM_INTEROP_THREADS", str(limit))


def setup_notebook(seed: int = DEFAULT_SEED, *, verbose: bool = True) -> None:
    """Prepare a notebook: seeds, op determinism, quiet TensorFlow and one plot style.

    It seeds Python, NumPy and Keras (which seeds TensorFlow too), turns on TensorFlow's op
    determinism, silences TensorFlow's C++ logging and the oneDNN notice, sets the
    matplotlib style and prints one line of versions.

    Args:
        seed: the seed for every random generator.
        verbose: print the line of versions.

    Raises:
        ValueError: if ``seed`` is not a non-negative integer.
        RuntimeError: if TensorFlow was imported before the call.
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}.")
    set_tensorflow_environment()

    import matplotlib
    import numpy as np
    import pandas as pd

    random.seed(seed)
    np.random.seed(seed)
    # Four decimals in printed arrays and tables: enough to read, and it hides the last
    # digits, which differ between processors.
    np.set_printoptions(precision=4, suppress=True)
    pd.set_option("display.precision", 4)
    matplotlib.rcParams.update(PLOT_STYLE)

    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    limit = cpu_limit()
    if limit is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limit)  # NumPy's BLAS, already loaded
    if verbose:
        print(version_line(seed))
        if limit is not None:
            print(f"CPU limit: TensorFlow and NumPy use {limit} thread(s) (from the environment)")


def version_line(seed: int = DEFAULT_SEED) -> str:
    """Return the one line of versions that the setup cell prints.

    Args:
        seed: the seed to report.

    Returns:
        A line such as ``Python 3.11.7 | NumPy 2.4.6 | ... | seed 42``.
    """
    import keras
    import matplotlib
    import numpy as np
    import pandas as pd
    import tensorflow as tf

    parts = [
        f"Python {platform.python_version()}",
        f"NumPy {np.__version__}",
        f"pandas {pd.__version__}",
        f"Matplotlib {matplotlib.__version__}",
        f"TensorFlow {tf.__version__}",
        f"Keras {keras.__version__}",
    ]
    return " | ".join(parts) + f" | seed {seed}"
