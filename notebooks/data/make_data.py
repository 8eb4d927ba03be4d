"""Write the measurements that notebook 05 fits, from laws known in advance.

    python notebooks/data/make_data.py

service_times.csv  10,000 service times (s), lognormal with mean 0.2 s and cv 1.5
arrivals.csv       arrival timestamps (s): Poisson, 4/s for 600 s, then 8/s for 600 s

Plain numpy with a fixed seed, independent of asyncsim, so that the fit in the
notebook is checked against the truth rather than against its own code. Running it
again rewrites the same files.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20240501
SERVICE = {"mean": 0.2, "cv": 1.5, "n": 10_000}
ARRIVAL_STEPS = [(0.0, 600.0, 4.0), (600.0, 1200.0, 8.0)]  # (start s, end s, rate /s)


def service_times(rng: np.random.Generator) -> np.ndarray:
    """Lognormal by mean and cv: sigma**2 = ln(1 + cv**2), mu = ln(mean) - sigma**2 / 2."""
    s2 = math.log1p(SERVICE["cv"] ** 2)
    mu = math.log(SERVICE["mean"]) - s2 / 2
    return rng.lognormal(mu, math.sqrt(s2), SERVICE["n"])


def arrival_times(rng: np.random.Generator) -> np.ndarray:
    """A Poisson stream with a step in its rate: Poisson counts, uniform times."""
    parts = [rng.uniform(a, b, rng.poisson(rate * (b - a))) for a, b, rate in ARRIVAL_STEPS]
    return np.sort(np.concatenate(parts))


def write(path: Path, header: str, values: np.ndarray, decimals: int) -> None:
    lines = [header] + [f"{v:.{decimals}f}" for v in values]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    rng = np.random.default_rng(SEED)
    write(HERE / "service_times.csv", "service_time", service_times(rng), 6)
    write(HERE / "arrivals.csv", "timestamp", arrival_times(rng), 6)


if __name__ == "__main__":
    main()
