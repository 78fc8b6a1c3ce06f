#include "io/vector_writer.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>

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

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    std::string s = buf;
    if (s.find('.') != std::string::npos) {
        while (s.back() == '0') s.pop_back();
        if (s.back() == '.') s.pop_back();
    }
    if (s == "-0") s = "0";
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

OGRLinearRing ring(const Ring& r) {
    OGRLinearRing out;
    for (const LonLat& p : r) out.addPoint(p.lon, p.lat);
    out.closeRings();
    return out;
}

OGRPolygon polygon(const lc15::Polygon& p) {
    OGRPolygon out;
    OGRLinearRing outer = ring(p.outer);
    out.addRing(&outer);
    for (const Ring& h : p.inners) {
        OGRLinearRing inner = ring(h);
        out.addRing(&inner);
    }
    return out;
}

std::unique_ptr<OGRGeometry> geometry(const Layer& layer, const Row& row,
                                      const std::string& where) {
    switch (layer.geometry) {
        case Layer::Point:
            return std::make_unique<OGRPoint>(row.point.lon, row.point.lat);
        case Layer::LineString: {
            auto l = std::make_unique<OGRLineString>();
            for (const LonLat& p : row.line) l->addPoint(p.lon, p.lat);
            return l;
        }
        case Layer::Polygon:
            if (row.area.size() > 1) {
                throw InputError(where, "a Polygon layer row holds several polygons",
                                 "make the layer MultiPolygon");
            }
            return std::make_unique<OGRPolygon>(row.area.empty() ? OGRPolygon()
                                                                 : polygon(row.area.front()));
        case Layer::MultiPolygon: {
            auto mp = std::make_unique<OGRMultiPolygon>();
            for (const lc15::Polygon& p : row.area) {
                const OGRPolygon part = polygon(p);
                mp->addGeometry(&part);
            }
            return mp;
        }
        case Layer::None:
            break;
    }
    return nullptr;
}

void check_row(const Layer& layer, const Row& row, std::size_t r) {
    const std::string where = "layer " + layer.name + ", row " + std::to_string(r + 1);
    if (row.values.size() != layer.fields.size()) {
        throw std::logic_error(where + ": " + std::to_string(row.values.size()) + " values for " +
                               std::to_string(layer.fields.size()) + " fields");
    }
    for (std::size_t i = 0; i < row.values.size(); ++i) {
        const Value& v = row.values[i];
        const Field::Type t = layer.fields[i].type;
        const bool ok = std::holds_alternative<std::monostate>(v) || t == Field::String ||
                        (t == Field::Int && std::holds_alternative<std::int64_t>(v)) ||
                        (t == Field::Real && !std::holds_alternative<std::string>(v));
        if (!ok)
            throw std::logic_error(where + ": wrong value type for field " + layer.fields[i].name);
    }
}

void write_ogr(const char* driver_name, const fs::path& path, const std::vector<Layer>& layers,
               const std::vector<std::string>& layer_options) {
    ensure_gdal();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
    if (!driver) throw std::runtime_error(std::string("GDAL has no ") + driver_name + " driver");
    std::error_code ec;
    fs::remove(path, ec);
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    struct Pop {
        ~Pop() { CPLPopErrorHandler(); }
    } pop;
    DatasetPtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!ds) {
        throw InputError(path.string(), "cannot create the file" + last_error(),
                         "choose an output folder you can write to");
    }
    std::set<std::string> names;
    const bool transaction = ds->StartTransaction() == OGRERR_NONE;
    for (const Layer& layer : layers) {
        if (!names.insert(layer.name).second) {
            throw std::logic_error("two layers named " + layer.name + " in " + path.string());
        }
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
        OGRLayer* out =
            ds->CreateLayer(layer.name.c_str(), srs_ptr, ogr_type(layer.geometry), lco.List());
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
        OGRFeatureDefn* defn = out->GetLayerDefn();
        for (std::size_t r = 0; r < layer.rows.size(); ++r) {
            const Row& row = layer.rows[r];
            check_row(layer, row, r);
            OGRFeature feat(defn);
            for (std::size_t i = 0; i < row.values.size(); ++i) {
                const int fi = static_cast<int>(i);
                std::visit(
                    [&](const auto& v) {
                        using T = std::decay_t<decltype(v)>;
                        if constexpr (std::is_same_v<T, std::monostate>) {
                            feat.SetFieldNull(fi);
                        } else if constexpr (std::is_same_v<T, std::int64_t>) {
                            feat.SetField(fi, static_cast<GIntBig>(v));
                        } else if constexpr (std::is_same_v<T, double>) {
                            feat.SetField(fi, v);
                        } else {
                            feat.SetField(fi, v.c_str());
                        }
                    },
                    row.values[i]);
            }
            if (layer.geometry != Layer::None) {
                feat.SetGeometryDirectly(geometry(layer, row, "layer " + layer.name).release());
            }
            if (out->CreateFeature(&feat) != OGRERR_NONE) {
                throw InputError(path.string(),
                                 "cannot write row " + std::to_string(r + 1) + " of layer " +
                                     layer.name + last_error(),
                                 "check free disk space");
            }
        }
    }
    if (transaction && ds->CommitTransaction() != OGRERR_NONE) {
        throw InputError(path.string(), "cannot commit the file" + last_error(),
                         "check free disk space");
    }
    ds.reset();  // flush and close
    if (CPLGetLastErrorType() >= CE_Failure) {
        throw InputError(path.string(), "writing failed" + last_error(), "check free disk space");
    }
}

