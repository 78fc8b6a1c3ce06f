// lc15 engine — polygons in WGS84 (communities, parks, buildings, residential land).
//
//   MultiPolygon mp{{{outer ring...}, {{hole ring...}}}};
//   bool in = contains(mp, {lon, lat});
//   double m2 = area_m2(mp);                      // on a local equal-area approximation
//   LonLat c = centroid(mp);
//   PolygonIndex idx(polys); idx.find(p);         // which polygon holds p (first by index)
//
// Rings are closed or open (the last point may repeat the first); orientation is free.
// Pure functions; PolygonIndex is immutable after construction and safe to share.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/geo.hpp"

namespace lc15 {

using Ring = std::vector<LonLat>;
struct Polygon {
    Ring outer;
    std::vector<Ring> inners;
};
using MultiPolygon = std::vector<Polygon>;

bool contains(const Polygon& poly, LonLat p);
bool contains(const MultiPolygon& mp, LonLat p);
double area_m2(const MultiPolygon& mp);
/// Area-weighted centroid; for an empty polygon returns {0,0}.
LonLat centroid(const MultiPolygon& mp);
/// Bounding box: {min lon, min lat}, {max lon, max lat}.
std::pair<LonLat, LonLat> bounds(const MultiPolygon& mp);
/// Why `mp` is not a usable polygon, or "" when it is: a ring that is not closed (its last
/// point differs from its first), has fewer than 3 distinct points, or crosses itself (two
/// non-adjacent edges meet; checked on rings of up to 4000 points, O(n^2)). The text names the
/// ring and the place ("ring 1 crosses itself near 122.2301, 40.6612").
std::string polygon_problem(const MultiPolygon& mp);
/// Every boundary vertex of the polygon, with extra points so that no two are farther apart
/// than `spacing_m` (used to find where an area touches the street network).
std::vector<LonLat> boundary_points(const MultiPolygon& mp, double spacing_m);

/// Finds which of many polygons holds a point (R-tree on bounding boxes).
class PolygonIndex {
  public:
    explicit PolygonIndex(const std::vector<MultiPolygon>& polygons);
    ~PolygonIndex();
    /// Index of the lowest-numbered polygon containing p, or kInvalid (uint32 max) if none.
    std::uint32_t find(LonLat p) const;
    /// Indices of all polygons whose bounding box intersects the box (for clipping).
    std::vector<std::uint32_t> candidates(LonLat min, LonLat max) const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lc15
