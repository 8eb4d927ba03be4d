"""The result store of a sweep: a folder that loses nothing.

Layout of ``out``::

    manifest.json            the experiment's fingerprint, name, points
    tasks/p00003-r001.json   one finished (point, replication): its result dict
    runs.csv, runs.parquet   one row per point and replication (written at the end)
    summary.csv, summary.parquet   one row per point: mean and ci95 of each metric

Every file is written to a temporary file in the same folder and renamed over
its final name (``os.replace``, atomic on POSIX and Windows), so a killed
process leaves finished files whole and no half-written one under a final
name. There is no fsync: a file emptied by a power cut does not parse, and a
task file that does not parse counts as not finished (it is run again).

Each task file repeats the fingerprint, and only files with the current
fingerprint count as finished, so results of two different experiments are
never mixed, even if a clean-up was interrupted.

One sweep at a time writes to a folder: the store holds an exclusive lock on
``out/.lock`` (``fcntl.flock``) from opening to :meth:`Store.close`; the
operating system releases it when the process ends, however it ends, so a
killed sweep leaves no stale lock. A second sweep into the same folder is
refused at once instead of computing everything again. ``fresh`` checks that
the folder is writable before it deletes anything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from sim.errors import ExperimentError
from sim.files import replace_atomically, safe_frame, write_text

__all__ = ["Store"]

MANIFEST = "manifest.json"
LOCK = ".lock"
TASKS = "tasks"
TABLES = ("runs", "summary")
_TASK = re.compile(r"^p(\d+)-r(\d+)\.json$")


def _write_text(path: Path, text: str) -> None:
    write_text(path, text)


class Store:
    """The store of one experiment in folder ``out``.

    Parameters
    ----------
    out : Path
        The folder (created if missing).
    fingerprint : str
        The experiment's fingerprint; a store made with another is refused.
    manifest : dict
        What to record in ``manifest.json`` besides the fingerprint.
    fresh : bool
        Discard what the store holds first.
    """

    def __init__(self, out: Path, fingerprint: str, manifest: dict, *,
                 fresh: bool = False) -> None:
        self.out, self.fingerprint = Path(out), fingerprint
        self.tasks_dir = self.out / TASKS
        self._lock = None
        _make_folder(self.out)
        self._lock = _lock(self.out)
        try:
            if fresh:
                _check_writable(self.out, self.tasks_dir)
                self.clear()
            _make_folder(self.tasks_dir)
            self._remove_temporaries()
            self._claim(manifest)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Release the folder's lock (also released when the process ends)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def clear(self) -> None:
        """Remove every file the store owns (and nothing else in ``out``)."""
        (self.out / MANIFEST).unlink(missing_ok=True)
        for stem in TABLES:
            for suffix in (".csv", ".parquet"):
                (self.out / f"{stem}{suffix}").unlink(missing_ok=True)
        if self.tasks_dir.is_dir():
            shutil.rmtree(self.tasks_dir)

    def _remove_temporaries(self) -> None:
        for folder in (self.out, self.tasks_dir):
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

    def _claim(self, manifest: dict) -> None:
        path = self.out / MANIFEST
        if path.exists():
            try:
                found = json.loads(path.read_text(encoding="utf-8")).get("fingerprint")
            except (OSError, ValueError, AttributeError):
                found = None
            if found != self.fingerprint:
                raise ExperimentError(
                    f"{self.out} holds the results of a different experiment (or of an "
                    "earlier version of this one: its model, run settings, set, grid or "
                    "samples changed); pass --fresh (fresh=True) to discard them, or choose "
                    "another --out")
            return
        _write_text(path, json.dumps({"fingerprint": self.fingerprint, **manifest},
                                     indent=2, default=repr))

    def task_path(self, point: int, replication: int) -> Path:
        return self.tasks_dir / f"p{point:05d}-r{replication:03d}.json"

    def save(self, point: int, replication: int, summary: dict) -> None:
        """Record one finished task, atomically."""
        record = {"fingerprint": self.fingerprint, "point": point,
                  "replication": replication, "summary": summary}
        _write_text(self.task_path(point, replication), json.dumps(record))

    def finished(self) -> dict[tuple[int, int], dict]:
        """``{(point, replication): result dict}`` of every finished task."""
        found = {}
        for path in self.tasks_dir.iterdir():
            match = _TASK.match(path.name)
            if match is None:
                continue
            record = self._read(path)
            key = (int(match[1]), int(match[2]))
            if record is not None and (record.get("point"), record.get("replication")) == key:
                found[key] = record["summary"]
        return found

    def _read(self, path: Path) -> dict | None:
        """A task record with this store's fingerprint, else None (it will be redone)."""
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        ok = isinstance(record, dict) and record.get("fingerprint") == self.fingerprint
        return record if ok and isinstance(record.get("summary"), dict) else None

    def write_table(self, frame: pd.DataFrame, stem: str) -> list[Path]:
        """``<stem>.csv`` and ``<stem>.parquet``, each atomically; their paths."""
        csv, parquet = self.out / f"{stem}.csv", self.out / f"{stem}.parquet"
        replace_atomically(csv, lambda tmp: safe_frame(frame).to_csv(tmp, index=False))
        replace_atomically(parquet, lambda tmp: frame.to_parquet(tmp, index=False))
        return [csv, parquet]


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExperimentError(f"cannot create the result folder {folder}: "
                              f"{exc.strerror or exc}") from None


def _try_lock(fd: int) -> bool:
    """Take an exclusive, non-blocking lock on ``fd``: ``flock`` on POSIX, ``msvcrt``'s
    byte-range lock on Windows; False when another process holds it."""
    try:
        import fcntl
    except ImportError:                       # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _lock(out: Path) -> int:
    """An open descriptor holding the exclusive lock of ``out``; refused if held."""
    path = out / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise ExperimentError(f"cannot write to the result folder {out}: "
                              f"{exc.strerror or exc}") from None
    if not _try_lock(fd):
        os.close(fd)
        raise ExperimentError(f"another sweep is writing to {out}: wait for it to finish, "
                              "or choose another --out") from None
    return fd


def _check_writable(*folders: Path) -> None:
    """Create and remove a file in each existing folder, so ``fresh`` deletes nothing
    when the results could not be written again."""
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=".write-check.", suffix=".tmp")
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            raise ExperimentError(f"cannot write to {folder} ({exc.strerror or exc}); "
                                  "nothing was deleted: fix its permissions or choose "
                                  "another --out") from None
