// lc15 io — writing result layers for planners: GeoPackage (QGIS), GeoJSON (web maps) and
// CSV with a UTF-8 BOM (Excel shows Chinese names).
//
//   Layer l{"communities", Layer::MultiPolygon, {{"name", Field::String}, {"coverage",
//   Field::Real}}}; l.rows.push_back({.area = poly, .values = {std::string("滨海社区"), 0.83}});
//   OutputDir out("results/");
//   write_gpkg(out.stage("coverage.gpkg"), {&l, &stops_layer});   // several layers, one file
//   write_csv_bom(out.stage("communities.csv"), l);
//   out.commit();
//
// Coordinates are the layer's CRS (EPSG:4326 lon/lat unless `epsg` says otherwise); GCJ-02
// and BD-09 data are tagged EPSG:4326, as Amap's and Baidu's own exports are. Writers write
// to the path they are given, replacing a file already there: give them paths staged through
// io::OutputDir so that no half-written output is ever seen. Strings must be UTF-8.
//
// Errors: InputError naming the path (cannot create / write) or the layer and row (a row with
// the wrong number of values or a value of the wrong type). Cost: linear in the rows (GPKG:
// n log n for the spatial index); GPKG rows are written in one transaction per layer. Thread
// safety: reentrant (nothing shared).
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <memory>
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
void write_gpkg(const std::filesystem::path& path, std::initializer_list<const Layer*> layers);

/// A GeoPackage written row by row, for layers too big to hold as a Layer first (a city's
/// homes): GDAL writes each layer's table, metadata and empty spatial index; its rows then go in
/// through one prepared SQLite INSERT, in one transaction per layer, and its R*Tree is packed
/// once after them (sort-tile-recursive). The index triggers are put back, so that later edits
/// (QGIS) keep the index current.
///
///   GpkgWriter w(out.stage("coverage.gpkg"));
///   w.add(communities);                     // a whole Layer
///   w.begin(homes_header);                  // name, geometry, fields, epsg; rows ignored
///   Row row;                                // reused: no allocation per row
///   for (...) { row.values.clear(); ...; w.row(row); }
///   w.close();                              // commits and closes; throws on failure
///
/// Without close() (an exception on the way) the file is left unfinished: it is a staged
/// path, removed by io::OutputDir. Errors as write_gpkg.
class GpkgWriter {
  public:
    explicit GpkgWriter(const std::filesystem::path& path);
    ~GpkgWriter();
    GpkgWriter(const GpkgWriter&) = delete;
    GpkgWriter& operator=(const GpkgWriter&) = delete;
    void add(const Layer& layer);    ///< begin(layer) and every row of it
    void begin(const Layer& layer);  ///< a new layer; the previous one is finished
    void row(const Row& row);        ///< one row of the layer begun last
    void end();  ///< finishes the layer begun last (its index, extent, count); begin() and
                 ///< close() call it, add() too
    void close();

    struct State;

  private:
    std::unique_ptr<State> s_;
};

/// GeoJSON FeatureCollection (RFC 7946 when epsg is 4326; otherwise with a "crs" member).
void write_geojson(const std::filesystem::path& path, const Layer& layer);

/// CSV in UTF-8 with a BOM, RFC 4180 quoting, CRLF line ends; header row first.
void write_csv_bom(const std::filesystem::path& path, const std::vector<std::string>& header,
                   const std::vector<std::vector<Value>>& rows);

/// A layer as CSV: its fields, then lon,lat (Point; x,y if projected) or wkt (other shapes).
void write_csv_bom(const std::filesystem::path& path, const Layer& layer);

/// Text of a value as the CSV writer puts it (shortest round-trip form for reals).
std::string value_text(const Value& v);
/// Appends value_text(v) to `out` (no temporary string).
void append_value_text(std::string& out, const Value& v);
/// Fixed-point text without trailing zeros: fixed(122.2350000, 7) == "122.235". Coordinates
/// are written with 7 decimals in degrees and 3 in metres (~1 cm either way).
std::string fixed(double v, int decimals);
/// Appends fixed(v, decimals) to `out` (no temporary string).
void append_fixed(std::string& out, double v, int decimals);
/// Whether an EPSG code is a geographic (degrees) CRS; false for unknown codes.
bool epsg_is_geographic(int epsg);

}  // namespace lc15::io
