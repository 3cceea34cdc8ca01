"""Data for the sklearn family: the built-in datasets, and checks and encoding of a user's (X, y) or CSV.

Everything here turns user data into a float matrix ``X`` (NaN marks a missing value, left for the
pipeline's imputer) and a target ``y``, or raises a ``ValueError`` that says what is wrong and how to fix it.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rl_hpo.exceptions import DataNotFoundError

__all__ = ["DATASETS", "Dataset", "load_dataset", "prepare_data", "read_csv"]

CLASSIFICATION = "classification"
REGRESSION = "regression"
TASK_TYPES = (CLASSIFICATION, REGRESSION)

MIN_ROWS = 10
#: an integer-valued target with at most this many distinct values is taken for class labels
MAX_INFERRED_CLASSES = 20
#: a non-numeric column with more distinct values than this is refused (free text, identifiers)
MAX_CATEGORIES = 50


@dataclass(frozen=True)
class Dataset:
    """A dataset ready for cross-validation.

    Attributes:
        name: e.g. "digits".
        X: float matrix (n_rows, n_features); NaN marks a missing value.
        y: the target (class labels or floats).
        task_type: "classification" or "regression".
        feature_names: one per column of ``X`` (one-hot columns read ``column=level``).
    """

    name: str
    X: np.ndarray
    y: np.ndarray
    task_type: str
    feature_names: tuple[str, ...]

    @property
    def n_rows(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_classes(self) -> int:
        return int(np.unique(self.y).size) if self.task_type == CLASSIFICATION else 0

    def fingerprint(self) -> str:
        """A short hash of the data, so that a cached table is never served for other data."""
        import hashlib

        h = hashlib.sha256()
        h.update(np.ascontiguousarray(self.X).tobytes())
        h.update(np.asarray(self.y).astype(str).astype("U").tobytes())
        h.update(self.task_type.encode())
        return h.hexdigest()[:16]


def _builtin_loaders() -> dict[str, tuple[str, Callable[..., Any]]]:
    from sklearn import datasets

    return {
        "iris": (CLASSIFICATION, datasets.load_iris),
        "wine": (CLASSIFICATION, datasets.load_wine),
        "breast_cancer": (CLASSIFICATION, datasets.load_breast_cancer),
        "digits": (CLASSIFICATION, datasets.load_digits),
        "diabetes": (REGRESSION, datasets.load_diabetes),
    }


#: The datasets that ship with scikit-learn (no download), with their task type.
DATASETS: dict[str, str] = {
    "iris": CLASSIFICATION,
    "wine": CLASSIFICATION,
    "breast_cancer": CLASSIFICATION,
    "digits": CLASSIFICATION,
    "diabetes": REGRESSION,
}


@functools.cache
def load_dataset(name: str) -> Dataset:
    """A dataset that ships with scikit-learn, by name (see ``DATASETS``).

    Raises:
        KeyError: for an unknown name (callers turn it into ``TaskNotFoundError``).
    """
    loaders = _builtin_loaders()
    if name not in loaders:
        raise KeyError(name)
    task_type, loader = loaders[name]
    bunch = loader()
    names = tuple(str(n) for n in getattr(bunch, "feature_names", range(bunch.data.shape[1])))
    X = np.asarray(bunch.data, dtype=float)
    X.setflags(write=False)
    y = np.asarray(bunch.target)
    y.setflags(write=False)
    return Dataset(name, X, y, task_type, names)


def _is_numeric_dtype(dtype: Any) -> bool:
    import pandas as pd

    return bool(pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype))


def _encode_frame(frame: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    """Numeric columns as floats, low-cardinality text/categorical columns one-hot encoded."""
    import pandas as pd

    blocks: list[np.ndarray] = []
    names: list[str] = []
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_timedelta64_dtype(series.dtype):
            raise ValueError(
                f"Column {col!r} holds dates or durations ({series.dtype}); convert it to numbers "
                "(e.g. days since a reference date) or drop it."
            )
        if _is_numeric_dtype(series.dtype):
            values = pd.to_numeric(series, errors="coerce").astype(float).to_numpy()
            blocks.append(values[:, None])
            names.append(str(col))
            continue
        levels = pd.unique(series.dropna())
        _refuse_numbers_with_markers(col, series)  # few or many levels: one-hot encoding would lose their order
        if len(levels) > MAX_CATEGORIES:
            example = ", ".join(repr(v) for v in levels[:3])
            raise ValueError(
                f"Column {col!r} is non-numeric with {len(levels)} distinct values (e.g. {example}); it looks like "
                f"free text or an identifier. Drop it, or encode it as numbers yourself (at most {MAX_CATEGORIES} "
                "categories are one-hot encoded automatically)."
            )
        try:
            levels = sorted(levels)
        except TypeError:  # mixed types: keep the order of appearance
            levels = list(levels)
        for level in levels:
            blocks.append((series == level).to_numpy(dtype=float)[:, None])
            names.append(f"{col}={level}")
        if series.isna().any():  # missing is a level of its own: the imputer cannot guess a category
            blocks.append(series.isna().to_numpy(dtype=float)[:, None])
            names.append(f"{col}=<missing>")
    if not blocks:
        raise ValueError("X has no columns; give at least one feature.")
    return np.hstack(blocks), tuple(names)


def _refuse_numbers_with_markers(col: Any, series: Any, what: str | None = None) -> None:
    """Raise the ``ValueError`` for a column of numbers with a few text markers (``?``, ``n.a.``, ...) among them,
    which would otherwise read as free text; return if it is not such a column. ``what`` names it in the message
    (default: ``Column 'col'``)."""
    import pandas as pd

    present = series.dropna()
    numbers = pd.to_numeric(present, errors="coerce")
    markers = present[numbers.isna()]
    if len(markers) == 0 or len(markers) > 0.2 * len(present):
        return
    shown = ", ".join(repr(v) for v in pd.unique(markers)[:3])
    raise ValueError(
        f"{what or f'Column {col!r}'} holds numbers but for {len(markers)} value(s) like {shown}; mark those as "
        "missing (empty cells, or NaN in a DataFrame) and it is read as numbers, or drop the column."
    )


def _as_matrix(X: Any) -> tuple[np.ndarray, tuple[str, ...]]:
    import pandas as pd

    if isinstance(X, pd.Series):
        X = X.to_frame()
    if isinstance(X, pd.DataFrame):
        return _encode_frame(X)
    try:
        arr = np.asarray(X)
    except Exception as err:
        raise ValueError(f"X must be a 2-d array or a pandas DataFrame, got {type(X).__name__}: {err}.") from None
    if arr.ndim != 2:
        raise ValueError(
            f"X must be 2-d (rows x features), got shape {arr.shape}; reshape a single feature to (-1, 1)."
        )
    if arr.dtype.kind in "biuf":
        return arr.astype(float), tuple(f"x{j}" for j in range(arr.shape[1]))
    # object or string arrays: handle them column by column like a DataFrame
    return _encode_frame(pd.DataFrame(arr, columns=[f"x{j}" for j in range(arr.shape[1])]).infer_objects())


def infer_task_type(y: np.ndarray) -> str:
    """Classification for labels (text, booleans, integers with few distinct values), else regression."""
    if y.dtype.kind in "biuf":
        values = y.astype(float)
        finite = values[np.isfinite(values)]
        is_int = y.dtype.kind in "biu" or bool(np.all(finite == np.round(finite)))
        if is_int and np.unique(finite).size <= MAX_INFERRED_CLASSES:
            return CLASSIFICATION
        return REGRESSION
    return CLASSIFICATION


def prepare_data(X: Any, y: Any, *, name: str, task_type: str | None = None, cv: int = 3) -> Dataset:
    """Check and encode a user's data for cross-validated tuning.

    Args:
        X: a 2-d array or a DataFrame. Non-numeric columns with at most 50 distinct values are one-hot
            encoded (missing values get their own indicator column); missing numeric values stay NaN for the
            pipeline's imputer.
        y: the target, one value per row.
        name: the dataset's name.
        task_type: "classification" or "regression"; inferred when None (text, booleans and integers with at
            most 20 distinct values are classes).
        cv: the number of cross-validation folds the data must support.

    Raises:
        ValueError: for mismatched lengths, too few rows, a missing target value, a single class, a class
            smaller than ``cv``, a constant or non-numeric regression target, infinite values, ...
    """
    import pandas as pd

    label = f"The target {y.name!r}" if isinstance(y, pd.Series) and y.name is not None else "y"
    if task_type is not None and task_type not in TASK_TYPES:
        raise ValueError(f"task_type must be 'classification', 'regression' or None. Got {task_type!r} instead.")
    if len(X) == 0:
        raise ValueError("X has no rows (a CSV file with a header and no data?); give the data to tune on.")
    matrix, names = _as_matrix(X)
    target = y.to_numpy() if isinstance(y, pd.Series | pd.DataFrame) else np.asarray(y)
    if target.ndim == 2 and target.shape[1] == 1:
        target = target[:, 0]
    if target.ndim != 1:
        raise ValueError(f"y must be 1-d (one target per row), got shape {target.shape}.")
    if len(target) != len(matrix):
        raise ValueError(f"X has {len(matrix)} rows but y has {len(target)}; give one target per row.")
    missing = pd.isna(target)
    if missing.any():
        rows = np.flatnonzero(missing)
        raise ValueError(
            f"{label} has {rows.size} missing value(s) (rows {rows[:5].tolist()}{'...' if rows.size > 5 else ''}); "
            "drop those rows first."
        )
    if np.isinf(matrix).any():
        col = int(np.flatnonzero(np.isinf(matrix).any(axis=0))[0])
        raise ValueError(f"X has infinite values in column {names[col]!r}; replace them by NaN (missing) or numbers.")
    if np.isnan(matrix).all(axis=0).all():
        raise ValueError("Every column of X is missing in every row; there is nothing to learn from.")
    if len(matrix) < MIN_ROWS:
        raise ValueError(f"The data has {len(matrix)} rows; tuning needs at least {MIN_ROWS}.")
    if len(matrix) < 2 * cv:
        raise ValueError(
            f"The data has {len(matrix)} rows; cv={cv} needs at least {2 * cv} (2 per fold). Use a smaller cv."
        )
    if target.dtype.kind == "O":  # numbers with a few markers ("?") would read as one class per number
        _refuse_numbers_with_markers(None, pd.Series(target), what=label)
    inferred = task_type is None
    task_type = task_type or infer_task_type(target)
    if task_type == CLASSIFICATION:
        classes, counts = np.unique(target.astype(str) if target.dtype.kind == "O" else target, return_counts=True)
        labels = classes.tolist()  # Python scalars: messages show 1.0, not np.float64(1.0)
        # Whole numbers were taken for class labels: say so, since a count or a rating may be a quantity.
        taken = (
            f" {label} was taken for class labels ({classes.size} whole-number values); if it is a quantity, "
            "pass task_type='regression' (--task-type regression on the command line)."
            if inferred and target.dtype.kind in "biuf"
            else ""
        )
        if classes.size < 2:
            raise ValueError(f"{label} has a single class ({labels[0]!r}); classification needs at least two.")
        if counts.min() < cv:
            small = labels[int(np.argmin(counts))]
            raise ValueError(
                f"Class {small!r} has {counts.min()} row(s); cv={cv} stratified folds need at least {cv} per class. "
                f"Use a smaller cv, merge or drop rare classes.{taken}"
            )
        if target.dtype.kind == "O":
            target = target.astype(str)
    else:
        try:
            target = target.astype(float)
        except (TypeError, ValueError):
            numbers = pd.to_numeric(pd.Series(target), errors="coerce")
            example = target[int(np.flatnonzero(numbers.isna().to_numpy())[0])] if numbers.isna().any() else target[0]
            raise ValueError(
                f"task_type='regression' (--task-type regression) needs a numeric target, got values like "
                f"{example!r}; use task_type='classification' for labels."
            ) from None
        if not np.all(np.isfinite(target)):
            raise ValueError(f"{label} has infinite values; a regression target must be finite.")
        if np.ptp(target) == 0:
            raise ValueError(f"{label} is constant ({target[0]}); there is nothing to predict.")
    return Dataset(name, matrix, target, task_type, names)


#: Column separators a CSV file may use; its header line decides (the most frequent one, commas on a tie).
SEPARATORS = (",", ";", "\t")


def _separator(path: Path) -> str:
    """The separator of a CSV file, from its first non-empty line: a comma unless that line holds more
    semicolons or tabs (files written with a decimal comma often separate by semicolons)."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        header = next((line for line in lines if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)  # a separator inside a quoted name ("weight, kg") does not count
    return max(SEPARATORS, key=unquoted.count)


