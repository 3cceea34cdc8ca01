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
