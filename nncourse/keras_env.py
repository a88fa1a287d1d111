"""Import Keras quietly and predictably, for lessons 07-10.

nbgrader scores a test cell 0 when anything reaches stderr, and TensorFlow logs to stderr
when it starts. Import Keras through this module, in a lesson's setup cell, so that the
logging switches are set before TensorFlow loads:

    from nncourse.keras_env import keras
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")



def _import_keras_silently():
    """Import Keras with file descriptor 2 pointed at /dev/null: TensorFlow's C++ start-up
    lines ("All log messages before absl::InitializeLog()...") ignore the log level."""
    import sys

    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras as module

        if module.backend.backend() == "tensorflow":
            import tensorflow  # noqa: F401 - load the C++ runtime while stderr is closed
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return module


keras = _import_keras_silently()

__all__ = ["keras", "backend_name", "quiet"]


def backend_name() -> str:
    """The Keras backend in use: "tensorflow", "jax" or "torch"."""
    return keras.backend.backend()


def quiet() -> None:
    """Silence Python-level TensorFlow/absl warnings that would reach stderr."""
    import logging
    import warnings

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="keras")
    warnings.filterwarnings("ignore", module="tensorflow")


quiet()
