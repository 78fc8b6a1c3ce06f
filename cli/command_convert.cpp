// lc15 convert — re-project a planner's point/polygon file between WGS84, GCJ-02, BD-09 and
// EPSG systems, keeping its attributes. The output format follows OUT's extension (.csv with
// a UTF-8 BOM, .geojson/.json, .gpkg). A CSV written from a CSV keeps its columns in order,
// with only the coordinate values replaced.
#include <cmath>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "engine/error.hpp"
#include "io/crs.hpp"
#include "io/files.hpp"
#include "io/vector_reader.hpp"
#include "io/vector_writer.hpp"

namespace lc15::cli {
namespace {

namespace fs = std::filesystem;

enum class Format { Csv, GeoJson, Gpkg };

Format format_of(const fs::path& out) {
    std::string ext = out.extension().string();
    for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".csv") return Format::Csv;
    if (ext == ".geojson" || ext == ".json") return Format::GeoJson;
    if (ext == ".gpkg") return Format::Gpkg;
    throw InputError(out.string(), "unknown output format \"" + ext + "\"",
                     "end OUT with .csv, .geojson or .gpkg");
}

class ConvertCommand : public Command {
  public:
    const char* name() const override { return "convert"; }
    const char* description() const override {
        return "Convert a point/polygon file between WGS84, GCJ-02 (Amap), BD-09 (Baidu) and EPSG "
               "systems, keeping its attributes";
    }

    void setup(CLI::App& app) override {
        app.add_option("IN", in_, "Input file: CSV, GeoJSON, Shapefile, GeoPackage")->required();
        app.add_option("OUT", out_, "Output file: .csv (UTF-8 with BOM), .geojson or .gpkg")
            ->required();
        app.add_option("--from", from_,
                       "CRS of IN: WGS84, GCJ-02 (amap, tencent), BD-09 (baidu), CGCS2000, EPSG:n "
                       "(default: the file's own, else WGS84)");
        app.add_option("--to", to_, "CRS of OUT: WGS84, GCJ-02, BD-09, CGCS2000 or EPSG:n")
            ->required();
        app.add_option("--layer", layer_, "Layer of a multi-layer input (GeoPackage)");
        app.add_option("--out-layer", out_layer_,
                       "Layer name in OUT (default: the input layer or OUT's name)");
        app.add_option("--lon-field", lon_field_,
                       "CSV column holding longitude / x (default: auto)");
        app.add_option("--lat-field", lat_field_,
                       "CSV column holding latitude / y (default: auto)");
        app.add_option("--encoding", encoding_,
                       "Text encoding of IN if not UTF-8, e.g. GBK or GB18030");
    }

    int run() override {
        io::VectorSource src;
        src.path = in_;
        src.layer = layer_;
        src.lon_field = lon_field_;
        src.lat_field = lat_field_;
        src.encoding = encoding_;
        if (!from_.empty()) {
            src.crs = io::Crs::parse(from_, "--from");
            src.crs_declared = true;
        }
        const io::Crs to = io::Crs::parse(to_, "--to");
        const Format format = format_of(out_);
        refuse_overwriting_input();

        std::vector<std::string> warnings;
        io::VectorData data = io::read_vector(src, &warnings);
        for (const std::string& w : warnings) std::cerr << "lc15 convert: warning: " << w << "\n";

        const io::CrsTransformer target(to);
        const int epsg = to.kind == io::CrsKind::EPSG ? to.epsg : 4326;
        const int decimals = target.geographic() ? 7 : 3;  // ~1 cm
        auto project = [&](LonLat p, const io::Feature& f) {
            const auto [x, y] = target.from_wgs84(p);
            if (!std::isfinite(x) || !std::isfinite(y)) {
                throw InputError(in_.string() + ": " + f.id, "cannot be expressed in " + to.text(),
                                 "choose a CRS whose area covers the data");
            }
            return LonLat{x, y};
        };

        const fs::path dir = out_.has_parent_path() ? out_.parent_path() : fs::path(".");
        io::OutputDir out(dir, io::CommitMode::single_files);
        const fs::path staged = out.stage(out_.filename().string());
        if (format == Format::Csv && (!data.lon_field.empty() || !data.location_field.empty())) {
            write_csv_in_place(staged, data, project, decimals);
        } else {
            io::Layer layer = make_layer(data, project, epsg, format == Format::Csv);
            if (format == Format::Csv) {
                io::write_csv_bom(staged, layer);
            } else if (format == Format::GeoJson) {
                io::write_geojson(staged, layer);
            } else {
                io::write_gpkg(staged, {&layer});
            }
        }
        out.commit();
        std::cerr << "lc15 convert: " << data.features.size() << " features from "
                  << data.crs.text() << " to " << to.text() << " -> " << out_.string() << "\n";
        return kExitOk;
    }

