"""Peer: PostgreSQL 15 + PostGIS + pgRouting 3.4 (kernel 1), import and query timed apart.

    /usr/bin/python3 bench/peers/pgrouting_peer.py nearest GRAPH_DIR FACILITIES OUT.npy [VARIANT]
Import = COPY of the graph CSV + geometry + indexes (pgrouting_import.sql); query =
pgr_drivingDistance per category and the answers copied out: VARIANT "nearest" (default) from
a virtual super-source (pgrouting_nearest.sql), "equicost" from all facilities with
equicost => true (pgrouting_equicost.sql). Needs bench/setup_peers (cluster running, database lc15bench).
"""
import csv
import io
import os
import subprocess
import sys
import time

import numpy as np

from common import load_facilities, report

HERE = os.path.dirname(os.path.abspath(__file__))


def psql(db, script, **variables):
    args = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", os.path.join(HERE, script)]
    for k, v in variables.items():
        args += ["-v", f"{k}={v}"]
    t0 = time.perf_counter()
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, out


def main(kernel, graph_dir, fac_path, out_path, variant="nearest", db="lc15bench"):
    assert kernel == "nearest", "pgRouting peer runs kernel 1 only"
    graph_dir = os.path.abspath(graph_dir)
    with open(f"{graph_dir}/vertices.csv") as f:
        n = sum(1 for _ in f) - 1
    cats = load_facilities(fac_path)
    import_s, _ = psql(db, "pgrouting_import.sql", graph=graph_dir, facilities=os.path.abspath(fac_path))
    query_s, text = psql(db, f"pgrouting_{variant}.sql")
    index = {name: i for i, (name, _, _) in enumerate(cats)}
    out = np.full((len(cats), n), np.inf)
    for category, vertex, dist in csv.reader(io.StringIO(text)):
        out[index[category], int(vertex)] = float(dist)
    np.save(out_path, out)
    version = subprocess.run(["psql", "-X", "-tA", "-d", db, "-c", "SELECT pgr_version()"],
                             capture_output=True, text=True).stdout.strip()
    report("pgrouting" if variant == "nearest" else "pgrouting-equicost", kernel, import_s + query_s, import_s=round(import_s, 4), query_s=round(query_s, 4),
           version=version)


if __name__ == "__main__":
    main(*sys.argv[1:6])
