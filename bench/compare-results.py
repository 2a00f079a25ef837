#!/usr/bin/env python3
"""Compare two results files of `wasm-compat run` cell by cell, ignoring
timings and memory figures: statuses, then every directive record's outcome
and verdict. Used to show that a harness change leaves a run's outcomes as
they were (BENCHMARKS.md):

    python3 bench/compare-results.py before.json.gz after.json.gz

Exits 1 when a status or an outcome differs. Figures that measure the
machine (`timed`, `slowdown`, `memory`, `growth`, `collector-timed`, and a
timeout's seconds) are compared by kind only, and a growth's or slowdown's
bound answer by its verdict.
"""
import gzip
import json
import sys

MEASURED = {"timed", "slowdown", "memory", "growth", "collector-timed"}


def load(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    run = json.loads(raw)
    cells = []
    for i, cell in enumerate(run["results"]):
        records = cell["directives"]
        if isinstance(records, dict):
            theirs = cells[records["like"]]["directives"]
            full = []
            for stretch in records["runs"]:
                if isinstance(stretch, dict) and set(stretch) == {"same"}:
                    full.extend(theirs[len(full):len(full) + stretch["same"]])
                else:
                    full.append(stretch)
            records = full
        cell = dict(cell, directives=records)
        cells.append(cell)
    return {(c["case"], c["engine"], c.get("second")): c for c in cells}


def outcome(record):
    actual = record["actual"]
    kind = actual.get("outcome")
    if kind in MEASURED or kind == "timeout":
        actual = kind
    else:
        actual = json.dumps(actual, sort_keys=True)
    return (record["line"], record["directive"], actual, record["verdict"])


def strip_messages(value):
    if isinstance(value, dict):
        return {k: strip_messages(v) for k, v in value.items() if k not in ("message", "stderr")}
    if isinstance(value, list):
        return [strip_messages(v) for v in value]
    return value


def main(before_path, after_path):
    before, after = load(before_path), load(after_path)
    status = records = 0
    for key in sorted(set(before) | set(after), key=str):
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            print(f"only in {'after' if a is None else 'before'}: {key}")
            status += 1
            continue
        if a["status"] != b["status"]:
            print(f"status {key}: {a['status']} -> {b['status']}")
            status += 1
        ra = [outcome(strip_messages(r)) for r in a["directives"]]
        rb = [outcome(strip_messages(r)) for r in b["directives"]]
        if ra != rb:
            records += 1
            first = next((i for i, (x, y) in enumerate(zip(ra, rb)) if x != y), min(len(ra), len(rb)))
            print(f"records {key} [{a['status']}]: first differs at {first}: "
                  f"{ra[first] if first < len(ra) else '-'} / {rb[first] if first < len(rb) else '-'}")
    print(f"{len(before)} cells before, {len(after)} after: {status} status differences, "
          f"{records} cells whose outcomes differ")
    return 1 if status or records else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
