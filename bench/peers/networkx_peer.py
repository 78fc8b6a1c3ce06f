"""Peer: networkx (kernel 1: multi_source_dijkstra_path_length; kernel 2:
single_source_dijkstra_path_length with a cutoff per facility).

    /usr/bin/python3 bench/peers/networkx_peer.py nearest GRAPH_DIR FACILITIES OUT.npy
"""
import sys
import time

import networkx as nx
import numpy as np

from common import REPEAT, best_of, RADIUS_SLACK_M, load_facilities, load_graph, report


def main(kernel, graph_dir, fac_path, out_path):
    n, a, b, w = load_graph(graph_dir)
    cats = load_facilities(fac_path)
    t0 = time.perf_counter()
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(a.tolist(), b.tolist(), w.tolist()))
    build_s = time.perf_counter() - t0

    def compute():
        if kernel == "nearest":
            out = np.full((len(cats), n), np.inf)
            for i, (_, _, src) in enumerate(cats):
                d = nx.multi_source_dijkstra_path_length(g, set(src.tolist()), weight="weight")
                out[i, list(d.keys())] = list(d.values())
        else:
            out = np.zeros((len(cats), n), dtype=np.uint32)
            for i, (_, radius, src) in enumerate(cats):
                row = out[i]
                for s in src.tolist():
                    d = nx.single_source_dijkstra_path_length(g, s, cutoff=radius + RADIUS_SLACK_M, weight="weight")
                    row[list(d.keys())] += 1
        return out

    compute_s, out = best_of(REPEAT, compute)
    np.save(out_path, out)
    report("networkx", kernel, compute_s, build_s=round(build_s, 4), version=nx.__version__)


if __name__ == "__main__":
    main(*sys.argv[1:5])
