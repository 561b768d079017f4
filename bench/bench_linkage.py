"""Benchmark: link N victim records from three sources end to end (not run in CI).

Generates a synthetic country (``--areas`` municipalities in groups of 10 per district, five
years) where each true death is recorded by the police (p = 0.9), forensic medicine (0.8) and
the media (0.4, with 5% duplicate reports), with the demo's names and errors: transliteration
variants and native script for Cyrillic and Arabic names, typos, swapped name order, dropped
second surnames, missing and shifted ages, dates shifted by 1–3 days, neighbouring areas. Then
runs :func:`salus.analytics.reconcile.linkage.run_job` — preparation, Splink training and
prediction on
DuckDB, constrained clustering, reconciled table with MSE per district, review queue — and
prints the time of each stage and pairwise precision/recall/F1 against the truth.

    .venv/bin/python bench/bench_linkage.py                  # 1,000,000 records
    .venv/bin/python bench/bench_linkage.py --records 200000
    /usr/bin/time -v .venv/bin/python bench/bench_linkage.py  # peak memory ("Maximum resident")
    .venv/bin/python bench/bench_linkage.py --engine spark --records 100000

Target on the 2-core machine: < 2 min end to end, peak memory < 4 GB. At the end the peak
resident memory of this process and of its child processes (the Spark JVM) is printed from
``/proc/*/status`` (``VmHWM``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from salus.analytics.reconcile.linkage import JobOptions, cluster_quality, run_job
from salus.analytics.reconcile.linkage.engine import TrainingOptions
from salus.demo import names as pools

SOURCES = (("police", 0.9), ("forensic", 0.8), ("media", 0.4))
FIRST_DAY = np.datetime64("2020-01-01")
DAYS = 5 * 365


def _people(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """True victims: name variants per source kind, sex, age, date, municipality."""
    female = rng.random(n) < 0.15
    script = rng.choice(3, size=n, p=[0.8, 0.1, 0.1])
    given = np.empty((n, 4), dtype=object)
    family = np.empty((n, 4), dtype=object)
    latin = script == 0
    first = np.where(female, rng.choice(pools.FEMALE_GIVEN, n), rng.choice(pools.MALE_GIVEN, n))
    surnames = np.char.add(np.char.add(rng.choice(pools.FAMILY, n).astype(str), " "),
                           rng.choice(pools.FAMILY, n).astype(str))
    for k in range(4):
        given[latin, k] = first[latin]
        family[latin, k] = surnames[latin]
    for code, men, women, surnames in ((1, pools.CYRILLIC_MALE, pools.CYRILLIC_FEMALE,
                                        pools.CYRILLIC_FAMILY),
                                       (2, pools.ARABIC_MALE, pools.ARABIC_FEMALE,
                                        pools.ARABIC_FAMILY)):
        rows = np.flatnonzero(script == code)
        for i in rows:
            pool = women if female[i] else men
            given[i] = pool[rng.integers(len(pool))]
            family[i] = surnames[rng.integers(len(surnames))]
    return pd.DataFrame({
        "person": np.arange(n), "female": female, "given": list(given), "family": list(family),
        "age": rng.integers(12, 80, n), "day": rng.integers(0, DAYS, n),
    })


def _records(rng: np.random.Generator, people: pd.DataFrame, areas: int) -> pd.DataFrame:
    frames = []
    area = rng.integers(0, areas, len(people))
    for kind, (source, p) in enumerate(SOURCES):
        seen = rng.random(len(people)) < p
        if source == "media":
            seen_idx = np.flatnonzero(seen)
            seen_idx = np.concatenate([seen_idx, rng.choice(seen_idx, len(seen_idx) // 20)])
        else:
            seen_idx = np.flatnonzero(seen)
        frames.append(_one_source(rng, people.iloc[seen_idx], area[seen_idx], source,
                                  kind + 1, areas))
    out = pd.concat(frames, ignore_index=True)
    out["record_id"] = out["source"] + "-" + pd.Series(np.arange(len(out))).astype(str)
    return out


def _one_source(rng: np.random.Generator, people: pd.DataFrame, area: np.ndarray, source: str,
                variant: int, areas: int) -> pd.DataFrame:
    n = len(people)
    native = rng.random(n) < (0.3 if source == "media" else 0.0)
    which = np.where(native, 0, variant)
    given = [g[w] for g, w in zip(people["given"], which, strict=True)]
    family = [f[w] for f, w in zip(people["family"], which, strict=True)]
    given, family = _errors(rng, given, family)
    shift = np.where(rng.random(n) < 0.1, rng.integers(-3, 4, n), 0)
    wrong = rng.random(n) < 0.03
    area = np.where(wrong, np.clip(area + rng.choice([-1, 1], n), 0, areas - 1), area)
    age = people["age"].to_numpy() + np.where(rng.random(n) < 0.1, rng.integers(-2, 3, n), 0)
    return pd.DataFrame({
        "source": source, "person": people["person"].to_numpy(),
        "given_name": given, "family_name": family,
        "sex": np.where(people["female"], "female", "male"),
        "age": pd.Series(age).where(rng.random(n) >= 0.2).astype("Int64").to_numpy(),
        "occurred_on": FIRST_DAY + (people["day"].to_numpy() + shift).astype("timedelta64[D]"),
        "area_code": [f"M{a:05d}" for a in area], "parent_code": [f"D{a // 10:04d}" for a in area],
        "weapon": rng.choice(["firearm", "knife", "blunt"], n, p=[0.7, 0.2, 0.1]),
    })


def _errors(rng: np.random.Generator, given: list[str], family: list[str]
            ) -> tuple[list[str], list[str]]:
    n = len(given)
    u = rng.random((n, 3))
    for i in np.flatnonzero(u[:, 0] < 0.05):
        if rng.random() < 0.5:
            given[i] = pools.typo(given[i], rng)
        else:
            family[i] = pools.typo(family[i], rng)
    for i in np.flatnonzero(u[:, 1] < 0.1):
        family[i] = family[i].split(" ")[0]
    for i in np.flatnonzero(u[:, 2] < 0.03):
        given[i], family[i] = family[i], given[i]
    return given, family


def _neighbours(codes: pd.Series) -> pd.Series:
    number = codes.str[1:].astype(int)
    lists = {c: [f"M{k - 1:05d}", f"M{k + 1:05d}"] for c, k in zip(codes.unique(),
             number.unique(), strict=True)}
    return codes.map(lists)


def _peak_kib(pid: int) -> int:
    """Peak resident memory of a process (``VmHWM``), in KiB; 0 when it cannot be read."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _print_memory() -> None:
    me = os.getpid()
    children = [(c, _peak_kib(c)) for c in _children(me)]
    print(f"peak resident memory: this process {_peak_kib(me) / 2**20:.2f} GiB"
          + "".join(f", child {c} {k / 2**20:.2f} GiB" for c, k in children if k))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--areas", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=20241123)
    parser.add_argument("--engine", choices=("duckdb", "spark"), default="duckdb")
    parser.add_argument("--spark-memory", default="2g", help="Spark driver memory")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    start = time.perf_counter()
    people = _people(rng, int(args.records / 2.12))
    records = _records(rng, people, args.areas)
    records["neighbours"] = _neighbours(records["area_code"])
    records["period"] = pd.to_datetime(records["occurred_on"]).dt.year.astype(str)
    records["area"] = "R" + (records["parent_code"].str[1:].astype(int) // 10).astype(str)
    generated = time.perf_counter()
    print(f"generated {len(records):,} records of {len(people):,} people "
          f"in {generated - start:.1f} s")
    options = JobOptions(training=TrainingOptions(
        max_pairs_for_u=1e6, engine=args.engine, spark_memory=args.spark_memory))
    result = run_job(records.drop(columns=["person"]), [s for s, _ in SOURCES], None, options)
    done = time.perf_counter()
    truth = records.set_index("record_id")["person"]
    clusters = result.clusters.set_index("record_id")["cluster_id"]
    quality = cluster_quality(clusters, truth.reindex(clusters.index))
    total = result.table.to_frame().iloc[-1]
    print(f"[{args.engine}] linked end to end in {done - generated:.1f} s: "
          f"{len(result.run.pairs):,} scored pairs, {clusters.nunique():,} victims "
          f"(truth {truth.nunique():,}), "
          f"{len(result.queue):,} pairs to review")
    print(f"pairwise precision {quality.precision:.4f} recall {quality.recall:.4f} "
          f"F1 {quality.f1:.4f}")
    print(f"MSE total {total['estimate']:,.0f} [{total['lower']:,.0f}, {total['upper']:,.0f}] "
          f"({total['model']}); people {len(people):,}")
    _print_memory()


if __name__ == "__main__":
    main()
