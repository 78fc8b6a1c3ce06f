// lc15 engine — walled residential compounds (小区): homes leave them through their gates.
//
//   std::vector<GatedCompound> cs = {{area, {gate_a, gate_b}}};
//   std::vector<CompoundHome> hs = {{home_pos, 0}, {other_pos, kInvalidId}};  // per home
//   std::uint64_t next_key = 0;
//   WalkGraph g2 = add_compound_access(g, cs, hs, forbidden, 300.0, next_key, &notes);
//   std::vector<SnapResult> s = compound_home_snaps(g2, hs.size());  // s[0].ok(), !s[1].ok()
//
// In a Chinese city a home does not reach the street at the nearest point of the nearest
// street: it leaves its walled compound through a gate (docs/METHOD.md, "Compounds and
// gates"). For every home inside a compound with gates the graph gains
//  * a vertex at the home (key kCompoundKey | home index, so that a later call — a scenario's
//    open_gate — joins the same vertex);
//  * one way from the home to each gate: along the compound's internal lanes when OSM maps
//    them (walkable edges lying wholly inside the polygon, reached by a straight leg at each
//    end), else straight; its length is that walk;
//  * a vertex at each gate, joined by a straight way to the nearest point of the nearest
//    street outside (never one of the compound's own lanes; the street is split there)
//    unless the gate lies on it.
// Those ways carry kEdgeCompound: they are walked but never snapped onto, so nothing outside
// the wall reaches a home except through a gate, and the home itself is placed on its own
// vertex (compound_home_snaps), never on a street across the wall. A gate farther than
// max_snap_m from every street is not linked (a note says so); a home whose compound has no
// linked gate gets no vertex and is snapped as before by the caller.
// The compound may be walked through from gate to gate via a home's ways (as residents and
// visitors do); a walk through it is never shorter than the lanes or straight lines allow.
//
// Cost: O(E) to copy the graph plus, per compound, O(lane edges) to find its lanes and per
// home and gate one lane search O(L log L) over the compound's L lane vertices, then one
// graph build O((V + E) log). The result does not depend on thread count (sequential).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/graph.hpp"
#include "engine/polygon.hpp"
#include "engine/snap.hpp"

namespace lc15 {

/// Vertex keys of compound homes and gates: the top bit (interior shape points) and bit 61
/// (never set in OSM node ids nor in scenario keys, which use bit 62).
inline constexpr std::uint64_t kCompoundKey = (std::uint64_t{1} << 63) | (std::uint64_t{1} << 61);
/// Gates and street splits: kCompoundKey | kCompoundGateBit | counter (homes have no such bit).
inline constexpr std::uint64_t kCompoundGateBit = std::uint64_t{1} << 60;

struct GatedCompound {
    MultiPolygon area;
    std::vector<LonLat> gates;  ///< WGS84; empty: homes reach the network as elsewhere
};

struct CompoundHome {
    LonLat pos;
    std::uint32_t compound = kInvalidId;  ///< index into the compounds; kInvalidId: none
};

/// A copy of g with the compounds' home and gate ways added (see above). `forbidden` are the
/// flags of edges neither walked as lanes nor joined by a gate (the walker's, e.g. steps);
/// `next_key` numbers the gate and split vertices and is advanced (pass the same counter to
/// every call on one graph; gate keys already in g are skipped anyway). A note per gate not
/// linked goes to `notes` when given.
WalkGraph add_compound_access(const WalkGraph& g, std::span<const GatedCompound> compounds,
                              std::span<const CompoundHome> homes, std::uint8_t forbidden,
                              double max_snap_m, std::uint64_t& next_key,
                              std::vector<std::string>* notes = nullptr);

/// Per home index < num_homes: the home placed on its own vertex of g (access leg 0, at one
/// end of one of its ways), or !ok() for a home that has no vertex (not in a gated compound).
std::vector<SnapResult> compound_home_snaps(const WalkGraph& g, std::size_t num_homes);

/// Length (m) of the walk inside a compound from `from` to `to`: along the lanes (edges of g
/// wholly inside `area` without `forbidden` or kEdgeCompound) when both ends reach a lane that
/// joins them, else straight. `shape` (if given) receives the walk's points, from, ..., to.
double compound_walk_m(const WalkGraph& g, const MultiPolygon& area, LonLat from, LonLat to,
                       std::uint8_t forbidden, std::vector<LonLat>* shape = nullptr);

}  // namespace lc15