def _drop_names(columns: Any, drop: Sequence[str]) -> list[str]:
    """The columns ``drop`` names, each as ``_padded_name`` finds it: each entry a column or, where it names none, a
    comma-separated list of columns (``--drop id,name``), so that a column whose name holds a comma, as a
    semicolon-separated file allows, is dropped by its whole name."""
    names: list[str] = []
    for entry in [drop] if isinstance(drop, str) else drop:  # one name given as a string is one column
        parts = [entry] if _padded_name(columns, entry) in columns or "," not in entry else entry.split(",")
        parts = [part for part in parts if part.strip()]
        if not parts:
            raise ValueError(f"The columns to drop, {entry!r}, name no column.")
        names.extend(_padded_name(columns, part) for part in parts)
    return names


def _padded_name(columns: Any, name: str) -> str:
    """``name``, or the one column of ``columns`` that differs from it only by spaces around it."""
    if name in columns:
        return name
    padded = [c for c in columns if isinstance(c, str) and c.strip() == name.strip()]
    return padded[0] if len(padded) == 1 else name


def _refuse_repeated_names(path: Path, separator: str) -> None:
    """Refuse a header that names a column twice: pandas would read the second as ``name.1``, which stays in as a
    feature (a copy of the target, it would leak it)."""
    import csv
    from collections import Counter

    with path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        header = next(csv.reader(f, delimiter=separator), [])
    repeated = [name for name, n in Counter(header).items() if n > 1 and name.strip()]
    if repeated:
        raise ValueError(f"The CSV file {str(path)!r} names the column {repeated[0]!r} more than once; rename one.")


