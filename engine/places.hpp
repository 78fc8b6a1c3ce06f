// lc15 engine — places: where people live, where an area meets the street, merged sources.
//
// Pure functions that turn already-read features into what the CoverageModel measures:
//
//   SnapResult s = snap_area(snapper, park.area, 200.0);       // a park's nearest gate
//   auto homes = homes_from_buildings(buildings, communities); // residents per building
//   auto homes = homes_from_grid(cells, communities);          // a population grid
//   auto homes = homes_from_sampling(residential, 50.0, communities);  // no buildings mapped
//   DedupeResult d = dedupe_facilities(osm, planners_list, 50.0);     // count each once
//
// Semantics (docs/METHOD.md, "Where people live" and "Deduplication"):
//  * A building's residents = footprint x levels / floor area per person; a community whose
//    population is given is then scaled so its homes sum to it exactly (the figure wins over
//    the estimate). Homes go to the lowest-numbered community containing the point.
//  * Sampling puts one home every spacing_m on a lattice over residential land; a given
//    community population is spread evenly over its points.
//  * Communities with a given population but no home at all are listed in `unhoused` (their
//    residents cannot be placed; the caller should warn).
//
// Cost: homes_* O(points log communities); snap_area O(perimeter / 10 m) snaps;
// dedupe_facilities O((|a| + |b|) + candidate pairs log). All functions are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/polygon.hpp"
#include "engine/snap.hpp"
#include "engine/types.hpp"

namespace lc15 {

/// An area (park, school grounds) is reached at its point nearest to the street network: its
/// boundary is sampled every 10 m, each sample snapped, and the one with the shortest access
/// leg kept (ties: the first). When a street runs through the area (the nearest street point
/// of a sample, or of the centroid, lies inside it) the access leg is 0. !ok() when no sample
/// is within max_m of an allowed street.
SnapResult snap_area(const Snapper& snapper, const MultiPolygon& area, double max_m);

/// A place where people live, before snapping.
struct HomePoint {
    LonLat pos;
    double population = 0;
    CommunityId community = kInvalidId;  ///< lowest-numbered community containing pos
};

struct Building {
    LonLat centroid;
    double footprint_m2 = 0;
    int levels = 0;  ///< 0: unknown, options.default_levels is used
    bool residential = false;
};

struct CommunityArea {
    MultiPolygon area;
    std::optional<double> population;  ///< residents (census), if known
};

struct PopulationPoint {
    LonLat pos;
    double population = 0;
};

struct HomeOptions {
    double floor_area_per_person_m2 = 35.0;  ///< gross residential floor area per resident
    int default_levels = 6;                  ///< storeys of a building without building:levels
    /// Sampling only: residents per hectare of residential land where no community population
    /// is given (0: such points carry no one).
    double persons_per_hectare = 0.0;
    /// Sampling only: the most points a run may lay (a ceiling on the work one setting can
    /// multiply: 1 m spacing over a city is billions of points). More is an InputError that
    /// says which spacing fits and how to raise the ceiling. About 200 bytes per point.
    double max_samples = 5e6;
};

/// One home per residential building with footprint > 0 (non-residential buildings are
/// skipped), population = footprint x levels / floor area per person, then scaled per
/// community. A community with a population but only zero-estimate buildings spreads it
/// evenly over them.
std::vector<HomePoint> homes_from_buildings(const std::vector<Building>& buildings,
                                            const std::vector<CommunityArea>& communities,
                                            const HomeOptions& options = {},
                                            std::vector<CommunityId>* unhoused = nullptr);

/// One home per grid point with population > 0, scaled per community like buildings.
std::vector<HomePoint> homes_from_grid(const std::vector<PopulationPoint>& points,
                                       const std::vector<CommunityArea>& communities,
                                       std::vector<CommunityId>* unhoused = nullptr);

/// Homes on a lattice every spacing_m over residential land (a point in two polygons counts
/// once); a polygon too small to catch a lattice point gets one home at its centroid.
/// Population: a community's given population spread evenly over its points; elsewhere
/// persons_per_hectare x spacing_m^2. Throws std::invalid_argument if spacing_m <= 0.
std::vector<HomePoint> homes_from_sampling(const std::vector<MultiPolygon>& residential,
                                           double spacing_m,
                                           const std::vector<CommunityArea>& communities,
                                           const HomeOptions& options = {},
                                           std::vector<CommunityId>* unhoused = nullptr);

struct FacilityPoint {
    std::uint32_t category = 0;
    LonLat pos;
    std::string id;    ///< the source's id ("osm:n123", a planner's row id), for reporting
    std::string name;  ///< may be empty
};

struct FacilityMerge {
    std::uint32_t a;  ///< index into the first list (kept)
    std::uint32_t b;  ///< index into the second list (dropped)
    double distance_m;
};

struct DedupeResult {
    std::vector<FacilityPoint> facilities;  ///< all of a in order, then b's unmatched in order
    std::vector<FacilityMerge> merges;      ///< sorted by a
};

/// A facility listed in both sources (same category, within max_m) counts once: pairs are
/// matched greedily, nearest first (ties by a, then b), each facility at most once; the first
/// source's record is kept. Duplicates within one source are left alone.
DedupeResult dedupe_facilities(const std::vector<FacilityPoint>& a,
                               const std::vector<FacilityPoint>& b, double max_m);

}  // namespace lc15