  private:
    // OUT must not be IN (also through another spelling or a link): a second run would shift
    // the points again, ~0.5 km per GCJ-02 step, and the original would be lost.
    void refuse_overwriting_input() const {
        std::error_code ec;
        if (fs::exists(out_, ec) && fs::equivalent(in_, out_, ec)) {
            throw InputError(out_.string(), "OUT is the input file itself",
                             "write to another file, e.g. " +
                                 (out_.parent_path() /
                                  (out_.stem().string() + "_converted" + out_.extension().string()))
                                     .string());
        }
    }

    template <class Project>
    void write_csv_in_place(const fs::path& path, const io::VectorData& data, Project project,
                            int decimals) const {
        std::vector<std::vector<io::Value>> rows;
        rows.reserve(data.features.size());
        for (const io::Feature& f : data.features) {
            const LonLat p = project(f.point, f);
            std::vector<io::Value> row;
            for (const std::string& col : data.fields) {
                if (!data.lon_field.empty() && col == data.lon_field) {
                    row.emplace_back(io::fixed(p.lon, decimals));
                } else if (!data.lon_field.empty() && col == data.lat_field) {
                    row.emplace_back(io::fixed(p.lat, decimals));
                } else if (col == data.location_field) {
                    row.emplace_back(io::fixed(p.lon, decimals) + "," + io::fixed(p.lat, decimals));
                } else {
                    const auto it = f.tags.find(col);
                    row.emplace_back(it == f.tags.end() ? std::string() : it->second);
                }
            }
            rows.push_back(std::move(row));
        }
        io::write_csv_bom(path, data.fields, rows);
    }

    template <class Project>
    io::Layer make_layer(const io::VectorData& data, Project project, int epsg, bool csv) const {
        io::Layer layer;
        layer.name = !out_layer_.empty() ? out_layer_
                     : !layer_.empty()   ? layer_
                                         : out_.stem().string();
        layer.epsg = epsg;
        bool points = false, areas = false, lines = false;
        for (const io::Feature& f : data.features) {
            (f.is_area() ? areas : !f.line.empty() ? lines : points) = true;
        }
        if (int(points) + int(areas) + int(lines) > 1) {
            throw InputError(in_.string(), "the file mixes points, lines and polygons",
                             "split it by geometry type first (ogr2ogr -where / -nlt)");
        }
        layer.geometry = areas   ? io::Layer::MultiPolygon
                         : lines ? io::Layer::LineString
                                 : io::Layer::Point;
        // Coordinate columns of a CSV input are replaced by the geometry.
        std::vector<std::size_t> keep;
        for (std::size_t i = 0; i < data.fields.size(); ++i) {
            const std::string& c = data.fields[i];
            if (c == data.lon_field || c == data.lat_field || c == data.wkt_field ||
                c == data.location_field)
                continue;
            keep.push_back(i);
            const std::string& t = data.field_types[i];
            const io::Field::Type type = csv              ? io::Field::String
                                         : t == "Integer" ? io::Field::Int
                                         : t == "Real"    ? io::Field::Real
                                                          : io::Field::String;
            layer.fields.push_back({c, type});
        }
        for (const io::Feature& f : data.features) {
            io::Row row;
            if (f.is_area()) {
                for (const Polygon& poly : f.area) {
                    Polygon q;
                    for (const LonLat& p : poly.outer) q.outer.push_back(project(p, f));
                    for (const Ring& h : poly.inners) {
                        Ring r;
                        for (const LonLat& p : h) r.push_back(project(p, f));
                        q.inners.push_back(std::move(r));
                    }
                    row.area.push_back(std::move(q));
                }
            } else if (!f.line.empty()) {
                for (const LonLat& p : f.line) row.line.push_back(project(p, f));
            } else {
                row.point = project(f.point, f);
            }
            for (std::size_t k = 0; k < keep.size(); ++k) {
                const std::string& col = data.fields[keep[k]];
                const auto it = f.tags.find(col);
                const std::string v = it == f.tags.end() ? std::string() : it->second;
                row.values.push_back(parse_value(v, layer.fields[k].type));
            }
            layer.rows.push_back(std::move(row));
        }
        return layer;
    }

    static io::Value parse_value(const std::string& v, io::Field::Type type) {
        if (v.empty()) return std::monostate{};
        try {
            std::size_t used = 0;
            if (type == io::Field::Int) {
                const long long x = std::stoll(v, &used);
                if (used == v.size()) return std::int64_t{x};
            } else if (type == io::Field::Real) {
                const double x = std::stod(v, &used);
                if (used == v.size()) return x;
            }
        } catch (const std::exception&) {
        }
        if (type != io::Field::String) return std::monostate{};  // GDAL-typed: always parses
        return v;
    }

    fs::path in_, out_;
    std::string from_, to_, layer_, out_layer_, lon_field_, lat_field_, encoding_;
};

}  // namespace

std::unique_ptr<Command> make_convert_command() { return std::make_unique<ConvertCommand>(); }

}  // namespace lc15::cli
