from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.optimizer import make_optimizer
from rl_hpo.tasks.registry import load_task
from tests.baselines.conformance import OptimizerConformance


class TestExpectedImprovement(OptimizerConformance):
    factory = ExpectedImprovement
    n_trials = 12


def test_ei_beats_random_search_on_a_smooth_function():
    task = load_task("synthetic/hartmann6/0")
    regret = {}
    for method in ("ei", "random"):
        best = [make_optimizer(method, task.space, seed=s).optimize(task, 30).best_score for s in range(3)]
        regret[method] = sum(task.bounds.regret(b) for b in best) / 3
    assert regret["ei"] < regret["random"]
