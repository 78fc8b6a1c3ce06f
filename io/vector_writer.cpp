#include "io/vector_writer.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>
#include <string_view>

#include "engine/error.hpp"
#include "io/files.hpp"

namespace fs = std::filesystem;

namespace lc15::io {

namespace {

std::once_flag g_gdal_once;
void ensure_gdal() {
    std::call_once(g_gdal_once, [] { GDALAllRegister(); });
}

struct DatasetCloser {
    void operator()(GDALDataset* d) const { GDALClose(GDALDataset::ToHandle(d)); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

std::string last_error() {
    const std::string m = CPLGetLastErrorMsg();
    return m.empty() ? "" : " (" + m + ")";
}

}  // namespace

bool epsg_is_geographic(int epsg) {
    if (epsg == 4326) return true;
    ensure_gdal();
    OGRSpatialReference srs;
    CPLPushErrorHandler(CPLQuietErrorHandler);
    const bool ok = srs.importFromEPSG(epsg) == OGRERR_NONE;
    CPLPopErrorHandler();
    return ok && srs.IsGeographic();
}

void append_fixed(std::string& out, double v, int decimals) {
    char buf[400];  // the longest double in fixed notation, 1e308, with its decimals
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
    char* end = r.ptr;
    if (std::find(buf, end, '.') != end) {
        while (end[-1] == '0') --end;
        if (end[-1] == '.') --end;
    }
    if (end - buf == 2 && buf[0] == '-' && buf[1] == '0') {
        out += '0';
        return;
    }
    out.append(buf, end);
}

std::string fixed(double v, int decimals) {
    std::string s;
    append_fixed(s, v, decimals);
    return s;
}

namespace {

OGRwkbGeometryType ogr_type(Layer::Geometry g) {
    switch (g) {
        case Layer::Point:
            return wkbPoint;
        case Layer::LineString:
            return wkbLineString;
        case Layer::Polygon:
            return wkbPolygon;
        case Layer::MultiPolygon:
            return wkbMultiPolygon;
        case Layer::None:
            return wkbNone;
    }
    return wkbUnknown;
}

// Geometries built in place: each ring's points set once, rings and parts handed over
// (addRingDirectly, addGeometryDirectly), not copied.
OGRLinearRing* ring(const Ring& r) {
    auto* out = new OGRLinearRing();
    out->setNumPoints(static_cast<int>(r.size()), FALSE);
    for (std::size_t i = 0; i < r.size(); ++i)
        out->setPoint(static_cast<int>(i), r[i].lon, r[i].lat);
    out->closeRings();
    return out;
}

OGRPolygon* polygon(const lc15::Polygon& p) {
    auto* out = new OGRPolygon();
    out->addRingDirectly(ring(p.outer));
    for (const Ring& h : p.inners) out->addRingDirectly(ring(h));
    return out;
}

OGRGeometry* geometry(const Layer& layer, const Row& row, const std::string& where) {
    switch (layer.geometry) {
        case Layer::Point:
            return new OGRPoint(row.point.lon, row.point.lat);
        case Layer::LineString: {
            auto* l = new OGRLineString();
            l->setNumPoints(static_cast<int>(row.line.size()), FALSE);
            for (std::size_t i = 0; i < row.line.size(); ++i)
                l->setPoint(static_cast<int>(i), row.line[i].lon, row.line[i].lat);
            return l;
        }
        case Layer::Polygon:
            if (row.area.size() > 1) {
                throw InputError(where, "a Polygon layer row holds several polygons",
                                 "make the layer MultiPolygon");
            }
            return row.area.empty() ? new OGRPolygon() : polygon(row.area.front());
        case Layer::MultiPolygon: {
            auto* mp = new OGRMultiPolygon();
            for (const lc15::Polygon& p : row.area) mp->addGeometryDirectly(polygon(p));
            return mp;
        }
        case Layer::None:
            break;
    }
    return nullptr;
}

void check_row(const Layer& layer, const Row& row, std::size_t r) {
    auto where = [&] { return "layer " + layer.name + ", row " + std::to_string(r + 1); };
    if (row.values.size() != layer.fields.size()) {
        throw std::logic_error(where() + ": " + std::to_string(row.values.size()) + " values for " +
                               std::to_string(layer.fields.size()) + " fields");
    }
    for (std::size_t i = 0; i < row.values.size(); ++i) {
        const Value& v = row.values[i];
        const Field::Type t = layer.fields[i].type;
        const bool ok = std::holds_alternative<std::monostate>(v) || t == Field::String ||
                        (t == Field::Int && std::holds_alternative<std::int64_t>(v)) ||
                        (t == Field::Real && !std::holds_alternative<std::string>(v));
        if (!ok)
            throw std::logic_error(where() + ": wrong value type for field " +
                                   layer.fields[i].name);
    }
}

}  // namespace

// One OGR dataset being written: layers one after another, rows one at a time, all in one
// transaction; GDAL's quiet error handler for its lifetime (errors are thrown with its text).
struct GpkgWriter::State {
    fs::path path;
    std::vector<std::string> layer_options;
    DatasetPtr ds;
    bool transaction = false;
    bool handler = false;
    std::set<std::string> names;
    Layer header;  // the current layer, without rows
    OGRLayer* out = nullptr;
    std::unique_ptr<OGRFeature> feat;
    std::size_t rows = 0;

