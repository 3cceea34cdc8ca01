"""A greedy portfolio of configurations learned on meta-train tasks, continued by another optimizer.

The cheap transfer baseline: before a new task is tuned, a fixed, ordered list of configurations is chosen
once on the meta-train tasks so that, taken together, they do well on as many of them as possible. A run
evaluates that list in order and, when the budget is longer than the list, continues with another
optimizer (TPE by default) that is told the portfolio's results, so its model starts from them.

Building (``build_portfolio``): see ``rl_hpo.baselines.portfolio_building``.

The order of selection is the order of evaluation, so a run's first trial is the best single configuration
of the meta-train tasks and every prefix is itself the greedy portfolio of its size.

Stored portfolios are JSON files in ``rl_hpo/data/portfolios/`` (built by ``scripts/build_portfolios.py``
from the train split of a suite, never from its validation or test tasks); ``Portfolio(space)`` picks the
one whose ``space`` equals ``space.to_dict()``.

References:
    Wistuba, Schilling and Schmidt-Thieme, "Sequential Model-Free Hyperparameter Tuning", ICDM 2015;
    Feurer, Springenberg and Hutter, "Initializing Bayesian Hyperparameter Optimization via Meta-Learning",
    AAAI 2015; Feurer, Eggensperger, Falkner, Lindauer and Hutter, "Auto-Sklearn 2.0: Hands-free AutoML via
    Meta-Learning", JMLR 2022 (the greedy portfolio, Algorithm 1).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.baselines.expected_improvement import CandidateOptimizer
from rl_hpo.baselines.optuna_samplers import CMAES
from rl_hpo.optimizer import Optimizer, Trial, make_optimizer, optimizer_class
from rl_hpo.space import SearchSpace
from rl_hpo.tasks.base import Fidelity, Result

__all__ = [
    "FORMAT",
    "Portfolio",
    "find_portfolio",
    "read_portfolio",
    "shipped_portfolio_for",
    "stored_portfolios",
    "write_portfolio",
]

#: The ``format`` key of a portfolio file; bumped when the layout changes incompatibly.
FORMAT = "rl_hpo.portfolio/1"


# -- the optimizer ----------------------------------------------------------------------------------
class Portfolio(Optimizer):
    """Evaluate a greedy portfolio of configurations in order, then continue with another optimizer.

    References:
        Wistuba, Schilling and Schmidt-Thieme, "Sequential Model-Free Hyperparameter Tuning", ICDM 2015;
        Feurer, Springenberg and Hutter, "Initializing Bayesian Hyperparameter Optimization via
        Meta-Learning", AAAI 2015; Feurer et al., "Auto-Sklearn 2.0: Hands-free AutoML via Meta-Learning",
        JMLR 2022. How portfolios are built: see this module's docstring and ``build_portfolio``.

    Trials ``0 .. K-1`` are the portfolio's configurations in their stored order, at the highest fidelity;
    from trial ``K`` on, every trial comes from the continuation optimizer
    ``make_optimizer(then, space, seed=seed, **then_options)``. The continuation observes every portfolio
    result as it arrives (``Optimizer.observe``), so it starts from them:

    - Optuna-based methods (``tpe``, ``gp``, ``cmaes``): each portfolio trial is added to the method's
      Optuna study as a finished trial (``study.add_trial(optuna.trial.create_trial(...))``, only the
      configuration's active parameters), a failed one with state FAIL. Observed trials take the places of
      the method's start-up trials (``rl_hpo.baselines.optuna_samplers``), so TPE and GP model from trial
      ``K`` on (or after the rest of their start-up design where the portfolio is shorter than it). Optuna's
      CMA-ES learns only from its own generations and ignores added trials (a warning says so).
    - ``ppo`` (``PolicyOptimizer``): the portfolio's results fill the policy's history in place of its random
      initial design, so the policy moves from the portfolio's best configuration (``portfolio_ppo``,
      ``rl_hpo.agents.PortfolioThenPolicy``).
    - Methods whose proposals never depend on results (``random``, ``qmc``, ``grid``) need nothing.
    - Any other method cannot be told results it did not ask for (``can_observe`` is False) and is refused.

    Seeds: the portfolio and its order are fixed (they were learned once); ``seed`` seeds only the
    continuation. Runs with different seeds therefore share their first ``K`` trials.

    Results evaluated elsewhere (``observe``, a warm start) go to the continuation as well; the portfolio's
    own configurations are still evaluated first.

    Failed trials: a failed portfolio configuration is not retried; the continuation is told it as failed
    (Optuna methods leave FAIL trials out of their models) and the portfolio goes on with its next
    configuration. Trials asked before earlier ones are told work as usual; a portfolio result that arrives
    after the continuation has started reaches it when it is told, and until then a continuation that models
    pending trials (``ei``, the general policy: ``CandidateOptimizer.hold``) holds its configuration as pending.

    Args:
        space: the search space.
        seed: seeds the continuation optimizer (not the portfolio, whose order is fixed).
        fidelity: ignored (single-fidelity method: every trial runs at the highest fidelity).
        portfolio: ``"auto"``: the stored portfolio (``rl_hpo/data/portfolios/``) whose search space equals
            ``space``; a path to a portfolio JSON file (as written by ``write_portfolio``; its space must
            equal ``space``); or a list of configurations, in the order to evaluate them.
        then: the registered name of the single-fidelity optimizer that continues after the portfolio.
        then_options: keyword options for the continuation (e.g. ``{"n_ei_candidates": 48}`` for TPE).
        n_configs: use only the first ``n_configs`` configurations of the portfolio (None: all of them).
            Each prefix of a greedy portfolio is the greedy portfolio of that size.

    Attributes:
        configs_: the portfolio's configurations, in the order they are evaluated.
        source_: where they came from (a file path, or ``"list"``).
        continuation_: the continuation optimizer.

    Raises:
        ValueError: if no stored portfolio matches ``space`` (the message names the stored ones and how to
            build one), a portfolio file's space differs from ``space``, configurations of the portfolio
            are not inside ``space`` (naming them), ``n_configs`` is out of range, or ``then`` is not a
            single-fidelity method that can be told the portfolio's results.
        TypeError: if ``portfolio`` is none of the accepted kinds.
    """

    name = "portfolio"
    #: Results it did not ask for go to the continuation, which can take them (``_make_continuation``).
    can_observe = True

    def __init__(
        self,
        space: SearchSpace,
        *,
        seed: int | None = None,
        fidelity: Fidelity | None = None,
        portfolio: str | os.PathLike[str] | Sequence[Mapping[str, Any]] = "auto",
        then: str = "tpe",
        then_options: Mapping[str, Any] | None = None,
        n_configs: int | None = None,
    ) -> None:
        super().__init__(space, seed=seed, fidelity=fidelity)
        configs, source = _resolve_portfolio(space, portfolio)
        if n_configs is not None:
            if not isinstance(n_configs, int | np.integer) or isinstance(n_configs, bool) or n_configs < 1:
                raise ValueError(
                    f"The 'n_configs' parameter of Portfolio must be an int in [1, inf) or None. Got {n_configs!r} "
                    "instead."
                )
            if n_configs > len(configs):
                raise ValueError(
                    f"n_configs={n_configs} is more than the {len(configs)} configurations of the portfolio "
                    f"({source}); pass at most {len(configs)}, or None for all of them."
                )
            configs = configs[: int(n_configs)]
        self.configs_: list[dict[str, Any]] = configs
        self.source_ = source
        self.then = then
        self.then_options = dict(then_options or {})
        self.n_configs = n_configs
        self.continuation_ = _make_continuation(space, then, self.then_options, seed, fidelity)
        self._continuation_trials: dict[int, Trial] = {}

    def _ask(self, trial_id: int) -> tuple[dict[str, Any], float | None]:
        if trial_id < len(self.configs_):
            return dict(self.configs_[trial_id]), None
        if isinstance(self.continuation_, CandidateOptimizer):  # it models pending trials: the portfolio's are too
            self.continuation_.hold([trial.config for trial in self._pending.values() if trial.id < len(self.configs_)])
        inner = self.continuation_.ask()
        self._continuation_trials[trial_id] = inner
        return dict(inner.config), None

    def _tell(self, trial: Trial, result: Result) -> None:
        if trial.id < len(self.configs_):
            self.continuation_.observe(trial.config, result)  # _make_continuation admitted only can_observe
        else:
            self.continuation_.tell(self._continuation_trials.pop(trial.id), result)

    def _cancel(self, trial: Trial) -> None:
        if trial.id in self._continuation_trials:  # a portfolio configuration cancelled is simply not observed
            self.continuation_.cancel(self._continuation_trials.pop(trial.id))

    def _observe(self, config: dict[str, Any], result: Result) -> None:
        self.continuation_.observe(config, result)

    @property
    def policy_hash(self) -> str | None:
        """The sha256 of the continuation's policy file where it is a trained policy (recorded by studies)."""
        return getattr(getattr(self.continuation_, "policy_", None), "sha256", None)

    def plan(self, budget: float) -> None:
        """The continuation plans for the whole run's budget (it starts after the portfolio's trials)."""
        self.continuation_.plan(budget)