#: A number written with a decimal comma (``3,14``, ``-0,5``, ``1,5e-3``) or as a whole number.
_DECIMAL_COMMA = r"[+-]?(\d+(,\d*)?|,\d+)([eE][+-]?\d+)?"


def _read_decimal_commas(frame: Any) -> Any:
    """``frame`` with each text column whose values are numbers written with a decimal comma (as a file separated by
    semicolons or tabs often has them) read as numbers, instead of one category per value. Where a few values (at
    most a fifth) are no number ("?"), the numbers are written with a decimal point and the column stays text, for
    the refusal that names those markers (``_refuse_numbers_with_markers``)."""
    import pandas as pd

    out = frame.copy()
    for col in frame.columns:
        if _is_numeric_dtype(frame[col].dtype):
            continue
        present = frame[col].notna()
        text = frame[col].astype(str).str.strip()
        number = text.str.fullmatch(_DECIMAL_COMMA).fillna(False).astype(bool) & present
        if number.sum() < 0.8 * present.sum() or not text[number].str.contains(",").any():
            continue
        dotted = text.where(~number, text.str.replace(",", ".", regex=False)).where(present)
        out[col] = pd.to_numeric(dotted) if number.sum() == present.sum() else dotted
    return out


def read_csv(path: str | Path, target: str, drop: Sequence[str] = ()) -> tuple[Any, Any]:
    """Read a CSV file into (features DataFrame, target Series); rows without a target are dropped, and so
    are the columns named in ``drop`` (e.g. identifiers; an entry that names no column and holds commas is a
    list of columns). Columns are separated by commas, semicolons or tabs,
    whichever the header line holds most of; the text is UTF-8.

    Raises:
        DataNotFoundError: if the file does not exist.
        ValueError: if the target column or a column to drop is missing (the message lists the columns), the
            file is empty, is not UTF-8 or cannot be parsed (the message names the file).
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataNotFoundError(f"No CSV file at {str(path)!r}; check the path.")
    separator = _separator(path)
    try:
        # index_col=False: a row that ends in a separator must not shift its fields into an index
        frame = pd.read_csv(path, sep=separator, index_col=False)
    except pd.errors.EmptyDataError:
        raise ValueError(f"The CSV file {str(path)!r} is empty.") from None
    except UnicodeDecodeError as err:
        raise ValueError(
            f"The CSV file {str(path)!r} is not UTF-8 text (it holds the byte {err.object[err.start]:#04x}, which "
            "UTF-8 does not allow there); save it as UTF-8."
        ) from None
    except pd.errors.ParserError as err:
        raise ValueError(f"The CSV file {str(path)!r} could not be read as CSV: {err}") from None
    _refuse_repeated_names(path, separator)
    if separator != ",":
        frame = _read_decimal_commas(frame)
    # A name to drop as the command line gives it, stripped: the column "id " of a header "id ,x" is meant
    drop = _drop_names(frame.columns, drop)
    for column in (target, *drop):
        if column not in frame.columns:
            close = [c for c in frame.columns if str(c).strip().lower() == column.strip().lower()]
            hint = f" Did you mean {close[0]!r}?" if close else ""
            columns = ", ".join(repr(str(c)) for c in frame.columns[:30])
            more = f" (and {len(frame.columns) - 30} more)" if len(frame.columns) > 30 else ""
            raise ValueError(
                f"The CSV file {str(path)!r} has no column {column!r}.{hint} Its columns: {columns}{more}."
            )
    if target in drop:
        raise ValueError(f"The target column {target!r} cannot be dropped.")
    frame = frame.drop(columns=list(drop))
    missing = frame[target].isna()
    if len(frame) and missing.all():
        raise ValueError(f"The target column {target!r} of the CSV file {str(path)!r} is missing in every row.")
    if missing.any():
        warnings.warn(
            f"Dropped {int(missing.sum())} row(s) of {str(path)!r} whose target {target!r} is missing.",
            UserWarning,
            stacklevel=3,
        )
        frame = frame.loc[~missing]
    if frame.shape[1] < 2:
        raise ValueError(f"The CSV file {str(path)!r} has only the target column {target!r}; it needs features too.")
    return frame.drop(columns=[target]), frame[target]
