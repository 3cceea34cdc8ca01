"""rl_hpo: hyperparameter optimization by reinforcement learning.

The public API: ``SearchSpace`` and its parameters, ``load_task``, ``make_optimizer`` and ``tune``. Importing the
package registers the Gymnasium environments ``rl_hpo/Tuning-v0`` and ``rl_hpo/CandidateTuning-v0``
(``rl_hpo.registration``).
"""

from rl_hpo.exceptions import (
    AllTrialsFailedError,
    DataNotFoundError,
    PolicyFileError,
    RLHPOError,
    TaskNotFoundError,
    TuningInterrupted,
    UnknownOptionError,
)
from rl_hpo.history import History
from rl_hpo.journal import JournalError
from rl_hpo.optimizer import Optimizer, Trial, available_optimizers, make_optimizer, register_optimizer
from rl_hpo.registration import register_environments
from rl_hpo.space import Categorical, Condition, Float, Int, SearchSpace
from rl_hpo.tasks import Fidelity, FunctionTask, Result, ScoreBounds, Suite, Task, load_suite, load_task
from rl_hpo.tune import tune

__version__ = "0.1.0"

register_environments()  # gymnasium.make("rl_hpo/Tuning-v0") works after `import rl_hpo`

__all__ = [
    "AllTrialsFailedError",
    "Categorical",
    "Condition",
    "DataNotFoundError",
    "Fidelity",
    "Float",
    "FunctionTask",
    "History",
    "Int",
    "JournalError",
    "Optimizer",
    "PolicyFileError",
    "RLHPOError",
    "Result",
    "ScoreBounds",
    "SearchSpace",
    "Suite",
    "Task",
    "TaskNotFoundError",
    "Trial",
    "TuningInterrupted",
    "UnknownOptionError",
    "__version__",
    "available_optimizers",
    "load_suite",
    "load_task",
    "make_optimizer",
    "register_optimizer",
    "tune",
]
