"""Text and JSON for ``asyncsim fit``: the ranked table, the arrival report, the snippet."""

from __future__ import annotations

import json
import math

import yaml

from sim.cli.format import fmt

__all__ = ["fits_report", "arrivals_report", "to_json", "yaml_snippet"]


def _num(value, digits: int) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "-inf" if value < 0 else "inf"
    return fmt(value, digits)


def _params(params: dict) -> str:
    def one(value) -> str:
        if isinstance(value, list):
            return "[" + ", ".join(fmt(float(v)) for v in value) + "]"
        return fmt(float(value)) if not isinstance(value, int) else str(value)
    return " ".join(f"{k}={one(v)}" for k, v in params.items())


def fits_table(fits) -> list[str]:
    """One line per fit, best first: distribution, parameters, log-lik, AIC, dAIC, KS."""
    best = fits[0]["aic"]
    params = [_params(row["params"]) for row in fits]
    width = max(len("parameters"), *map(len, params)) + 2
    lines = [f"{'rank':>4}  {'distribution':<17}{'parameters':<{width}}{'log-lik':>11}"
             f"{'AIC':>11}{'dAIC':>9}{'KS':>8}"]
    for i, row in enumerate(fits, 1):
        delta = row["aic"] - best if math.isfinite(row["aic"]) else 0.0
        lines.append(f"{i:>4}  {row['dist']:<17}{params[i - 1]:<{width}}"
                     f"{_num(row['loglik'], 6):>11}{_num(row['aic'], 6):>11}"
                     f"{fmt(delta, 3):>9}{fmt(row['ks'], 3):>8}")
    for name, why in fits.skipped.items():
        if name != "deterministic":
            lines.append(f"      skipped {name}: {why}")
    return lines


def _flow(value) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=1000)
    return text.removesuffix("\n...\n").strip()


def yaml_snippet(keys: dict) -> str:
    """The node keys as YAML lines (``service: {dist: lognormal, ...}``) to paste."""
    return "\n".join(f"{k}: {_flow(v)}" for k, v in keys.items())


def fits_report(source: str, summary: dict, fits, keys: dict) -> str:
    """The whole ``fit`` output for service or interarrival times."""
    head = (f"{source}: {summary['n']} samples, mean {fmt(summary['mean'])} s, "
            f"cv {fmt(summary['cv'])}, min {fmt(summary['min'])}, p50 {fmt(summary['p50'])}, "
            f"p99 {fmt(summary['p99'])}, max {fmt(summary['max'])}")
    return "\n".join([head, "", *fits_table(fits), "",
                      "best by AIC (paste under the node, or use --into MODEL --node NAME):",
                      yaml_snippet(keys)])


def _rates(windows: list[dict], per_line: int = 10) -> list[str]:
    width = windows[0]["end"] - windows[0]["start"]
    lines = [f"rate over time (1/s), {len(windows)} windows of {fmt(width)} s, "
             f"from each line's start time (s):"]
    for i in range(0, len(windows), per_line):
        chunk = windows[i:i + per_line]
        lines.append(f"{fmt(chunk[0]['start']):>10}  " +
                     " ".join(f"{fmt(w['rate'], 3):>6}" for w in chunk))
    return lines


def arrivals_report(source: str, report: dict) -> str:
    """The whole ``fit --kind arrivals`` output."""
    test = report["test"]
    verdict = "yes" if report["stationary"] else "no"
    sign = ">=" if report["stationary"] else "<"
    scaled = (f", X2 divided by the local SCV {fmt(test['scaled_by_scv'], 3)}"
              if test["scaled_by_scv"] > 1 else "")
    lines = [
        f"{source}: {report['n']} arrivals over {fmt(report['span'])} s, "
        f"mean rate {fmt(report['mean_rate'])}/s", "", *_rates(report["windows"]), "",
        f"stationary: {verdict} ({test['name']}: X2 = {fmt(test['statistic'])} on "
        f"{test['df']} df{scaled}; p = {fmt(test['p_value'], 3)} {sign} {test['alpha']})",
        f"burstiness: interarrival SCV {fmt(report['scv'], 3)} "
        f"({fmt(report['scv_local'], 3)} within windows; 1 is Poisson, > 1 bursty)",
        f"profile: base rate {fmt(report['base_rate'])}/s times "
        + ", ".join(f"{fmt(m, 3)} from {fmt(t)} s" for t, m in report["profile"]),
        "", "interarrival times (in operational time, the profile divided out):",
        *fits_table(report["interarrival"]), "",
        "sender keys (paste under the sender, or use --into MODEL --node NAME):",
        yaml_snippet(report["snippet"]),
    ]
    return "\n".join(lines)


def _plain(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "distribution"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return _plain(value.item())
    return value


def to_json(source: str, kind: str, report: dict, fits, keys: dict) -> str:
    """Everything as JSON (infinite log-likelihoods of a constant as null)."""
    body = {"source": source, "kind": kind, "fits": _plain(list(fits)),
            "skipped": dict(fits.skipped), "best": _plain(keys)}
    if kind == "arrivals":
        body["arrivals"] = _plain({k: v for k, v in report.items()
                                   if k not in ("interarrival", "snippet")})
    else:
        body["summary"] = _plain(report)
    return json.dumps(body, indent=2)
