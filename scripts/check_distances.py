#!/usr/bin/python3
"""Recompute one category's walking distances from lc15's outputs alone, with scipy.

    lc15 graph export city.osm.pbf -o graph/         # edges.csv (+ vertices, edge_shapes)
    lc15 coverage --config city.toml --out run/      # run/coverage.gpkg
    scripts/check_distances.py --graph graph --gpkg run/coverage.gpkg --category park

Reads only edges.csv (ids, ends, length in cm, flags) and two layers of coverage.gpkg (a
SQLite file): `entrances` (the snapped edge, offsets and access leg of every entrance of every
facility) and `homes` (the same for every home, and lc15's distance <category>_cm). Builds the
walking graph with scipy.sparse, adds one source node joined to both ends of every entrance of
the category's used facilities (offset + access leg), runs one Dijkstra from it, and for every
home takes min(tail + off_tail, head + off_head, along a shared edge) + its access leg. Every
figure is an integer number of centimetres held exactly in float64, so agreement is exact, not
within a tolerance.

Exit status 0 when every home agrees (reached and unreached alike), 1 otherwise (the first
disagreements are printed), 2 on bad input. --forbidden FLAGS: edge flag bits never walked
(default 16 = closed; 17 for the barrier-free profile, which also avoids steps).
--no-access-legs when the config has access_legs = false.
"""
import argparse
import csv
import sqlite3
import sys

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

# Source edges carry this many extra centimetres so that a zero offset is still an edge
# weight > 0 (csgraph keeps explicit zeros, but this does not depend on it); taken off again.
LIFT = 10**9


def read_edges(path):
    edges = []
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        for row in r:
            edges.append((int(row["id"]), int(row["source"]), int(row["target"]),
                          round(float(row["length_m"]) * 100), int(row["flags"])))
    edges.sort()
    for i, e in enumerate(edges):
        if e[0] != i:
            raise ValueError(f"{path}: edge ids are not 0..n-1 (row for id {e[0]})")
    return edges


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--graph", required=True, help="folder of lc15 graph export (edges.csv)")
    ap.add_argument("--gpkg", required=True, help="coverage.gpkg of lc15 coverage")
    ap.add_argument("--category", required=True, help="category id, e.g. park")
    ap.add_argument("--forbidden", type=int, default=16, help="edge flag bits never walked")
    ap.add_argument("--no-access-legs", action="store_true")
    a = ap.parse_args()
    legs = not a.no_access_legs

    try:
        edges = read_edges(f"{a.graph}/edges.csv")
        db = sqlite3.connect(f"file:{a.gpkg}?mode=ro", uri=True)
        ents = db.execute(
            "SELECT snap_edge, snap_off_tail_cm, snap_off_head_cm, access_cm FROM entrances "
            "WHERE category = ? AND status = 'used' AND snap_edge IS NOT NULL",
            (a.category,)).fetchall()
        col = f'"{a.category}_cm"'
        homes = db.execute(
            f"SELECT fid, snap_edge, snap_off_tail_cm, access_cm, {col} FROM homes "
            "ORDER BY fid").fetchall()
    except (OSError, ValueError, KeyError, sqlite3.Error) as e:
        print(f"check_distances: {e}", file=sys.stderr)
        return 2

    n = 1 + max((max(e[1], e[2]) for e in edges), default=-1)
    src = n  # the added source node
    weight = {}

    def link(u, v, w):
        if weight.get((u, v), float("inf")) > w:
            weight[(u, v)] = w

    usable = [not (e[4] & a.forbidden) for e in edges]
    for _, s, t, cm, _ in (e for e, ok in zip(edges, usable) if ok):
        link(s, t, cm)
        link(t, s, cm)
    by_edge = {}  # entrances per edge, for homes on the same edge
    for e, off_t, off_h, acc in ents:
        if not usable[e]:
            continue
        leg = acc if legs else 0
        link(src, edges[e][1], LIFT + off_t + leg)
        link(src, edges[e][2], LIFT + off_h + leg)
        by_edge.setdefault(e, []).append((off_t, leg))
    if weight:
        rows, cols = zip(*weight.keys())
        g = csr_matrix((np.array(list(weight.values()), dtype=np.float64), (rows, cols)),
                       shape=(n + 1, n + 1))
        dist = dijkstra(g, directed=True, indices=src) - LIFT
    else:
        dist = np.full(n + 1, np.inf)

    checked = bad = 0
    for fid, e, off_t, acc, got in homes:
        want = float("inf")
        if e is not None and usable[e]:
            _, s, t, cm, _ = edges[e]
            want = min(dist[s] + off_t, dist[t] + (cm - off_t))
            for fo, fleg in by_edge.get(e, []):
                want = min(want, abs(fo - off_t) + fleg)
            if want != float("inf") and legs:
                want += acc
        checked += 1
        ok = (got is None and want == float("inf")) or (got is not None and want == got)
        if not ok:
            bad += 1
            if bad <= 10:
                print(f"home fid {fid}: lc15 {got} cm, recomputed {want} cm")
    print(f"{a.category}: {checked} homes, {len(ents)} entrances, {bad} disagree")
    return 0 if bad == 0 and checked > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
