// lc15 engine — where people enter an area: the entrances of parks, campuses, sports grounds.
//
//   EntranceOptions o;  o.mode = EntranceMode::Boundary;            // a public park
//   std::vector<SnapResult> e = area_entrances(snapper, park.area, {}, o, 300.0);
//   model.add_facility(cat, e);                                       // one facility, |e| sources
//
// Semantics (docs/METHOD.md, "Entrances"):
//  * Nearest: one point, the area's boundary point nearest the street (snap_area).
//  * Boundary: every boundary point where a walkable way touches the area — the boundary is
//    sampled every spacing_m and each sample whose nearest allowed street lies within
//    touch_m is an entrance (a street running into the area: access 0) — plus the centroid's
//    street when that street lies inside the area. An open park is entered along any side
//    that has a street or path next to it.
//  * Gates: the mapped gates (entrance=*, barrier=gate nodes given by the caller) that lie on
//    the boundary (within gate_m) or inside the area, each snapped. A fenced school is
//    entered only there.
//  * Boundary and Gates fall back to Nearest when they find nothing (no street touches the
//    area, no gate mapped): one point, as before, never none when a street is within max_m.
// Entrances are returned in a fixed order (edge, offset, access) with exact duplicates
// removed, so the result is the same whatever the order of the samples or the threads.
// Ties: a sample ranks by its access leg in whole centimetres, then by its position along
// the boundary, so two points within a centimetre never trade places on rounding noise.
//
// Cost: O(perimeter / spacing_m) snaps per area. Thread-safe (pure; the Snapper is shared).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "engine/polygon.hpp"
#include "engine/snap.hpp"

namespace lc15 {

enum class EntranceMode { Nearest, Boundary, Gates };

/// "nearest" | "boundary" | "gates"; false for anything else.
bool parse_entrance_mode(const std::string& s, EntranceMode& out);
const char* entrance_mode_name(EntranceMode m);

struct EntranceOptions {
    EntranceMode mode = EntranceMode::Nearest;
    double spacing_m = 20.0;  ///< Boundary: one sample every this many metres
    double touch_m = 15.0;    ///< Boundary: a street this near a sample makes it an entrance
    double gate_m = 5.0;      ///< Gates: a gate this near the boundary belongs to the area
};

/// The area's entrances (see above); empty only when no street lies within max_m.
std::vector<SnapResult> area_entrances(const Snapper& snapper, const MultiPolygon& area,
                                       std::span<const LonLat> gates, const EntranceOptions& o,
                                       double max_m);

/// Distance (m) from p to the nearest boundary ring of the area (outer or inner).
double boundary_distance_m(const MultiPolygon& area, LonLat p);

}  // namespace lc15
