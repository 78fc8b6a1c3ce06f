-- pgRouting peer, step 2 (kernel 1): for every vertex, the nearest facility of each category.
-- One pgr_drivingDistance per category from a virtual super-source (vertex -1) joined to all
-- of the category's facilities by zero-cost edges, bounded by more than any walk in the graph.
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_nearest;
CREATE TABLE bench_nearest AS
SELECT c.category, d.node AS vertex, d.agg_cost AS distance_m
FROM (SELECT DISTINCT category FROM bench_facilities) c,
     LATERAL pgr_drivingDistance(
         format('SELECT id, source, target, length_m AS cost FROM bench_edges
                 UNION ALL
                 SELECT -1 - row_number() OVER (), -1, vertex, 0 FROM bench_facilities WHERE category = %L',
                c.category),
         -1, 1e9, directed => false) d
WHERE d.node <> -1;
COPY (SELECT category, vertex, distance_m FROM bench_nearest ORDER BY category, vertex) TO STDOUT WITH (FORMAT csv);
