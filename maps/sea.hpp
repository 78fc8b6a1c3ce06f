// lc15 maps (internal) — the sea of a map from OSM coastlines. OSM maps no sea polygons: the
// coast is natural=coastline ways with the land on their left and the sea on their right. A map
// builds the sea for its own extent (a box in lon/lat; the projection is equirectangular, so
// the frame is such a box):
//
//   SeaShapes s = sea_shapes(city.osm.basemap.coastlines, lo, hi);
//   // fill s.sea with the water colour, then s.land (islands) with the paper colour
//
// The ways are joined end to start into chains; a chain that crosses the box is cut into the
// pieces inside it, and the pieces are closed clockwise along the box's edge (the sea lies to
// the right of each piece) into sea rings. A closed chain wholly inside the box is an island
// (counter-clockwise: land inside) or a sea inside land (clockwise); islands without any coast
// crossing the box mean the box lies in the sea. A chain that ends inside the box (a broken
// coastline) cannot say where the sea is: it is skipped with a
// warning naming its ways, and the rest is still drawn; if the pieces cannot be closed
// consistently (coast drawn in opposite directions), no sea is drawn rather than a flooded map.
// Cost: linear in the coastline's points plus pieces² for the closing (pieces are few).
// Thread safety: a pure function.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "engine/polygon.hpp"
#include "io/osm_reader.hpp"

namespace lc15::maps::detail {

struct SeaShapes {
    std::vector<Ring> sea;   ///< water (closed rings, clockwise)
    std::vector<Ring> land;  ///< islands, drawn over the sea
    std::vector<std::string> warnings;
};

/// How far inside the extract's box (io::OsmBasemap::extract_box) the sea is built: a
/// coastline cut by the extract ends within about a segment of the box's edge, and within
/// this margin it counts as leaving the map rather than as broken.
constexpr double kExtractMarginM = 150;

/// The sea inside the box lo..hi (lon/lat corners, lo < hi), and inside the extract's box
/// less kExtractMarginM when `extract` is given.
SeaShapes sea_shapes(const std::vector<io::OsmCoastline>& coastlines, LonLat lo, LonLat hi,
                     const std::array<LonLat, 2>* extract = nullptr);

}  // namespace lc15::maps::detail
