from rl_hpo.baselines.expected_improvement import ExpectedImprovement
from rl_hpo.optimizer import make_optimizer
from rl_hpo.space import Categorical, Int, SearchSpace
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


def test_trials_asked_together_propose_different_configurations():
    space = SearchSpace({"a": Int(0, 4), "b": Categorical(["x", "y"])})  # 10 configurations
    optimizer = ExpectedImprovement(space, seed=0, n_initial=3)
    for _ in range(3):
        trial = optimizer.ask()
        optimizer.tell(trial, float(trial.config["a"]))
    batch = [optimizer.ask() for _ in range(4)]
    assert len({tuple(sorted(t.config.items())) for t in batch}) == 4
