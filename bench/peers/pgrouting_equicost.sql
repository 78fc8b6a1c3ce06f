-- pgRouting peer, step 2 (kernel 1), variant "equicost": for every vertex, the nearest facility of each category,
-- NOTE: pgRouting 3.4's equicost gives longer distances than the true nearest for about 1 %
-- of Monaco's vertices (bench/peers/compare.py shows it); pgrouting_nearest.sql is exact.
-- with one pgr_drivingDistance per category from all its facilities (equicost: each vertex
-- goes to its nearest start). The distance bound is larger than any walk in the graph.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_nearest;
CREATE TABLE bench_nearest AS
SELECT c.category, d.node AS vertex, d.agg_cost AS distance_m
FROM (SELECT category, array_agg(DISTINCT vertex) AS starts FROM bench_facilities GROUP BY category) c,
     LATERAL pgr_drivingDistance(
         'SELECT id, source, target, length_m AS cost FROM bench_edges',
         c.starts, 1e9, directed => false, equicost => true) d;
COPY (SELECT category, vertex, distance_m FROM bench_nearest ORDER BY category, vertex) TO STDOUT WITH (FORMAT csv);
