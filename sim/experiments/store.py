"""The result store of a sweep: a folder that loses nothing.

Layout of ``out``::

    manifest.json            the experiment's fingerprint, name, points
    tasks/p00003-r001.json   one finished (point, replication): its SPEC 4 dict
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
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd

from sim.errors import ExperimentError
from sim.files import replace_atomically, safe_frame, write_text

__all__ = ["Store"]

MANIFEST = "manifest.json"
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
        if fresh:
            self.clear()
        self.tasks_dir.mkdir(parents=True, exist_ok=True)
        self._remove_temporaries()
        self._claim(manifest)

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
        """``{(point, replication): SPEC 4 dict}`` of every finished task."""
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
