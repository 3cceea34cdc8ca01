"""The study folder's atomic writes: whole files or none, with the modes the umask gives."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from rl_hpo.bench.study import atomic_path, atomic_write_text

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="file modes are POSIX")


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


@posix_only
def test_written_files_follow_the_umask(tmp_path: Path, umask_027) -> None:
    atomic_write_text(tmp_path / "run.json", "{}\n")
    with atomic_path(tmp_path / "plot.png") as tmp:
        tmp.write_bytes(b"\x89PNG")  # as savefig writes to the temporary name
    for name in ("run.json", "plot.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o640, name


@posix_only
def test_replacing_a_file_gives_the_umask_mode_again(tmp_path: Path, umask_027) -> None:
    target = tmp_path / "summary.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    atomic_write_text(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path: Path) -> None:
    target = tmp_path / "trials.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError, match="halfway"), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("halfway")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["trials.csv"]
