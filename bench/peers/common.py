"""Shared by the peer benchmarks: read the graph CSV and the facilities, write answers.

Loading is not timed; each peer times only its computation (time.perf_counter around it),
the fastest of REPEAT runs (environment variable, default 1), as lc15_kernel --repeat does.
Answers: kernel "nearest" -> float64 metres [category][vertex row] (inf: unreachable);
kernel "count" -> uint32 [category][vertex row]. Saved with numpy.save.
"""
import csv
import json
import os
import sys
import time

import numpy as np


def dedupe_edges(u, v, w):
    """Undirected edges without loops; of parallel edges only the shortest (a sparse matrix
    would otherwise add parallel lengths up)."""
    keep = u != v
    u, v, w = u[keep], v[keep], w[keep]
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first = np.ones(len(a), dtype=bool)
    first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    return a[first], b[first], w[first]


def best_of(repeat, compute):
    """Runs compute() `repeat` times; returns (fastest seconds, last result)."""
    best, result = float("inf"), None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        result = compute()
        best = min(best, time.perf_counter() - t0)
    return best, result


def load_graph(graph_dir):
    """Vertex count and the undirected edges as arrays (u, v, length_m).

    Parallel edges keep their shortest length and loops are dropped: a sparse matrix would
    otherwise add parallel lengths up.
    """
    with open(f"{graph_dir}/vertices.csv") as f:
        n = sum(1 for _ in f) - 1
    e = np.loadtxt(f"{graph_dir}/edges.csv", delimiter=",", skiprows=1, usecols=(1, 2, 3),
                   dtype=np.float64, ndmin=2)
    u = e[:, 0].astype(np.int64)
    v = e[:, 1].astype(np.int64)
    w = e[:, 2]
    return (n, *dedupe_edges(u, v, w))


def load_facilities(path):
    """[(category, radius_m, np.array of vertex rows)] in file order."""
    cats = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            c = cats.setdefault(row["category"], (float(row["radius_m"]), []))
            c[1].append(int(row["vertex"]))
    return [(k, r, np.array(sorted(set(v)), dtype=np.int64)) for k, (r, v) in cats.items()]


def report(tool, kernel, compute_s, **extra):
    print(json.dumps({"tool": tool, "kernel": kernel, "compute_s": round(compute_s, 4), **extra}))
    sys.stdout.flush()


# Distances are sums of centimetre lengths in binary floating point; half a centimetre of
# slack on the radius keeps a vertex lying exactly on it inside, as lc15's integer test does.
RADIUS_SLACK_M = 0.005

REPEAT = int(os.environ.get("REPEAT", "1"))