    State(const char* driver_name, fs::path p, std::vector<std::string> options)
        : path(std::move(p)), layer_options(std::move(options)) {
        ensure_gdal();
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
        if (!driver)
            throw std::runtime_error(std::string("GDAL has no ") + driver_name + " driver");
        std::error_code ec;
        fs::remove(path, ec);
        CPLErrorReset();
        CPLPushErrorHandler(CPLQuietErrorHandler);
        handler = true;
        ds.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        if (!ds) {
            throw InputError(path.string(), "cannot create the file" + last_error(),
                             "choose an output folder you can write to");
        }
        transaction = ds->StartTransaction() == OGRERR_NONE;
    }
    ~State() {
        feat.reset();
        ds.reset();
        if (handler) CPLPopErrorHandler();
    }

    void begin(const Layer& layer) {
        if (!ds) throw std::logic_error("GpkgWriter: " + path.string() + " is closed");
        if (!names.insert(layer.name).second) {
            throw std::logic_error("two layers named " + layer.name + " in " + path.string());
        }
        feat.reset();
        header.name = layer.name;
        header.geometry = layer.geometry;
        header.fields = layer.fields;
        header.epsg = layer.epsg;
        rows = 0;
        CPLStringList lco;
        for (const std::string& o : layer_options) lco.AddString(o.c_str());
        if (layer.epsg != 4326) lco.SetNameValue("RFC7946", nullptr);
        OGRSpatialReference srs;
        OGRSpatialReference* srs_ptr = nullptr;
        if (layer.geometry != Layer::None) {
            if (srs.importFromEPSG(layer.epsg) != OGRERR_NONE) {
                throw InputError(path.string(), "unknown EPSG code " + std::to_string(layer.epsg),
                                 "use a valid EPSG code");
            }
            srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
            srs_ptr = &srs;
        }
        out = ds->CreateLayer(layer.name.c_str(), srs_ptr, ogr_type(layer.geometry), lco.List());
        if (!out) {
            throw InputError(path.string(), "cannot create layer " + layer.name + last_error(),
                             "check the output path and free disk space");
        }
        for (const Field& f : layer.fields) {
            OGRFieldDefn fd(f.name.c_str(), f.type == Field::Int    ? OFTInteger64
                                            : f.type == Field::Real ? OFTReal
                                                                    : OFTString);
            if (out->CreateField(&fd) != OGRERR_NONE) {
                throw InputError(
                    path.string(),
                    "cannot create field " + f.name + " in layer " + layer.name + last_error(),
                    "use distinct field names");
            }
        }
        feat = std::make_unique<OGRFeature>(out->GetLayerDefn());
    }

