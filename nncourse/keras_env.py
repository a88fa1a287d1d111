"""Import Keras quietly and predictably, for lessons 07-10.

nbgrader scores a test cell 0 when anything reaches stderr, and TensorFlow logs to stderr
when it starts. Import Keras through this module, in a lesson's setup cell, so that the
logging switches are set before TensorFlow loads:

    from nncourse.keras_env import keras
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")



@contextlib.contextmanager
def _stderr_closed():
    """Point file descriptor 2 at /dev/null: TensorFlow's C++ start-up lines ("All log
    messages before absl::InitializeLog()...") ignore every log-level switch."""
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _import_keras_silently():
    """Import Keras (and TensorFlow, when it is the backend) with stderr closed."""
    with _stderr_closed():
        import keras as module

        if module.backend.backend() == "tensorflow":
            import tensorflow  # noqa: F401 - load the C++ runtime while stderr is closed
    return module


def _quiet_lazy_tensorflow(module) -> None:
    """Under another backend, Keras still imports TensorFlow lazily where it is installed
    (``keras.utils.set_random_seed`` does); make that import happen with stderr closed too."""
    if module.backend.backend() == "tensorflow" or "tensorflow" in sys.modules:
        return
    try:
        from keras.src.utils import module_utils
    except ImportError:  # a Keras without this layout: nothing to quieten
        return
    lazy = module_utils.tensorflow
    if vars(lazy).get("_nncourse_quiet"):  # getattr would import TensorFlow
        return
    load = lazy.initialize

    def initialize() -> None:
        with _stderr_closed():
            load()

    lazy.initialize = initialize
    lazy._nncourse_quiet = True


def _build_before_tracing(module) -> None:
    """Under TensorFlow, build a compiled model's metrics, loss and optimizer before its
    first step is traced, as Keras does under JAX and PyTorch.

    Without a distribution strategy, Keras' TensorFlow trainer leaves that building to the
    first trace, and a ``tf.function`` whose first trace creates variables is traced twice:
    every new model paid for tracing its training step twice (1.2 s a trace for lesson
    09's ten-layer batch-norm network). The weights, the updates and the results are the
    same; what Keras cannot build ahead it still builds while tracing, as before. A model
    already built reads no batch: every ``fit`` and ``evaluate`` call (each epoch's
    validation too) asks, and reading one starts a ``tf.data`` iterator (24 ms here).
    """
    if module.backend.backend() != "tensorflow":
        return
    try:
        from keras.src.backend.tensorflow.trainer import TensorFlowTrainer
    except ImportError:  # a Keras without this layout: leave it as it is
        return
    deferred = getattr(TensorFlowTrainer, "_maybe_symbolic_build", None)
    if deferred is None or getattr(deferred, "_nncourse_builds_first", False):
        return

    def build_first(self, iterator=None, data_batch=None):
        if (getattr(self, "_distribute_strategy", None) is not None
                or not hasattr(self, "_symbolic_build")):
            return deferred(self, iterator=iterator, data_batch=data_batch)
        try:  # reads a batch only when something is unbuilt (fit and evaluate reset after)
            self._symbolic_build(iterator=iterator, data_batch=data_batch)
        except Exception:  # noqa: BLE001 - the trace builds it, and reports the error, as before
            pass

    build_first._nncourse_builds_first = True
    build_first.deferred = deferred
    TensorFlowTrainer._maybe_symbolic_build = build_first


def _no_spare_iterators(module) -> None:
    """Under TensorFlow, start no ``tf.data`` iterator that Keras would throw away unused.

    Given arrays, ``fit`` and ``evaluate`` start a new iterator at the end of every epoch
    (and of every validation pass) and then another at the start of the next, discarding
    the first without reading from it. Starting one costs 10-25 ms here (``tf.data``
    instantiates the functions of Keras' input pipeline): about 2 of the 4 iterators per
    epoch of a fit with validation data. Only for arrays (Keras' ``ArrayDataAdapter``),
    where the batches stay the same: with a seed set, every iterator of that dataset yields
    the same order (a ``tf.data.Dataset`` that reshuffles per iterator would not).
    """
    if module.backend.backend() != "tensorflow":
        return
    try:
        from keras.src.backend.tensorflow.trainer import TFEpochIterator
    except ImportError:  # a Keras without this layout: leave it as it is
        return
    started = TFEpochIterator._get_iterator
    if getattr(started, "_nncourse_no_spare", False):
        return

    def start_unless_spare(self):
        # Keras' end-of-epoch refill: the next epoch starts its own when steps_per_epoch is None
        if (type(getattr(self, "data_adapter", None)).__name__ == "ArrayDataAdapter"
                and getattr(self, "steps_per_epoch", 0) is None
                and getattr(self, "_num_batches", 0)
                and getattr(self, "_steps_seen", 0) >= self._num_batches):
            return ()
        return started(self)

    start_unless_spare._nncourse_no_spare = True
    start_unless_spare.keras_version = started
    TFEpochIterator._get_iterator = start_unless_spare


keras = _import_keras_silently()
_quiet_lazy_tensorflow(keras)
_build_before_tracing(keras)
_no_spare_iterators(keras)
# The ~370,000 objects that importing TensorFlow leaves behind would otherwise be walked by
# every full garbage collection while a lesson trains (about 6% of its CPU time).
gc.freeze()
# Training allocates many short-lived objects: at Python's default first threshold (700) a
# Keras lesson still ran 1,200-1,450 collections (1.4-1.9 s); at 10,000, 80-100 (0.5-0.7 s).
gc.set_threshold(10_000, 10, 10)

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
