"""Request figures window by window during a run: the time series' per-interval
requests and the windows of service-level objectives (``slo:``).

Both read the senders through :class:`RequestTaps`: a
:class:`~sim.metrics.windows.WindowStats` observes every sender's latency
statistics, and at a window's end the senders' buffers are flushed (so the window
holds exactly the latencies of requests completed in it) and their counters read.
Nothing is added to the hot path; a model without ``slo:`` schedules nothing here
beyond the series' own instants.
"""

from __future__ import annotations

from simpy.events import Timeout

from sim.metrics.slo import SloTracker
from sim.metrics.windows import WindowStats

__all__ = ["RequestTaps", "SloWindows"]


class RequestTaps:
    """The senders of one replication: flush their latencies, sum their counters."""

    def __init__(self, senders: list) -> None:
        self.senders = senders
        self.carried = (0, 0, 0)

    def watch(self, stats: WindowStats) -> WindowStats:
        """Make ``stats`` see every latency the senders record from now on."""
        for sender in self.senders:
            sender.latency.observers.append(stats.observe)
        return stats

    def flush(self) -> None:
        for sender in self.senders:
            sender.latency.flush()

    def counts(self) -> tuple[int, int, int]:
        """Requests offered, completed and failed since time 0 (cumulative, across the
        warm-up reset; only requests born after the warm-up are ever counted)."""
        offered = completed = failed = 0
        for s in self.senders:
            offered += s.offered
            completed += s.completed
            failed += s.failed
        base = self.carried
        return base[0] + offered, base[1] + completed, base[2] + failed

    def carry(self) -> None:
        """Called before the warm-up reset zeroes the senders' counters."""
        self.carried = self.counts()


class SloWindows:
    """The windows of the model's objectives, from the end of the warm-up: one
    :class:`WindowStats` per distinct window length, each closed every ``window``
    seconds and judged by the :class:`~sim.metrics.slo.SloTracker` of each objective
    of that length. A last window cut short by the end of the run is left out."""

    def __init__(self, env, taps: RequestTaps, specs, warmup: float, end: float) -> None:
        self.env, self.taps, self.end = env, taps, end
        self.trackers = {spec.name: SloTracker(spec) for spec in specs}
        self.groups: list[tuple[float, WindowStats, list[SloTracker], list[int]]] = []
        for window in dict.fromkeys(spec.window for spec in specs):
            stats = taps.watch(WindowStats(warmup))
            group = [t for t in self.trackers.values() if t.spec.window == window]
            self.groups.append((window, stats, group, [0]))
        self.warmup = warmup
        for group in self.groups:
            self._schedule(group)

    def _due(self, group) -> float:
        window, _, _, done = group
        return self.warmup + window * (done[0] + 1)

    def _schedule(self, group) -> None:
        due = self._due(group)
        if due < self.end:
            Timeout(self.env, due - self.env.now).callbacks.append(
                lambda _e, g=group: self._close(g))

    def _close(self, group) -> None:
        _, stats, trackers, done = group
        self.taps.flush()
        now = self.env.now
        figures = stats.close(now, self.taps.counts())
        for tracker in trackers:
            tracker.add(now, figures)
        done[0] += 1
        self._schedule(group)

    def finish(self) -> None:
        """Close the windows that end exactly at the end of the run (call after
        ``env.run(until=end)``, which stops before the events due then)."""
        for group in self.groups:
            due = self._due(group)
            if abs(due - self.end) <= 1e-9 * max(1.0, self.end):
                self._close(group)

    def entries(self, replication: int) -> dict:
        """The ``slo`` block of this replication."""
        return {name: t.entry(replication) for name, t in self.trackers.items()}
