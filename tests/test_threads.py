"""single_threaded: one BLAS and one torch thread inside the block, the previous numbers restored after it."""

from __future__ import annotations

import torch
from threadpoolctl import threadpool_info

from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.threads import single_threaded
from tests.bowl import bowl_task


def _blas_threads() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


def test_a_candidate_decision_runs_on_one_thread_and_gives_the_threads_back(monkeypatch) -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen = []
    choose = ExpectedImprovement._choose

    def spy(self, search):
        seen.append((torch.get_num_threads(), _blas_threads()))
        return choose(self, search)

    monkeypatch.setattr(ExpectedImprovement, "_choose", spy)
    try:
        outside = _blas_threads()
        task = bowl_task(2)
        ExpectedImprovement(task.space, seed=0, n_initial=2).optimize(task, 4)
        assert seen and all(entry == (1, {1}) for entry in seen), seen
        assert torch.get_num_threads() == 2 and _blas_threads() == outside
    finally:
        torch.set_num_threads(before)


def test_single_threaded_restores_the_numbers_after_an_error() -> None:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        try:
            with single_threaded():
                assert torch.get_num_threads() == 1
                raise RuntimeError("inside")
        except RuntimeError:
            pass
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


_OVERLAPPING_BLOCKS = """
import threading
from threadpoolctl import threadpool_info
from rl_hpo.threads import single_threaded

def blas():
    return sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})

before = blas()
first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()

def first():
    with single_threaded():
        first_in.set()
        second_in.wait(10)
    first_out.set()

def second():  # enters under the first block's limit of one and leaves after that block ended
    first_in.wait(10)
    with single_threaded():
        second_in.set()
        first_out.wait(10)

threads = [threading.Thread(target=first), threading.Thread(target=second)]
for t in threads:
    t.start()
for t in threads:
    t.join(10)
print(before, blas())
"""


def test_blocks_overlapping_in_threads_give_the_threads_back() -> None:
    """As decisions of Optuna's ``n_jobs`` threads overlap: afterwards BLAS has its threads, not the limit of one
    a block entered under (a fresh process: OpenBLAS obeys the first thread that limits it)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}  # a number to restore on any machine
    done = subprocess.run(
        [sys.executable, "-c", _OVERLAPPING_BLOCKS], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr
    before, after = done.stdout.strip().split("] [")
    assert before.strip("[]") == after.strip("[]") == "2"
