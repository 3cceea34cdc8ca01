import numpy as np

from rl_hpo.space import Categorical, Condition, Float, Int, SearchSpace
from rl_hpo.tasks.base import FunctionTask, ScoreBounds
from rl_hpo.tasks.linear_scale import LinearScaleTask, linear_scale

SPACE = SearchSpace(
    {
        "kind": Categorical(["a", "b"]),
        "lr": Float(1e-4, 1e-1, log=True),
        "units": Int(16, 1024, log=True, condition=Condition("kind", "b")),
        "momentum": Float(0.0, 1.0),
    }
)


def test_log_scaled_parameters_turn_linear_over_the_same_range_with_their_conditions():
    space = linear_scale(SPACE)
    assert space["lr"] == Float(1e-4, 1e-1)
    assert space["units"] == Int(16, 1024, condition=Condition("kind", "b"))
    assert space["kind"] == SPACE["kind"] and space["momentum"] == SPACE["momentum"]
    # A tenth of the way along the cube: a tenth of the range on the linear scale, far above it on the log one.
    u = np.array([[0.9, 0.1, 0.1, 0.5]])
    assert space.decode(u[0])["lr"] == 1e-4 + 0.1 * (1e-1 - 1e-4)
    assert SPACE.decode(u[0])["lr"] < 1e-3


def test_the_task_scores_each_configuration_as_the_task_does():
    def score(config: dict) -> float:
        return -abs(np.log10(config["lr"]) + 3.0) - config["momentum"]

    task = FunctionTask(score, SPACE, name="lr")
    task.bounds = ScoreBounds(worst=-3.0, best=0.0)
    view = LinearScaleTask(task)
    assert view.name == "lr" and view.bounds == task.bounds and view.space == linear_scale(SPACE)
    config = {"kind": "a", "lr": 0.02, "momentum": 0.3}
    assert view.evaluate(config).score == task.evaluate(config).score
    u = np.random.default_rng(0).random((5, SPACE.dim))
    scores, _ = view.evaluate_unit(u)
    expected = [task.evaluate(c).score for c in view.space.decode_batch(u)]
    np.testing.assert_array_equal(scores, expected)


def test_wrapped_tasks_keep_the_fingerprint_a_journal_checks():
    from rl_hpo.tasks.heavy_tail import HeavyTailedTask

    class Live(FunctionTask):
        def fingerprint(self) -> str | None:
            return "data-1234"

    task = Live(lambda c: -c["momentum"], SPACE, name="live")
    task.bounds = ScoreBounds(worst=-1.0, best=0.0)
    assert LinearScaleTask(task).fingerprint() == HeavyTailedTask(task, 10.0).fingerprint() == "data-1234"
