"""What the lectures share: one way to see what TensorFlow logs, inside a cell's output.

The lectures' setup cell keeps TensorFlow's Python logger at ``ERROR`` so that stored outputs
stay clean. A lecture that wants to *show* a message TensorFlow logs opens ``tf_log()``: inside
the block, every record of at least ``level`` is printed on stdout as ``TF log [LEVEL]: message``
(stdout, never stderr, so nbgrader and nbval see an ordinary output) and collected in the list
the block yields. On leaving the block the logger is put back exactly as it was.

TensorFlow logs some messages at verbosity levels below ``DEBUG`` (``logging.vlog(1, ...)``
records have level 1), so ``level=1`` shows everything. Some warnings are logged only the first
few times per process (the int ``watch`` warning five times, the persistent-tape warning once):
a block that logged once may log nothing when the cell is run again.

Imports only the standard library and TensorFlow (the student side's rule).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Iterator

__all__ = ["tf_log"]


@contextlib.contextmanager
def tf_log(level: int | str = logging.WARNING, show: bool = True) -> Iterator[list[str]]:
    """Collect (and, if ``show``, print on stdout) TensorFlow's log records of at least ``level``."""
    import tensorflow as tf

    logger, messages = tf.get_logger(), []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            line = f"TF log [{record.levelname}]: {record.getMessage()}"
            messages.append(line)
            if show:
                print(line, file=sys.stdout, flush=True)

    saved = logger.handlers[:], logger.level, logger.propagate
    logger.handlers, logger.propagate = [Collect(level=0)], False
    logger.setLevel(level)
    try:
        yield messages
    finally:
        logger.handlers, logger.propagate = saved[0], saved[2]
        logger.setLevel(saved[1])
