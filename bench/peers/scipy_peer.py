"""Peer: scipy.sparse.csgraph.dijkstra (kernel 1: min_only over the facilities; kernel 2:
bounded rows per facility, in chunks).

    /usr/bin/python3 bench/peers/scipy_peer.py nearest GRAPH_DIR FACILITIES OUT.npy
"""
import sys
import time

import numpy as np
import scipy
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from common import REPEAT, best_of, RADIUS_SLACK_M, load_facilities, load_graph, report


def main(kernel, graph_dir, fac_path, out_path):
    n, a, b, w = load_graph(graph_dir)
    cats = load_facilities(fac_path)
    t0 = time.perf_counter()
    m = csr_matrix((np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n))
    build_s = time.perf_counter() - t0

    def compute():
        if kernel == "nearest":
            out = np.empty((len(cats), n))
            for i, (_, _, src) in enumerate(cats):
                out[i] = dijkstra(m, directed=True, indices=src, min_only=True)
        else:
            out = np.zeros((len(cats), n), dtype=np.uint32)
            chunk = max(1, 25_000_000 // max(n, 1))
            for i, (_, radius, src) in enumerate(cats):
                for s in range(0, len(src), chunk):
                    d = dijkstra(m, directed=True, indices=src[s:s + chunk], limit=radius + RADIUS_SLACK_M)
                    out[i] += np.isfinite(d).sum(axis=0, dtype=np.uint32)
        return out

    compute_s, out = best_of(REPEAT, compute)
    np.save(out_path, out)
    report("scipy", kernel, compute_s, build_s=round(build_s, 4), version=scipy.__version__)


if __name__ == "__main__":
    main(*sys.argv[1:5])
