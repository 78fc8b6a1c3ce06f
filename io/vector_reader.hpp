// lc15 io — planners' point and polygon files (CSV, GeoJSON, Shapefile, GeoPackage, anything
// else GDAL/OGR reads) as Features in WGS84.
//
//   VectorSource src{.path = "data/schools_amap.csv", .crs = Crs::gcj02(), .crs_declared = true};
//   std::vector<std::string> warnings;
//   std::vector<Feature> schools = read_features(src, &warnings);
//
// CSV (.csv/.tsv/.txt) is read by lc15 itself (RFC 4180, delimiter , ; or tab from the
// header, UTF-8 with or without BOM) so that errors name the line: coordinates come from
// lon/lat columns (auto-detected: lon, lng, long, longitude, x, 经度 / lat, latitude, y, 纬度;
// or named in lon_field/lat_field), else a WKT column (wkt, geometry, geom, the_geom), else an
// Amap-style "location" column holding "lon,lat". Other formats go through GDAL/OGR; a
// Shapefile needs its .shx and .dbf, and its text is taken as UTF-8 unless a .cpg names the
// code page or `encoding` is given (GBK, GB18030, ...; CSV text is recoded the same way).
//
// Coordinates: the declared CRS wins; otherwise the file's own (GPKG, .prj, GeoJSON);
// otherwise WGS84 with a warning. A declared CRS that disagrees with the file's is warned about
// (except GCJ-02/BD-09 over a file tagged WGS84: that is how Amap data is usually tagged).
// Every coordinate is checked against the CRS's plausible area after conversion.
// Rows without coordinates / features without geometry are skipped with one warning.
//
// Errors are InputError naming the file and line (CSV, 1-based, header = line 1) or feature
// ("fid 12"), with the fix: missing file, unreadable format, missing coordinate columns (lists
// the columns found), non-numeric or implausible coordinates, empty or unknown layer (lists
// the layers), non-UTF-8 text (suggests re-saving as UTF-8 or encoding = "GBK").
//
// Cost: one pass over the file; memory ~ the features. Thread safety: functions are
// reentrant (GDAL datasets are local to the call).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "io/crs.hpp"
#include "io/feature.hpp"

namespace lc15::io {

struct VectorSource {
    std::filesystem::path path;
    std::string layer;          ///< layer of a multi-layer file (GeoPackage); "" = the only one
    Crs crs;                    ///< the coordinate system, if crs_declared
    bool crs_declared = false;  ///< false: use the file's own CRS, else WGS84 (warned)
    std::string lon_field, lat_field;  ///< CSV coordinate columns ("" = auto-detect)
    std::string id_field;    ///< "" = an "id" column if there is one, else "line N" / "fid N"
    std::string name_field;  ///< "" = a "name" / "名称" column if there is one
    std::string wkt_field;   ///< CSV WKT geometry column ("" = auto-detect)
    std::string encoding;    ///< text encoding ("" = UTF-8 / the .cpg); e.g. "GBK", "GB18030"
};

/// Everything read from a file, for tools that write it out again (lc15 convert).
struct VectorData {
    std::vector<std::string> fields;       ///< attribute names in file order
    std::vector<std::string> field_types;  ///< "Integer", "Real" or "String" per field
    std::vector<Feature> features;         ///< coordinates in WGS84
    Crs crs;                               ///< the CRS the coordinates were read in
    /// CSV: the columns the coordinates came from (else empty).
    std::string lon_field, lat_field, wkt_field, location_field;
};

/// Reads every feature. Warnings (CRS assumed or conflicting, rows skipped) are appended to
/// `warnings` when it is not null.
VectorData read_vector(const VectorSource& source, std::vector<std::string>* warnings);
std::vector<Feature> read_features(const VectorSource& source, std::vector<std::string>* warnings);

/// Refuses, naming `where` (the file and feature), a feature that is not a polygon (`what` is
/// "community", "compound", …; `not_area_fix` says what the file should hold) or whose polygon
/// is broken (engine/polygon.hpp polygon_problem), with the repair in QGIS as the fix.
void require_valid_area(const Feature& f, const std::string& where, const std::string& what,
                        const std::string& not_area_fix);

/// The layer names of a multi-layer file (for messages and `lc15 convert --layer`).
std::vector<std::string> list_layers(const std::filesystem::path& path);

}  // namespace lc15::io