    void row(const Row& row) {
        if (!feat) throw std::logic_error("GpkgWriter: a row before any layer in " + path.string());
        check_row(header, row, rows);
        feat->Reset();  // one feature recycled for every row of the layer
        for (std::size_t i = 0; i < row.values.size(); ++i) {
            const int fi = static_cast<int>(i);
            std::visit(
                [&](const auto& v) {
                    using T = std::decay_t<decltype(v)>;
                    if constexpr (std::is_same_v<T, std::monostate>) {
                        feat->SetFieldNull(fi);
                    } else if constexpr (std::is_same_v<T, std::int64_t>) {
                        feat->SetField(fi, static_cast<GIntBig>(v));
                    } else if constexpr (std::is_same_v<T, double>) {
                        feat->SetField(fi, v);
                    } else {
                        feat->SetField(fi, v.c_str());
                    }
                },
                row.values[i]);
        }
        if (header.geometry != Layer::None)
            feat->SetGeometryDirectly(geometry(header, row, "layer " + header.name));
        if (out->CreateFeature(feat.get()) != OGRERR_NONE) {
            throw InputError(path.string(),
                             "cannot write row " + std::to_string(rows + 1) + " of layer " +
                                 header.name + last_error(),
                             "check free disk space");
        }
        ++rows;
    }

    void close() {
        if (!ds) return;
        feat.reset();
        if (transaction && ds->CommitTransaction() != OGRERR_NONE) {
            throw InputError(path.string(), "cannot commit the file" + last_error(),
                             "check free disk space");
        }
        ds.reset();  // flush and close
        if (CPLGetLastErrorType() >= CE_Failure) {
            throw InputError(path.string(), "writing failed" + last_error(),
                             "check free disk space");
        }
    }
};

GpkgWriter::GpkgWriter(const fs::path& path)
    : s_(std::make_unique<State>("GPKG", path, std::vector<std::string>{"SPATIAL_INDEX=YES"})) {}
GpkgWriter::~GpkgWriter() = default;
void GpkgWriter::begin(const Layer& layer) { s_->begin(layer); }
void GpkgWriter::row(const Row& row) { s_->row(row); }
void GpkgWriter::add(const Layer& layer) {
    s_->begin(layer);
    for (const Row& r : layer.rows) s_->row(r);
}
void GpkgWriter::close() { s_->close(); }

namespace {

void write_ogr(const char* driver_name, const fs::path& path,
               std::initializer_list<const Layer*> layers,
               const std::vector<std::string>& layer_options) {
    GpkgWriter::State w(driver_name, path, layer_options);
    for (const Layer* layer : layers) {
        w.begin(*layer);
        for (const Row& r : layer->rows) w.row(r);
    }
    w.close();
}

// RFC 4180: quoted where the text holds a comma, a quote or a line break.
void append_csv(std::string& out, std::string_view s) {
    if (s.find_first_of(",\"\r\n") == std::string_view::npos) {
        out += s;
        return;
    }
    out += '"';
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    out += '"';
}

void append_point(std::string& out, const LonLat& p, int decimals) {
    append_fixed(out, p.lon, decimals);
    out += ' ';
    append_fixed(out, p.lat, decimals);
}

void append_wkt_ring(std::string& out, const Ring& r, int decimals) {
    out += '(';
    for (std::size_t i = 0; i <= r.size(); ++i) {
        if (i == r.size() && (r.empty() || r.front() == r.back())) break;  // close the ring
        if (i) out += ", ";
        append_point(out, r[i % r.size()], decimals);
    }
    out += ')';
}

void append_wkt(std::string& out, const Layer& layer, const Row& row, int decimals) {
    switch (layer.geometry) {
        case Layer::Point:
            out += "POINT (";
            append_point(out, row.point, decimals);
            out += ')';
            return;
        case Layer::LineString:
            out += "LINESTRING (";
            for (std::size_t i = 0; i < row.line.size(); ++i) {
                if (i) out += ", ";
                append_point(out, row.line[i], decimals);
            }
            out += ')';
            return;
        case Layer::Polygon:
        case Layer::MultiPolygon: {
            auto poly = [&](const lc15::Polygon& p) {
                out += '(';
                append_wkt_ring(out, p.outer, decimals);
                for (const Ring& h : p.inners) {
                    out += ", ";
                    append_wkt_ring(out, h, decimals);
                }
                out += ')';
            };
            if (layer.geometry == Layer::Polygon) {
                if (row.area.empty()) {
                    out += "POLYGON EMPTY";
                } else {
                    out += "POLYGON ";
                    poly(row.area.front());
                }
                return;
            }
            out += "MULTIPOLYGON (";
            for (std::size_t i = 0; i < row.area.size(); ++i) {
                if (i) out += ", ";
                poly(row.area[i]);
            }
            out += ')';
            return;
        }
        case Layer::None:
            return;
    }
}

// One CSV cell: numbers formatted into `out` directly (they never need quoting).
void append_csv_value(std::string& out, const Value& v) {
    if (const auto* str = std::get_if<std::string>(&v)) {
        append_csv(out, *str);
    } else {
        append_value_text(out, v);
    }
}

void append_csv_header(std::string& out, const std::vector<std::string>& header) {
    out += "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < header.size(); ++i) {
        if (i) out += ',';
        append_csv(out, header[i]);
    }
    out += "\r\n";
}

}  // namespace

void append_value_text(std::string& out, const Value& v) {
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return;
            } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
                if constexpr (std::is_same_v<T, double>) {
                    if (!std::isfinite(x)) return;
                }
                char buf[32];  // the shortest form that reads back the same
                const auto r = std::to_chars(buf, buf + sizeof buf, x);
                out.append(buf, r.ptr);
            } else {
                out += x;
            }
        },
        v);
}

