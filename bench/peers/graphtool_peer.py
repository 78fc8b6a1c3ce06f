"""Peer: graph-tool, kernel 1 only: shortest_distance from a virtual super-source joined to
every facility of the category by a zero-length edge (other categories' joins unusable).

    /usr/bin/python3 bench/peers/graphtool_peer.py nearest GRAPH_DIR FACILITIES OUT.npy
"""
import sys
import time

import graph_tool
import graph_tool.topology as gtt
import numpy as np

from common import REPEAT, best_of, load_facilities, load_graph, report

UNUSABLE = 1e12


def main(kernel, graph_dir, fac_path, out_path):
    assert kernel == "nearest", "graph-tool peer runs kernel 1 only"
    n, a, b, w = load_graph(graph_dir)
    cats = load_facilities(fac_path)
    t0 = time.perf_counter()
    join_u = np.concatenate([src for _, _, src in cats])
    g = graph_tool.Graph(directed=False)
    g.add_vertex(n + 1)
    weight = g.new_edge_property("double")
    edges = np.column_stack([np.concatenate([a, np.full(len(join_u), n)]), np.concatenate([b, join_u]),
                             np.concatenate([w, np.full(len(join_u), UNUSABLE)])])
    g.add_edge_list(edges, eprops=[weight])
    build_s = time.perf_counter() - t0

    def compute():
        out = np.empty((len(cats), n))
        first = len(a)
        for i, (_, _, src) in enumerate(cats):
            weight.a[len(a):] = UNUSABLE
            weight.a[first:first + len(src)] = 0.0
            d = gtt.shortest_distance(g, source=g.vertex(n), weights=weight)
            out[i] = d.a[:n]
            first += len(src)
        return out

    compute_s, out = best_of(REPEAT, compute)
    out[out >= UNUSABLE] = np.inf
    np.save(out_path, out)
    report("graph-tool", kernel, compute_s, build_s=round(build_s, 4), version=graph_tool.__version__.split()[0])


if __name__ == "__main__":
    main(*sys.argv[1:5])