def _make_continuation(
    space: SearchSpace,
    then: str,
    options: dict[str, Any],
    seed: int | None,
    fidelity: Fidelity | None,
) -> Optimizer:
    if not isinstance(then, str) or then == Portfolio.name:
        raise ValueError(
            f"The 'then' parameter of Portfolio must be the name of another optimizer, such as 'tpe'. Got {then!r} "
            "instead."
        )
    for key in ("seed", "fidelity"):
        if key in options:
            raise ValueError(f"then_options must not set {key!r}; Portfolio passes its own {key} on.")
    cls = optimizer_class(then)  # raises ValueError naming the registered methods
    if cls.multi_fidelity:
        raise ValueError(
            f"then={then!r} is a multi-fidelity method; a portfolio runs at the highest fidelity and continues with "
            "a single-fidelity method such as 'tpe', 'gp' or 'random'."
        )
    if not cls.can_observe:
        raise ValueError(
            f"then={then!r} cannot be told the portfolio's results (it learns only from trials it asked for); "
            "continue with an Optuna-based method ('tpe', 'gp'), 'ppo', or one that ignores results ('random', "
            "'qmc')."
        )
    if then == "ppo":
        # The portfolio has been evaluated: the policy must not start the shipped portfolio again.
        options = {"portfolio": None, **options}
    inner = make_optimizer(then, space, seed=seed, fidelity=fidelity, **options)
    if isinstance(inner, CMAES):
        warnings.warn(
            "then='cmaes' ignores the portfolio's results: Optuna's CmaEsSampler learns only from its own "
            "generations and starts from the centre of the space. Use then='tpe' or 'gp' to continue from them.",
            stacklevel=3,
        )
    return inner


