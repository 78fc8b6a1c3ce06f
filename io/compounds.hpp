// lc15 io — a planner's compounds (小区): polygons, residents and gates, and the homes inside.
//
//   std::vector<std::string> warnings;
//   std::vector<CompoundRecord> cs = read_compounds(cfg.compounds, polys, &gates, warnings);
//   std::vector<CompoundHomePoint> homes = place_compound_homes(cs, osm.features, ho, 50.0);
//
// Semantics (docs/METHOD.md, "Compounds and gates"):
//  * Polygons come through the shared vector reader (CSV with WKT, GeoJSON, SHP, GPKG; any
//    declared CRS, GCJ-02 and BD-09 converted to WGS84); a feature that is no polygon, or a
//    polygon that is not valid, is refused like a community polygon, naming file and feature.
//  * Residents: residents_field, else households_field × persons_per_household; every value
//    through io::parse_number (residents 0 to 1e6, households 0 to 1e6).
//  * Gates: points of [compounds.gates]; compound_field names the compound's id, else a gate
//    belongs to the compound whose wall is nearest. A gate farther than gate_wall_m from its
//    compound's wall (or naming no compound) is refused with the distance and the fix.
//  * Homes: the compound's residents are shared among the OSM buildings whose centroid lies
//    inside (building=* other than obviously non-residential ones), by footprint × levels;
//    with none, spread evenly over points every spacing_m inside it (one at the centroid of a
//    compound too small for the lattice). A home lies in the lowest-numbered compound
//    containing it.
// Cost: read O(features); homes O(buildings × log compounds + lattice points).
#pragma once

#include <string>
#include <vector>

#include "engine/places.hpp"
#include "engine/polygon.hpp"
#include "io/config.hpp"
#include "io/feature.hpp"
#include "io/vector_reader.hpp"

namespace lc15::io {

struct CompoundRecord {
    std::string id, name;
    MultiPolygon area;  ///< WGS84
    double residents = 0;
    std::string residents_from;  ///< "residents" or "households × 2.33"
    std::vector<LonLat> gates;   ///< WGS84, in file order
    std::size_t homes = 0;       ///< home points placed inside (place_compound_homes)
    std::string homes_on;        ///< "buildings" or "points every 50 m"
};

/// Reads the compounds (and their gates when `gates` is given). Throws InputError.
std::vector<CompoundRecord> read_compounds(const CompoundsConfig& cfg, const VectorSource& polygons,
                                           const VectorSource* gates,
                                           std::vector<std::string>& warnings);

struct CompoundHomePoint {
    LonLat pos;
    double population = 0;
    std::uint32_t compound = 0;  ///< index into the compounds
};

/// The homes of every compound (see above), compound by compound; sets each record's homes
/// and homes_on. `features` are the OSM features (buildings are taken from them).
std::vector<CompoundHomePoint> place_compound_homes(std::vector<CompoundRecord>& compounds,
                                                    const std::vector<Feature>& features,
                                                    const HomeOptions& options, double spacing_m);

}  // namespace lc15::io
