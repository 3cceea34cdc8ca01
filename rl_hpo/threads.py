"""One thread for the numerical libraries during a block: ``with single_threaded(): ...``.

The candidate methods' in-episode GP works on matrices of at most a few hundred rows and their network scores
64 candidates; on such sizes a second BLAS or torch thread only contends. On a 2-core machine a decision of
``ppo`` took four to five times as long with the libraries' default threads as with one
(``benchmarks/decision_overhead.py`` with and without ``OMP_NUM_THREADS=1``). The benchmark harness's worker
processes run with one thread throughout (``rl_hpo.bench.executors.prepare_worker``); this limits a process
only for a block, so that a user's own objective, evaluated between two decisions, keeps its threads.

BLAS is limited with threadpoolctl (which scikit-learn installs) through one controller, created at the first
use (numpy's and SciPy's BLAS are loaded by then), and torch's intra-op threads when torch is imported;
both are restored afterwards. The limits are process-wide while the block runs; blocks that run at once in several
threads run under the limits of the first, which restores them.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections.abc import Iterator
from typing import Any

__all__ = ["single_threaded"]


@functools.cache
def _controller() -> Any:
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # threadpoolctl comes with scikit-learn; without it BLAS keeps its threads
        return None
    return ThreadpoolController()


#: Whether a block holds the limits now. Blocks that run at once in several threads (Optuna's ``n_jobs``) leave
#: them to the one that set them: a block entered under another's limit of one would save that limit and restore
#: it after the other had given the threads back, leaving the process on one thread for good.
_lock = threading.Lock()
_held = False


@contextlib.contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block with one BLAS thread and one torch thread; the previous numbers are restored. A block that
    starts while another thread's block holds the limits runs under them (until that block ends) and restores
    nothing."""
    global _held
    with _lock:
        holds, _held = not _held, True
    if not holds:
        yield
        return
    try:
        with _one_thread():
            yield
    finally:
        with _lock:
            _held = False


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    controller = _controller()
    torch = sys.modules.get("torch")
    threads = torch.get_num_threads() if torch is not None else 1
    with controller.limit(limits=1, user_api="blas") if controller is not None else contextlib.nullcontext():
        if torch is not None and threads != 1:
            torch.set_num_threads(1)
        try:
            yield
        finally:
            if torch is not None and threads != 1:
                torch.set_num_threads(threads)
