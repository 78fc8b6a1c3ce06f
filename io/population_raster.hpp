// lc15 io — population rasters (WorldPop, GHS-POP, a statistics office's grid): people per
// cell, spread over the residential buildings or residential land inside each cell.
//
//   RasterSource src{path, 1, "", false};                        // [population] source = "raster"
//   PopulationRaster r = read_population_raster(src, city_bbox);  // cells with people, counts
//   RasterSpread s = spread_raster(r, residential_buildings, residential_land, options);
//   homes = homes_from_grid(s.points, communities);               // like any population grid
//
// Reading: any raster GDAL opens (GeoTIFF, .img, .asc, ...), one band, any CRS (the file's own,
// or `crs` when the file declares none). Each cell's corners are converted to WGS84 with
// GDAL/OGR's coordinate transformation (lon, lat order). Nodata cells and NaN are skipped and
// counted; a negative cell is bad input (InputError naming the file, the count and the first
// cell) unless `negative_as_nodata`, when it is skipped and counted like nodata. Cells whose
// centre lies outside the city's bbox (when given) are not read into the city. Every value
// kept passes io::check_number (finite, 0..1e7 people per cell).
//
// Spreading (dasymetric, docs/METHOD.md "Where people live"): a cell's people go
//  1. to the residential buildings whose centroid lies in the cell, in proportion to floor
//     area (footprint × levels, default_levels when untagged), one home per building; else
//  2. to the residential land in the cell, in proportion to its area (measured on a lattice of
//     8 × 8 points per cell), one home per land polygon at its lattice point nearest the
//     polygon's lattice points' mean; else
//  3. to one home at the cell centre.
// A building or lattice point belongs to the cell its position falls in, in the raster's own
// CRS (so every home lies inside its cell and every cell's people are placed exactly once).
//
// Cost: reading O(cells) coordinate transformations (rows of w + 1 corners); spreading O(buildings
// + 64 × cells without buildings) transformations and point-in-polygon look-ups. Single-threaded
// and deterministic (the same homes for any thread count). Not thread-safe: one call at a time
// per thread (GDAL handles are local to the call).
#pragma once

#include <array>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "engine/places.hpp"
#include "engine/polygon.hpp"

namespace lc15::io {

/// [population] source = "raster".
struct RasterSource {
    std::filesystem::path path;
    int band = 1;
    std::string crs;                  ///< "" = the file's own; used only when it has none
    bool negative_as_nodata = false;  ///< [population] negative = "nodata" (else an error)
    std::string where;                ///< "city.toml:40:1", for messages
};

struct RasterCell {
    int col = 0, row = 0;
    LonLat centre;                  ///< WGS84
    std::array<LonLat, 4> corners;  ///< WGS84: top-left, top-right, bottom-right, bottom-left
    double population = 0;
};

struct PopulationRaster {
    std::filesystem::path path;
    std::string crs_name;  ///< the raster's CRS as GDAL names it
    int width = 0, height = 0;
    std::array<double, 6> geotransform{};
    std::string wkt;                 ///< the raster's CRS (WKT), for converting points into it
    std::vector<RasterCell> cells;   ///< cells with people > 0 (row-major order)
    std::size_t nodata_cells = 0;    ///< nodata or NaN
    std::size_t negative_cells = 0;  ///< negative (only with negative_as_nodata)
    std::size_t zero_cells = 0;
    std::size_t outside_cells = 0;  ///< with people, but centre outside the bbox
    double population = 0;          ///< sum over `cells`
    double outside_population = 0;
};

/// Reads the raster; `bbox` (min lon, min lat, max lon, max lat) keeps the cells whose centre
/// lies inside it. InputError when the file cannot be opened, has no such band, no CRS and
/// none is given, no geotransform, or negative cells (see above).
PopulationRaster read_population_raster(const RasterSource& source,
                                        const std::optional<std::array<double, 4>>& bbox = {});

struct RasterSpread {
    std::vector<PopulationPoint> points;  ///< one per building / land polygon / empty cell
    std::size_t cells_on_buildings = 0, cells_on_land = 0, cells_at_centre = 0;
};

/// Spreads the cells' people (see above). Non-residential buildings are ignored.
RasterSpread spread_raster(const PopulationRaster& raster, const std::vector<Building>& buildings,
                           const std::vector<MultiPolygon>& residential_land,
                           const HomeOptions& options = {});

/// Cell (col, row) of a WGS84 point in the raster, or {-1, -1} outside it (for tests and
/// reports).
std::array<int, 2> raster_cell_of(const PopulationRaster& raster, LonLat p);

}  // namespace lc15::io