# -- stored portfolios ------------------------------------------------------------------------------
def stored_portfolios() -> dict[str, Path]:
    """The portfolios shipped with the package: name (file stem) -> file."""
    folder = resources.files("rl_hpo").joinpath("data", "portfolios")
    if not folder.is_dir():
        return {}
    return {
        Path(entry.name).stem: Path(str(entry))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


def read_portfolio(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a portfolio file written by ``write_portfolio``.

    Raises:
        ValueError: if the file is not valid JSON or lacks the keys of a portfolio file.
        FileNotFoundError: if there is no such file.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ValueError(f"The portfolio file {str(path)!r} is not valid JSON ({err}).") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        found = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise ValueError(
            f"{str(path)!r} is not a portfolio file of format {FORMAT!r} (found {found!r}); build one with "
            "scripts/build_portfolios.py or rl_hpo.baselines.portfolio_building.build_portfolio."
        )
    for key, kind in (("space", dict), ("configs", list)):
        if not isinstance(doc.get(key), kind):
            raise ValueError(f"The portfolio file {str(path)!r} lacks a {key!r} {kind.__name__}.")
    return doc


def write_portfolio(doc: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write a portfolio document (as returned by ``build_portfolio``) as indented JSON; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)  # never leave a half-written portfolio where "auto" would find it
    return path


def find_portfolio(space: SearchSpace) -> Path:
    """The stored portfolio whose search space equals ``space``.

    Raises:
        ValueError: if none matches (naming the stored ones and how to build one), or several do.
    """
    stored = stored_portfolios()
    matches = _matching_portfolios(space)
    if len(matches) == 1:
        return stored[matches[0]]
    if matches:
        raise ValueError(
            f"Several stored portfolios match this search space: {', '.join(matches)}; pass portfolio=<path> "
            "(rl-hpo tune --portfolio FILE) to choose one."
        )
    docs = {name: read_portfolio(path) for name, path in stored.items()}
    listing = ", ".join(f"{name} ({doc.get('suite') or 'no suite'})" for name, doc in docs.items()) or "none"
    raise ValueError(
        f"No stored portfolio matches this search space (parameters {list(space.names)}); stored: {listing}. "
        "Pass portfolio=<path to a portfolio JSON file> (rl-hpo tune --portfolio FILE) or a list of configurations, "
        "or build one from the meta-train tasks of your suite: python scripts/build_portfolios.py --suite "
        "FAMILY/SCENARIO --out FILE (or rl_hpo.baselines.portfolio_building.build_portfolio)."
    )


def shipped_portfolio_for(space: SearchSpace) -> Path | None:
    """The stored portfolio built for ``space`` (its search space equals ``space``), or None if there is not
    exactly one."""
    matches = _matching_portfolios(space)
    return stored_portfolios()[matches[0]] if len(matches) == 1 else None


def _matching_portfolios(space: SearchSpace) -> list[str]:
    """Names of the stored portfolios whose search space equals ``space``."""
    spec = space.to_dict()
    return [name for name, path in stored_portfolios().items() if read_portfolio(path)["space"] == spec]


def _resolve_portfolio(
    space: SearchSpace, portfolio: str | os.PathLike[str] | Sequence[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], str]:
    if isinstance(portfolio, str | os.PathLike):
        path = find_portfolio(space) if portfolio == "auto" else Path(portfolio)
        if not path.is_file():
            raise ValueError(
                f"The portfolio file {str(path)!r} does not exist; pass portfolio='auto', an existing file or a "
                "list of configurations."
            )
        doc = read_portfolio(path)
        if doc["space"] != space.to_dict():
            theirs, ours = doc["space"], space.to_dict()
            differ = sorted(n for n in set(theirs) | set(ours) if theirs.get(n) != ours.get(n))
            raise ValueError(
                f"The portfolio {str(path)!r} was built for another search space (parameters that differ: "
                f"{differ}); build one for this space, or pass its configurations as a list (in Python) to use them "
                "anyway."
            )
        configs, source = doc["configs"], str(path)
    elif isinstance(portfolio, Sequence) and not isinstance(portfolio, bytes):
        configs, source = list(portfolio), "list"
    else:
        raise TypeError(
            "The 'portfolio' parameter of Portfolio must be 'auto', a path to a portfolio file or a list of "
            f"configurations. Got {type(portfolio).__name__} {portfolio!r} instead."
        )
    if not configs:
        raise ValueError(f"The portfolio ({source}) has no configurations; give at least one.")
    bad = []
    for i, config in enumerate(configs):
        try:
            space.validate(config)
        except ValueError as err:
            bad.append(f"#{i} {config!r}: {err}")
    if bad:
        raise ValueError(
            f"{len(bad)} configuration(s) of the portfolio ({source}) are not in the search space: "
            + "; ".join(bad[:5])
            + ("; ..." if len(bad) > 5 else "")
            + (" " if bad[-1].endswith(".") and len(bad) <= 5 else ". ")
            + "Fix or drop them, or build the portfolio for this space."
        )
    return [space.typed(c) for c in configs], source
