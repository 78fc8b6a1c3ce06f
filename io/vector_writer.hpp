// lc15 io — writing result layers for planners: GeoPackage (QGIS), GeoJSON (web maps) and
// CSV with a UTF-8 BOM (Excel shows Chinese names).
//
//   Layer l{"communities", Layer::MultiPolygon, {{"name", Field::String}, {"coverage",
//   Field::Real}}}; l.rows.push_back({.area = poly, .values = {std::string("滨海社区"), 0.83}});
//   OutputDir out("results/");
//   write_gpkg(out.stage("coverage.gpkg"), {l, stops_layer});   // several layers, one file
//   write_csv_bom(out.stage("communities.csv"), l);
//   out.commit();
//
// Coordinates are the layer's CRS (EPSG:4326 lon/lat unless `epsg` says otherwise); GCJ-02
// and BD-09 data are tagged EPSG:4326, as Amap's and Baidu's own exports are. Writers write
// to the path they are given, replacing a file already there: give them paths staged through
// io::OutputDir so that no half-written output is ever seen. Strings must be UTF-8.
//
// Errors: InputError naming the path (cannot create / write) or the layer and row (a row with
// the wrong number of values or a value of the wrong type). Cost: linear in the rows; GPKG
// rows are written in one transaction. Thread safety: reentrant (nothing shared).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include "engine/polygon.hpp"

namespace lc15::io {

struct Field {
    enum Type { Int, Real, String };
    std::string name;
    Type type = String;
};

/// A cell: empty (null), an integer, a real or a UTF-8 string. An Int field accepts only
/// int64_t, a Real field int64_t or double, a String field anything (numbers are formatted).
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct Row {
    LonLat point;               ///< Layer::Point
    std::vector<LonLat> line;   ///< Layer::LineString
    MultiPolygon area;          ///< Layer::Polygon (first polygon) / Layer::MultiPolygon
    std::vector<Value> values;  ///< one per field, in field order
};

struct Layer {
    enum Geometry { Point, LineString, Polygon, MultiPolygon, None };
    std::string name;
    Geometry geometry = Point;
    std::vector<Field> fields;
    std::vector<Row> rows;
    int epsg = 4326;  ///< CRS of the coordinates (GPKG/GeoJSON metadata)
};

/// One GeoPackage holding every layer (layer names must be distinct).
void write_gpkg(const std::filesystem::path& path, const std::vector<Layer>& layers);

/// GeoJSON FeatureCollection (RFC 7946 when epsg is 4326; otherwise with a "crs" member).
void write_geojson(const std::filesystem::path& path, const Layer& layer);

/// CSV in UTF-8 with a BOM, RFC 4180 quoting, CRLF line ends; header row first.
void write_csv_bom(const std::filesystem::path& path, const std::vector<std::string>& header,
                   const std::vector<std::vector<Value>>& rows);

/// A layer as CSV: its fields, then lon,lat (Point; x,y if projected) or wkt (other shapes).
void write_csv_bom(const std::filesystem::path& path, const Layer& layer);

/// Text of a value as the CSV writer puts it (shortest round-trip form for reals).
std::string value_text(const Value& v);
/// Fixed-point text without trailing zeros: fixed(122.2350000, 7) == "122.235". Coordinates
/// are written with 7 decimals in degrees and 3 in metres (~1 cm either way).
std::string fixed(double v, int decimals);
/// Whether an EPSG code is a geographic (degrees) CRS; false for unknown codes.
bool epsg_is_geographic(int epsg);

}  // namespace lc15::io