std::string csv_quote(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

std::string wkt_ring(const Ring& r, int decimals) {
    std::string s = "(";
    for (std::size_t i = 0; i <= r.size(); ++i) {
        if (i == r.size() && (r.empty() || r.front() == r.back())) break;  // close the ring
        const LonLat p = r[i % r.size()];
        if (i) s += ", ";
        s += fixed(p.lon, decimals) + " " + fixed(p.lat, decimals);
    }
    return s + ")";
}

std::string wkt(const Layer& layer, const Row& row, int decimals) {
    switch (layer.geometry) {
        case Layer::Point:
            return "POINT (" + fixed(row.point.lon, decimals) + " " +
                   fixed(row.point.lat, decimals) + ")";
        case Layer::LineString: {
            std::string s = "LINESTRING (";
            for (std::size_t i = 0; i < row.line.size(); ++i) {
                s += (i ? ", " : "") + fixed(row.line[i].lon, decimals) + " " +
                     fixed(row.line[i].lat, decimals);
            }
            return s + ")";
        }
        case Layer::Polygon:
        case Layer::MultiPolygon: {
            auto poly = [&](const lc15::Polygon& p) {
                std::string s = "(" + wkt_ring(p.outer, decimals);
                for (const Ring& h : p.inners) s += ", " + wkt_ring(h, decimals);
                return s + ")";
            };
            if (layer.geometry == Layer::Polygon) {
                return row.area.empty() ? "POLYGON EMPTY" : "POLYGON " + poly(row.area.front());
            }
            std::string s = "MULTIPOLYGON (";
            for (std::size_t i = 0; i < row.area.size(); ++i)
                s += (i ? ", " : "") + poly(row.area[i]);
            return s + ")";
        }
        case Layer::None:
            break;
    }
    return "";
}

}  // namespace

std::string value_text(const Value& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
                return "";
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                return std::to_string(x);
            } else if constexpr (std::is_same_v<T, double>) {
                if (!std::isfinite(x)) return "";
                char buf[32];
                const auto r = std::to_chars(buf, buf + sizeof buf, x);
                return std::string(buf, r.ptr);
            } else {
                return x;
            }
        },
        v);
}

void write_gpkg(const fs::path& path, const std::vector<Layer>& layers) {
    write_ogr("GPKG", path, layers, {});
}

void write_geojson(const fs::path& path, const Layer& layer) {
    std::vector<std::string> options{"WRITE_NAME=YES"};
    if (layer.epsg == 4326) options.push_back("RFC7946=YES");
    write_ogr("GeoJSON", path, {layer}, options);
}

void write_csv_bom(const fs::path& path, const std::vector<std::string>& header,
                   const std::vector<std::vector<Value>>& rows) {
    std::string out = "\xEF\xBB\xBF";
    for (std::size_t i = 0; i < header.size(); ++i) out += (i ? "," : "") + csv_quote(header[i]);
    out += "\r\n";
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i)
            out += (i ? "," : "") + csv_quote(value_text(row[i]));
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
    std::vector<std::vector<Value>> rows;
    rows.reserve(layer.rows.size());
    for (std::size_t r = 0; r < layer.rows.size(); ++r) {
        const Row& row = layer.rows[r];
        check_row(layer, row, r);
        std::vector<Value> v = row.values;
        if (layer.geometry == Layer::Point) {
            v.emplace_back(fixed(row.point.lon, decimals));
            v.emplace_back(fixed(row.point.lat, decimals));
        } else if (layer.geometry != Layer::None) {
            v.emplace_back(wkt(layer, row, decimals));
        }
        rows.push_back(std::move(v));
    }
    write_csv_bom(path, header, rows);
}

}  // namespace lc15::io
