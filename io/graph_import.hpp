// lc15 io — the walking graph CSV (io/graph_export.hpp, `lc15 graph export --format csv`)
// read back, for the benchmarks and for graphs made by other tools.
//
//   io::write_graph_csv(g, "graph/");              // graph/vertices.csv, graph/edges.csv
//   io::ImportedGraph in = io::read_graph_csv("graph/");
//   in.graph;                                      // a WalkGraph with the same lengths
//   in.vertex_of_row[csv_id];                      // its vertex id (kInvalidId: no edge)
//
// Format (the contract of io/graph_export.hpp):
//   vertices.csv  id,lon,lat,key                        lon/lat with 7 decimals
//   edges.csv     id,source,target,length_m,flags,source_id
//                 length_m is the integer centimetre length / 100 with exactly 2 decimals;
//                 edges are undirected; ids are dense, 0-based and in row order.
// The CSV holds no street shapes. Reading builds each edge through GraphBuilder; where the
// straight line between the two ends is shorter than length_m, one synthetic shape point is
// placed beside the midpoint so that the rebuilt length is exactly length_m (to the cm).
// Shapes are therefore not the original ones: good for searches, not for snapping or maps.
// An edge whose straight line is already longer than length_m (only possible if the
// coordinates were rounded) keeps the longer length and is counted in length_mismatches.
//
// Cost: O(V + E log E) (the builder's sort); memory about 3x the final graph while building.
// Errors: InputError naming the file and line. Thread safety: free functions, no shared state.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "engine/graph.hpp"

namespace lc15::io {

struct ImportedGraph {
    WalkGraph graph;
    std::vector<VertexId> vertex_of_row;  ///< CSV vertex id -> graph vertex id (kInvalidId: unused)
    std::vector<EdgeId> edge_of_row;      ///< CSV edge id -> graph edge id
    std::uint32_t length_mismatches = 0;  ///< edges whose length could not be kept exactly
};

/// Reads DIR/vertices.csv and DIR/edges.csv. Throws InputError on any malformed row.
ImportedGraph read_graph_csv(const std::filesystem::path& dir);

}  // namespace lc15::io
