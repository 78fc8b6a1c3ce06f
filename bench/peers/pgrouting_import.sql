-- pgRouting peer, step 1: load lc15's graph CSV (and the benchmark's facilities) with COPY.
-- psql variables: graph (folder of vertices.csv / edges.csv), facilities (CSV file).
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_vertices, bench_edges, bench_facilities, bench_nearest;
CREATE TABLE bench_vertices (id bigint PRIMARY KEY, lon float8, lat float8, key bigint);
CREATE TABLE bench_edges (id bigint PRIMARY KEY, source bigint, target bigint, length_m float8,
                          flags int, source_id bigint);
CREATE TABLE bench_facilities (category text, radius_m float8, vertex bigint);
\set vcsv :graph '/vertices.csv'
\set ecsv :graph '/edges.csv'
COPY bench_vertices FROM :'vcsv' WITH (FORMAT csv, HEADER true);
COPY bench_edges FROM :'ecsv' WITH (FORMAT csv, HEADER true);
COPY bench_facilities FROM :'facilities' WITH (FORMAT csv, HEADER true);
ALTER TABLE bench_vertices ADD COLUMN geom geometry(Point, 4326);
UPDATE bench_vertices SET geom = ST_SetSRID(ST_MakePoint(lon, lat), 4326);
CREATE INDEX ON bench_edges (source);
CREATE INDEX ON bench_edges (target);
ANALYZE bench_vertices;
ANALYZE bench_edges;
