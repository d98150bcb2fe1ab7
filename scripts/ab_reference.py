#!/usr/bin/env python3
"""Checks `vitrine ab analyze` against scipy and statsmodels on random experiments.

Each case draws a random experiment (2 or 3 arms, a few dozen to a few thousand visitors
per arm, random conversion rates, lognormal order values, repeat purchases, pre-period
purchases, crossovers and unexposed buyers, exposures spread over several UTC days),
writes it as an event log (docs/FORMATS.md, "Events"), runs
`vitrine ab analyze <log> --format json --cuped`, and compares, per treatment arm:

- the two-proportion z and p with statsmodels `proportions_ztest` (pooled),
- the difference interval with `confint_proportions_2indep(method="wald")`,
- the relative-uplift interval with `confint_proportions_2indep(compare="ratio", method="log")`,
- Welch's t, df, p and interval on revenue per visitor with `scipy.stats.ttest_ind(equal_var=False)`,
- the sample-ratio chi-square and p with `scipy.stats.chisquare`,
- CUPED (θ from numpy's pooled covariance, then scipy's Welch on the adjusted values),
- every day's fixed-horizon p, and the mSPRT's always-valid p and interval, recomputed
  here from the published formula on the day-by-day counts (no library has an mSPRT);

all to a relative 1e-6 (they agree far closer; the largest differences are printed).
The attribution is checked too: the units, conversions and revenue vitrine reports must be
the ones this script put in the log. Exit status 1 on any mismatch.

Usage: scripts/ab_reference.py [--vitrine target/debug/vitrine] [--cases 40] [--seed 1]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

DAY = 86_400_000
DAY0 = 1_700_006_400_000  # 2023-11-15T00:00:00Z
REL = 1e-6


class Checker:
    """Collects comparisons; remembers the worst relative difference per quantity."""

    def __init__(self):
        self.worst = {}
        self.failures = []
        self.count = 0

    def close(self, what, got, want, case):
        self.count += 1
        if want is None or (isinstance(want, float) and not math.isfinite(want)):
            if got is not None:
                self.failures.append(f"case {case}: {what}: got {got}, want null")
            return
        if got is None:
            self.failures.append(f"case {case}: {what}: got null, want {want}")
            return
        scale = max(abs(want), 1e-300)
        rel = abs(got - want) / scale
        if abs(want) < 1e-12:  # a value at zero has no relative precision
            rel = abs(got - want)
        self.worst[what] = max(self.worst.get(what, 0.0), rel)
        if rel > REL:
            self.failures.append(f"case {case}: {what}: got {got!r}, want {want!r} (relative {rel:.2e})")

    def equal(self, what, got, want, case):
        self.count += 1
        if got != want:
            self.failures.append(f"case {case}: {what}: got {got!r}, want {want!r}")


def exposure(at, visitor, variant):
    return {"type": "exposure", "at": at, "visitorId": visitor, "experiment": "ref", "variant": variant,
            "bundleVersion": "b-ref", "stockEpoch": 1, "profileVersion": None, "items": ["p1", "p2"]}


def conversion(at, visitor, value):
    return {"type": "conversion", "at": at, "visitorId": visitor, "value": value, "items": ["p1"]}


def draw_case(rng, case):
    """A random experiment: the event lines and the truth per unit."""
    arms = 2 if case % 3 else 3
    days = int(rng.integers(1, 8))
    base = rng.uniform(0.02, 0.5)
    # Some cases with a large effect, for p-values far in the tail.
    lift = rng.uniform(-0.3, 0.3) if case % 5 else rng.uniform(1.0, 3.0)
    events, units = [], []
    for arm in range(arms):
        n = int(rng.integers(20, 3000))
        rate = min(0.95, base * (1 + lift * (arm > 0)))
        mu = rng.uniform(6.0, 9.0)
        for i in range(n):
            visitor = f"a{arm}-{i}"
            first = DAY0 + int(rng.integers(0, days)) * DAY + int(rng.integers(0, DAY))
            events.append(exposure(first, visitor, arm))
            if rng.random() < 0.2:  # a repeat exposure, same variant, later
                events.append(exposure(first + int(rng.integers(1, DAY)), visitor, arm))
            pre = 0.0
            if rng.random() < 0.3:  # a purchase before the first exposure: CUPED's covariate
                pre = float(np.round(rng.lognormal(mu, 1.0)))
                events.append(conversion(first - int(rng.integers(1, 5 * DAY)), visitor, pre))
            convs = []
            # Buyers with a pre-period purchase buy more often: the covariate predicts.
            if rng.random() < min(0.99, rate * (1.8 if pre > 0 else 1.0)):
                for _ in range(1 if rng.random() < 0.8 else int(rng.integers(2, 4))):
                    at = first + int(rng.integers(0, 3 * DAY))
                    value = float(np.round(rng.lognormal(mu, 1.2))) if rng.random() < 0.9 else float(rng.uniform(0, 5000))
                    events.append(conversion(at, visitor, value))
                    convs.append((at, value))
            units.append({"arm": arm, "first": first, "convs": convs, "pre": pre})
    # Noise the rules must set aside: crossovers (and their purchases), unexposed buyers.
    for j in range(int(rng.integers(0, 20))):
        v = f"cross-{j}"
        events.append(exposure(DAY0 + j, v, 0))
        events.append(exposure(DAY0 + j + 1, v, 1))
        events.append(conversion(DAY0 + j + 2, v, 1234.0))
    for j in range(int(rng.integers(0, 20))):
        events.append(conversion(DAY0 + j, f"ghost-{j}", 99.0))
    order = rng.permutation(len(events))  # logs arrive out of order
    weights = None
    if arms == 2 and case % 4 == 1:
        weights = [0.4, 0.6]
    return [events[k] for k in order], units, arms, weights


def msprt_reference(days_counts, tau, alpha):
    """The mSPRT on ln(p1/p0), as docs/FORMATS.md states it, over cumulative daily counts."""
    p_run, lo, hi = 1.0, -math.inf, math.inf
    for (n0, x0, n1, x1) in days_counts:
        if n0 == 0 or n1 == 0 or x0 == 0 or x1 == 0:
            continue
        p0, p1 = x0 / n0, x1 / n1
        v = (1 - p1) / x1 + (1 - p0) / x0
        if not (v > 0):
            continue
        theta = math.log(p1 / p0)
        t2 = tau * tau
        ln_lambda = 0.5 * math.log(v / (v + t2)) + t2 * theta * theta / (2 * v * (v + t2))
        p_run = min(p_run, math.exp(-ln_lambda))
        h = math.sqrt(2 * v * (v + t2) / t2 * (math.log(1 / alpha) + 0.5 * math.log((v + t2) / v)))
        lo, hi = max(lo, theta - h), min(hi, theta + h)
    ci = [math.expm1(lo) if math.isfinite(lo) else None, math.expm1(hi) if math.isfinite(hi) else None]
    return p_run, ci


def check_case(vitrine, rng, case, chk, tmp):
    events, units, arms, weights = draw_case(rng, case)
    alpha = [0.05, 0.1, 0.01][case % 3]
    tau = [0.05, 0.2][case % 2]
    path = os.path.join(tmp, f"case{case}.jsonl")
    with open(path, "w") as f:
        for e in events:
            f.write(json.dumps(e) + "\n")
    cmd = [vitrine, "ab", "analyze", path, "--format", "json", "--cuped", "--alpha", str(alpha), "--tau", str(tau)]
    if weights:
        cmd += ["--weights", ",".join(map(str, weights))]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        chk.failures.append(f"case {case}: vitrine failed: {out.stderr.strip()}")
        return
    a = json.loads(out.stdout)

    n = [sum(1 for u in units if u["arm"] == k) for k in range(arms)]
    conv = [np.array([1.0 if u["convs"] else 0.0 for u in units if u["arm"] == k]) for k in range(arms)]
    rev = [np.array([sum(v for _, v in u["convs"]) for u in units if u["arm"] == k]) for k in range(arms)]
    pre = [np.array([u["pre"] for u in units if u["arm"] == k]) for k in range(arms)]
    x = [int(c.sum()) for c in conv]
    for k in range(arms):
        chk.equal("units", a["variants"][k]["units"], n[k], case)
        chk.equal("conversions", a["variants"][k]["conversions"], x[k], case)
        chk.close("revenue per visitor", a["variants"][k]["revenuePerVisitor"], float(rev[k].mean()), case)

    shares = np.array(weights if weights else [1.0] * arms)
    expected = np.array(n).sum() * shares / shares.sum()
    chi = stats.chisquare(n, expected)
    chk.close("srm chi-square", a["srm"]["chiSquare"], float(chi.statistic), case)
    chk.close("srm p", a["srm"]["p"], float(chi.pvalue), case)

    # CUPED: θ from all units pooled, per metric.
    all_pre = np.concatenate(pre)
    adjusted = {}
    for metric, ys in (("conversion", conv), ("revenue", rev)):
        y = np.concatenate(ys)
        theta = np.cov(all_pre, y, ddof=1)[0, 1] / np.var(all_pre, ddof=1)
        chk.close(f"cuped theta ({metric})", a["cuped"][metric]["theta"], float(theta), case)
        adjusted[metric] = [ys[k] - theta * (pre[k] - all_pre.mean()) for k in range(arms)]

    # Day-by-day counts: a unit enters on its first exposure's day, converts on its first
    # counted purchase's day.
    days = sorted({u["first"] // DAY for u in units} | {min(t for t, _ in u["convs"]) // DAY for u in units if u["convs"]})
    chk.equal("days", len(a["daily"]), len(days), case)

    z_crit = stats.norm.ppf(1 - alpha / 2)
    for k in range(1, arms):
        c = a["comparisons"][k - 1]
        z, p = proportions_ztest([x[k], x[0]], [n[k], n[0]])
        chk.close("z", c["conversion"]["z"], float(z), case)
        chk.close("z-test p", c["conversion"]["p"], float(p), case)
        lo, hi = confint_proportions_2indep(x[k], n[k], x[0], n[0], method="wald", compare="diff", alpha=alpha)
        chk.close("difference ci low", c["conversion"]["differenceCi"][0], float(lo), case)
        chk.close("difference ci high", c["conversion"]["differenceCi"][1], float(hi), case)
        if x[k] > 0 and x[0] > 0:
            lo, hi = confint_proportions_2indep(x[k], n[k], x[0], n[0], method="log", compare="ratio", alpha=alpha)
            chk.close("relative ci low", c["conversion"]["relativeCi"][0], float(lo) - 1, case)
            chk.close("relative ci high", c["conversion"]["relativeCi"][1], float(hi) - 1, case)

        for name, got, ys in (("welch", c["revenue"], rev), ("cuped conversion", c["cuped"]["conversion"], adjusted["conversion"]),
                              ("cuped revenue", c["cuped"]["revenue"], adjusted["revenue"])):
            t = stats.ttest_ind(ys[k], ys[0], equal_var=False)
            ci = t.confidence_interval(1 - alpha)
            chk.close(f"{name} t", got["t"], float(t.statistic), case)
            chk.close(f"{name} df", got["df"], float(t.df), case)
            chk.close(f"{name} p", got["p"], float(t.pvalue), case)
            chk.close(f"{name} ci low", got["differenceCi"][0], float(ci.low), case)
            chk.close(f"{name} ci high", got["differenceCi"][1], float(ci.high), case)
        # Revenue's relative interval: the delta method on ln(mean ratio), by hand.
        m0, m1 = rev[0].mean(), rev[k].mean()
        v = rev[k].var(ddof=1) / (n[k] * m1 * m1) + rev[0].var(ddof=1) / (n[0] * m0 * m0)
        chk.close("revenue relative ci low", c["revenue"]["relativeCi"][0], math.expm1(math.log(m1 / m0) - z_crit * math.sqrt(v)), case)
        chk.close("revenue relative ci high", c["revenue"]["relativeCi"][1], math.expm1(math.log(m1 / m0) + z_crit * math.sqrt(v)), case)

        counts = []
        for i, d in enumerate(days):
            end = (d + 1) * DAY
            n0 = sum(1 for u in units if u["arm"] == 0 and u["first"] < end)
            n1 = sum(1 for u in units if u["arm"] == k and u["first"] < end)
            x0 = sum(1 for u in units if u["arm"] == 0 and u["convs"] and min(t for t, _ in u["convs"]) < end)
            x1 = sum(1 for u in units if u["arm"] == k and u["convs"] and min(t for t, _ in u["convs"]) < end)
            counts.append((n0, x0, n1, x1))
            day = a["daily"][i]
            chk.equal("daily units", (day["units"][0], day["units"][k]), (n0, n1), case)
            chk.equal("daily conversions", (day["conversions"][0], day["conversions"][k]), (x0, x1), case)
            if n0 and n1 and (x0 + x1) and (x0 + x1) < (n0 + n1):
                _, dp = proportions_ztest([x1, x0], [n1, n0])
                chk.close("daily p", day["comparisons"][k - 1]["p"], float(dp), case)
        p_seq, ci_seq = msprt_reference(counts, tau, alpha)
        s = c["sequential"]
        chk.equal("sequential looks", s["looks"], len(days), case)
        chk.close("sequential p", s["p"], p_seq, case)
        chk.close("sequential ci low", s["relativeCi"][0], ci_seq[0], case)
        chk.close("sequential ci high", s["relativeCi"][1], ci_seq[1], case)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vitrine", default=os.path.join(os.path.dirname(__file__), "..", "target", "debug", "vitrine"))
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    chk = Checker()
    with tempfile.TemporaryDirectory(prefix="vitrine-ab-ref-") as tmp:
        for case in range(args.cases):
            check_case(args.vitrine, rng, case, chk, tmp)
    for what, rel in sorted(chk.worst.items()):
        print(f"  {what:<28} largest relative difference {rel:.1e}")
    if chk.failures:
        print(f"{len(chk.failures)} of {chk.count} comparisons differ:", file=sys.stderr)
        for f in chk.failures[:40]:
            print("  " + f, file=sys.stderr)
        sys.exit(1)
    print(f"ab reference: {chk.count} comparisons on {args.cases} random experiments agree with scipy/statsmodels to {REL:g}")


if __name__ == "__main__":
    main()
