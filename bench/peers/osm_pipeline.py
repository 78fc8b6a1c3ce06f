"""Peer for the whole job: what a capable analyst writes in an afternoon with pyosmium + scipy.

    /usr/bin/python3 bench/peers/osm_pipeline.py FILE.osm.pbf OUT_DIR
Reads the OSM file, builds the walking graph (junctions = way ends and shared nodes, lengths
by haversine), snaps each facility of eight GB 50180 categories to its nearest vertex, runs one
scipy dijkstra (min_only) per category for the nearest facility and bounded rows for the count
within the radius, and writes OUT_DIR/vertices.csv (vertex, OSM node, per category nearest_m
and count). Timed as a whole process by bench/run_all (/usr/bin/time), import included.
"""
import math
import os
import sys
import time

import numpy as np
import osmium
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from common import dedupe_edges

WALKABLE = {"footway", "path", "pedestrian", "steps", "living_street", "residential", "service",
            "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link", "primary",
            "primary_link", "track", "cycleway", "corridor", "road", "trunk", "trunk_link"}
CATEGORIES = [  # (id, radius m, predicate on tags)
    ("kindergarten", 300, lambda t: t.get("amenity") in ("kindergarten", "childcare")),
    ("school", 500, lambda t: t.get("amenity") == "school"),
    ("health", 1000, lambda t: t.get("amenity") in ("hospital", "clinic", "doctors")),
    ("pharmacy", 500, lambda t: t.get("amenity") == "pharmacy"),
    ("market", 500, lambda t: t.get("shop") in ("supermarket", "greengrocer", "convenience")
     or t.get("amenity") == "marketplace"),
    ("park", 300, lambda t: t.get("leisure") in ("park", "playground", "fitness_station", "pitch")),
    ("community", 1000, lambda t: t.get("amenity") in ("community_centre", "social_facility")),
    ("bus_stop", 500, lambda t: t.get("highway") == "bus_stop"
     or (t.get("public_transport") == "platform" and t.get("bus") == "yes")),
]


class Reader(osmium.SimpleHandler):
    def __init__(self):
        super().__init__()
        self.ways = []        # lists of node ids
        self.coord = {}       # node id -> (lon, lat) of way nodes
        self.facilities = []  # (category index, lon, lat)

    def _facility(self, tags, lon, lat):
        for i, (_, _, pred) in enumerate(CATEGORIES):
            if pred(tags):
                self.facilities.append((i, lon, lat))

    def node(self, n):
        if len(n.tags):
            self._facility(dict(n.tags), n.location.lon, n.location.lat)

    def way(self, w):
        tags = dict(w.tags)
        if tags.get("highway") in WALKABLE and tags.get("foot") != "no" and tags.get("access") != "no" \
                and tags.get("area") != "yes":
            ids = []
            for n in w.nodes:
                if n.location.valid():
                    self.coord[n.ref] = (n.location.lon, n.location.lat)
                    ids.append(n.ref)
            if len(ids) >= 2:
                self.ways.append(ids)
        elif tags:
            pts = [(n.location.lon, n.location.lat) for n in w.nodes if n.location.valid()]
            if pts:
                self._facility(tags, sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


def haversine(a, b):
    (lon1, lat1), (lon2, lat2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371008.8 * math.asin(min(1.0, math.sqrt(h)))


def main(osm_path, out_dir):
    t0 = time.perf_counter()
    r = Reader()
    r.apply_file(osm_path, locations=True)
    # Junctions: way ends and nodes used more than once.
    uses = {}
    for ids in r.ways:
        for nid in ids:
            uses[nid] = uses.get(nid, 0) + 1
    vertex = {}
    for ids in r.ways:
        for k, nid in enumerate(ids):
            if (k == 0 or k == len(ids) - 1 or uses[nid] > 1) and nid not in vertex:
                vertex[nid] = len(vertex)
    us, vs, ws = [], [], []
    for ids in r.ways:
        start, length = ids[0], 0.0
        for k in range(1, len(ids)):
            length += haversine(r.coord[ids[k - 1]], r.coord[ids[k]])
            if ids[k] in vertex:
                if ids[k] != start:
                    us.append(vertex[start]); vs.append(vertex[ids[k]]); ws.append(max(length, 0.01))
                start, length = ids[k], 0.0
    n = len(vertex)
    u, v, w = np.array(us), np.array(vs), np.array(ws)
    u, v, w = dedupe_edges(u, v, w)
    m = csr_matrix((np.concatenate([w, w]), (np.concatenate([u, v]), np.concatenate([v, u]))), shape=(n, n))
    # Snap facilities to the nearest vertex (local metres).
    node_ids = np.array(list(vertex.keys()))
    xy = np.array([r.coord[k] for k in node_ids])
    lat0 = math.radians(xy[:, 1].mean())
    scale = np.array([111195.0 * math.cos(lat0), 111195.0])
    tree = cKDTree(xy * scale)
    fac = np.array(r.facilities) if r.facilities else np.zeros((0, 3))
    nearest = np.full((len(CATEGORIES), n), np.inf)
    count = np.zeros((len(CATEGORIES), n), dtype=np.int64)
    for c, (_, radius, _) in enumerate(CATEGORIES):
        pts = fac[fac[:, 0] == c][:, 1:] if len(fac) else np.zeros((0, 2))
        if len(pts) == 0:
            continue
        src = np.unique(tree.query(pts * scale)[1])
        nearest[c] = dijkstra(m, directed=True, indices=src, min_only=True)
        for s in range(0, len(src), 64):
            count[c] += np.isfinite(dijkstra(m, directed=True, indices=src[s:s + 64], limit=radius)).sum(axis=0)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "vertices.csv"), "w") as f:
        f.write("vertex,osm_node," + ",".join(f"{c}_nearest_m,{c}_count" for c, _, _ in CATEGORIES) + "\n")
        for i in range(n):
            cols = []
            for c in range(len(CATEGORIES)):
                d = nearest[c, i]
                cols.append("" if math.isinf(d) else f"{d:.2f}")
                cols.append(str(count[c, i]))
            f.write(f"{i},{node_ids[i]}," + ",".join(cols) + "\n")
    print(f'{{"tool": "pyosmium+scipy", "vertices": {n}, "edges": {len(w)}, "facilities": {len(fac)}, '
          f'"seconds_in_process": {time.perf_counter() - t0:.3f}}}')


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
