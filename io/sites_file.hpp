// lc15 io — sites files: the points `lc15 optimize` chooses, read back by scenarios.
//
//   std::vector<Site> s = read_sites("pocket_parks/sites.csv", Crs::wgs84(), "a.toml:12:1");
//   write_sites_csv(out.stage("sites.csv"), rows);   // rank,lon,lat,name,gain,covered,share
//
// A sites file is any point file io/vector_reader reads (CSV with lon/lat columns, GeoJSON,
// GPKG, ...); `crs` is the coordinate system of its values when the file does not say (CSV).
// Names come from a name column when there is one (empty otherwise). The CSV the optimiser
// writes is UTF-8 with a BOM (Excel), WGS84, coordinates with 7 decimals (~1 cm).
// Errors: InputError naming the file (and line) and `where` (the scenario edit that loads it).
// Thread safety: reentrant.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/polygon.hpp"
#include "io/crs.hpp"

namespace lc15::io {

struct Site {
    LonLat pos;  ///< WGS84
    std::string name;
};

/// Reads the points of a sites file; throws InputError if it is missing, unreadable or empty.
std::vector<Site> read_sites(const std::filesystem::path& path, const Crs& crs,
                             const std::string& where);

/// One chosen site as the optimiser reports it.
struct SiteRow {
    std::uint32_t rank = 0;  ///< 1-based order of choice
    LonLat pos;              ///< WGS84
    std::string name;
    double gain = 0;     ///< residents newly covered by this site
    double covered = 0;  ///< cumulative residents newly covered by sites 1..rank
    double share = 0;    ///< city share covered after sites 1..rank (0..1)
};

/// sites.csv: rank,lon,lat,name,gain,covered,share (UTF-8 BOM, CRLF). With `served` (capacitated
/// siting) the last two columns are served,gap_share: the place gap closed, cumulative, and
/// the share of the base gap closed.
void write_sites_csv(const std::filesystem::path& path, const std::vector<SiteRow>& rows,
                     bool served = false);

}  // namespace lc15::io
