"""Peer: igraph, kernel 1 only: one Dijkstra per category from a virtual super-source joined
to every facility of the category by a zero-length edge (the other categories' joins get a
length no path can use).

    /usr/bin/python3 bench/peers/igraph_peer.py nearest GRAPH_DIR FACILITIES OUT.npy
"""
import sys
import time

import igraph
import numpy as np

from common import REPEAT, best_of, load_facilities, load_graph, report

UNUSABLE = 1e12  # longer than any walk


def main(kernel, graph_dir, fac_path, out_path):
    assert kernel == "nearest", "igraph peer runs kernel 1 only"
    n, a, b, w = load_graph(graph_dir)
    cats = load_facilities(fac_path)
    t0 = time.perf_counter()
    super_src = n
    join_u = np.concatenate([src for _, _, src in cats])
    g = igraph.Graph(n=n + 1, edges=np.column_stack([np.concatenate([a, np.full(len(join_u), super_src)]),
                                                     np.concatenate([b, join_u])]).tolist(), directed=False)
    build_s = time.perf_counter() - t0

    def compute():
        out = np.empty((len(cats), n))
        first = len(a)
        for i, (_, _, src) in enumerate(cats):
            weights = np.concatenate([w, np.full(len(join_u), UNUSABLE)])
            weights[first:first + len(src)] = 0.0
            d = g.distances(source=[super_src], weights=weights.tolist())[0]
            out[i] = d[:n]
            first += len(src)
        return out

    compute_s, out = best_of(REPEAT, compute)
    out[out >= UNUSABLE] = np.inf
    np.save(out_path, out)
    report("igraph", kernel, compute_s, build_s=round(build_s, 4), version=igraph.__version__)


if __name__ == "__main__":
    main(*sys.argv[1:5])
