"""Shared test setup.

TensorFlow reads its environment variables once, at import, and several tests import it.
Setting them here, before any test module is collected, keeps every test (and every kernel
nbval starts, which inherits this process's environment) on the same footing as a notebook
after its setup cell.
"""

from course_utils.setup import set_tensorflow_environment

set_tensorflow_environment()
