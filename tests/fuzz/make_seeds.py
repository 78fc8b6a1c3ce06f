#!/usr/bin/python3
"""Seed corpus for the fuzz harnesses from the data shipped in the repository.

usage: make_seeds.py OUT_DIR   (writes OUT_DIR/<harness>/seed_*; existing files are kept)
"""
import glob
import io
import os
import sys
import zipfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = sys.argv[1]


def put(harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data[:65536])


def read(path):
    with open(path, "rb") as f:
        return f.read()


for p in glob.glob(os.path.join(root, "configs", "*.toml")):
    put("config", os.path.basename(p), read(p))
for p in glob.glob(os.path.join(root, "configs", "rules", "*.toml")):
    put("rules", os.path.basename(p), read(p))
for p in glob.glob(os.path.join(root, "scenarios", "**", "*.toml"), recursive=True):
    put("scenario", os.path.basename(p), read(p))
for p in glob.glob(os.path.join(root, "data", "**", "*.csv"), recursive=True):
    put("csv", os.path.basename(p), b"\n".join(read(p).split(b"\n")[:60]))
put("csv", "wkt.csv", 'id,name,population,wkt\nc1,东,1200,"POLYGON ((113.52 22.27, 113.55 22.27, '
    '113.55 22.285, 113.52 22.27))"\n')
put("geojson", "areas.geojson",
    '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"c1",'
    '"name":"东","population":1200},"geometry":{"type":"Polygon","coordinates":[[[113.52,22.27],'
    '[113.55,22.27],[113.55,22.285],[113.52,22.27]]]}},{"type":"Feature","properties":{"id":"k",'
    '"name":"幼儿园"},"geometry":{"type":"Point","coordinates":[113.53,22.275]}}]}')
z = zipfile.ZipFile(os.path.join(root, "data", "gtfs", "portoalegre_eptc_gtfs.zip"))
names = {os.path.basename(n): n for n in z.namelist()}
parts = []
for n in ["stops.txt", "routes.txt", "trips.txt", "stop_times.txt"]:
    lines = z.read(names[n]).split(b"\n")[:40]
    parts.append(b"\n".join(lines))
put("gtfs", "poa", b"\n=====\n".join(parts))
for p in glob.glob(os.path.join(root, "data", "osm", "*.osm")):
    lines = read(p).split(b"\n")
    head = b"\n".join(lines[:400])
    if not head.rstrip().endswith(b"</osm>"):
        head += b"\n</osm>\n"
    put("osm", os.path.basename(p), head)