std::string value_text(const Value& v) {
    std::string s;
    append_value_text(s, v);
    return s;
}

void write_gpkg(const fs::path& path, std::initializer_list<const Layer*> layers) {
    GpkgWriter w(path);
    for (const Layer* l : layers) w.add(*l);
    w.close();
}

void write_gpkg(const fs::path& path, const std::vector<Layer>& layers) {
    GpkgWriter w(path);
    for (const Layer& l : layers) w.add(l);
    w.close();
}

void write_geojson(const fs::path& path, const Layer& layer) {
    std::vector<std::string> options{"WRITE_NAME=YES"};
    if (layer.epsg == 4326) options.push_back("RFC7946=YES");
    write_ogr("GeoJSON", path, {&layer}, options);
}

void write_csv_bom(const fs::path& path, const std::vector<std::string>& header,
                   const std::vector<std::vector<Value>>& rows) {
    std::string out;
    append_csv_header(out, header);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            if (i) out += ',';
            append_csv_value(out, row[i]);
        }
        out += "\r\n";
    }
    write_file_atomic(path, out);
}

void write_csv_bom(const fs::path& path, const Layer& layer) {
    std::vector<std::string> header;
    for (const Field& f : layer.fields) header.push_back(f.name);
    const bool degrees = epsg_is_geographic(layer.epsg);
    const int decimals = degrees ? 7 : 3;  // ~1 cm either way
    if (layer.geometry == Layer::Point) {
        header.push_back(degrees ? "lon" : "x");
        header.push_back(degrees ? "lat" : "y");
    } else if (layer.geometry != Layer::None) {
        header.push_back("wkt");
    }
    std::string out;
    append_csv_header(out, header);
    std::string wkt;
    for (std::size_t r = 0; r < layer.rows.size(); ++r) {
        const Row& row = layer.rows[r];
        check_row(layer, row, r);
        for (std::size_t i = 0; i < row.values.size(); ++i) {
            if (i) out += ',';
            append_csv_value(out, row.values[i]);
        }
        const char* sep = row.values.empty() ? "" : ",";
        if (layer.geometry == Layer::Point) {
            out += sep;
            append_fixed(out, row.point.lon, decimals);
            out += ',';
            append_fixed(out, row.point.lat, decimals);
        } else if (layer.geometry != Layer::None) {
            out += sep;
            wkt.clear();
            append_wkt(wkt, layer, row, decimals);
            append_csv(out, wkt);
        }
        out += "\r\n";
    }
    write_file_atomic(path, out);
}

}  // namespace lc15::io
