// lc15 io — the walking graph as files other tools read (Python benchmarks, GIS, networkx).
//
//   write_graph_csv(graph, "out/graph");  // out/graph/vertices.csv, edges.csv, edge_shapes.csv
//   write_graph_graphml(graph, "out/walk.graphml");
//
// CSV contract (other parts rely on it; keep it exactly):
//   vertices.csv  id,lon,lat,key                      lon/lat with 7 decimals, key = OSM node id
//   edges.csv     id,source,target,length_m,flags,source_id
//                 length_m = the edge's centimetres / 100 with exactly 2 decimals; flags = EdgeFlag
//                 bits as an integer; source_id = OSM way id (negative: -multipolygon relation id)
//   edge_shapes.csv id,geometry                     geometry = WKT LINESTRING of the edge's shape
//                 points from source to target (lon lat, 7 decimals), quoted; the snapped point
//                 of a home lies off_tail_cm along it (coverage.gpkg, homes/entrances layers)
// Ids are the graph's dense vertex and edge ids, rows in id order, "\n" line ends, a header row.
// GraphML: undirected; node attributes lon, lat, osm_node; edge attributes length_m, flags,
// osm_way, geometry (the same WKT); node ids "n<vertex id>", edge ids "e<edge id>".
//
// Both write through io::OutputDir / write_file_atomic: nothing is half-written on failure
// (InputError naming the path). Cost: O(V + E), one pass. Thread safety: reads the graph only.
#pragma once

#include <filesystem>
#include <string>

#include "engine/graph.hpp"

namespace lc15::io {

void write_graph_csv(const WalkGraph& g, const std::filesystem::path& dir);
void write_graph_graphml(const WalkGraph& g, const std::filesystem::path& file);

/// The contents of the two CSV files (for tests and in-memory use).
std::string vertices_csv(const WalkGraph& g);
std::string edges_csv(const WalkGraph& g);
std::string edge_shapes_csv(const WalkGraph& g);
/// An edge's shape as WKT, "LINESTRING(lon lat,lon lat,...)".
std::string edge_wkt(const WalkGraph& g, EdgeId e);

}  // namespace lc15::io
