#include "io/vector_writer.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
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

// A Polygon layer's row holds one polygon (or none): every writer refuses more.
void check_single_polygon(const Layer& layer, const Row& row) {
    if (layer.geometry == Layer::Polygon && row.area.size() > 1) {
        throw InputError("layer " + layer.name, "a Polygon layer row holds several polygons",
                         "make the layer MultiPolygon");
    }
}

OGRGeometry* geometry(const Layer& layer, const Row& row) {
    check_single_polygon(layer, row);
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

namespace {

// A new layer of `layer`'s name, geometry, CRS and fields in `ds` (creation options `lco`);
// errors name `path`.
OGRLayer* create_ogr_layer(GDALDataset& ds, const fs::path& path, const Layer& layer, char** lco) {
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
    OGRLayer* out = ds.CreateLayer(layer.name.c_str(), srs_ptr, ogr_type(layer.geometry), lco);
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
    return out;
}

// One OGR dataset being written (GeoJSON): layers one after another, rows one at a time, all in
// one transaction; GDAL's quiet error handler for its lifetime (errors are thrown with its text).
struct OgrDataset {
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

    OgrDataset(const char* driver_name, fs::path p, std::vector<std::string> options)
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
    ~OgrDataset() {
        feat.reset();
        ds.reset();
        if (handler) CPLPopErrorHandler();
    }

    void begin(const Layer& layer) {
        if (!ds) throw std::logic_error("OgrDataset: " + path.string() + " is closed");
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
        out = create_ogr_layer(*ds, path, layer, lco.List());
        feat = std::make_unique<OGRFeature>(out->GetLayerDefn());
    }

    void row(const Row& row) {
        if (!feat) throw std::logic_error("OgrDataset: a row before any layer in " + path.string());
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
        if (header.geometry != Layer::None) feat->SetGeometryDirectly(geometry(header, row));
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

void write_ogr(const char* driver_name, const fs::path& path,
               std::initializer_list<const Layer*> layers,
               const std::vector<std::string>& layer_options) {
    OgrDataset w(driver_name, path, layer_options);
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

// ----------------------------------------------------------------------------- GeoPackage
//
// GDAL writes each layer's schema and metadata: the table, gpkg_contents,
// gpkg_geometry_columns, the SRS, the R*Tree of the spatial index and its triggers. The rows
// then go in through SQLite itself, one prepared INSERT bound and stepped per row, and the
// R*Tree is packed once after them (sort-tile-recursive, into the shadow tables SQLite's rtree
// module reads), instead of an OGRFeature filled field by field per row and an rtree insert
// per row. The layer's triggers are set aside while its rows go in and put back unchanged
// after, so that a later edit in QGIS keeps the index up to date as GDAL's own files do.

namespace {

struct SqliteCloser {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtCloser {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtCloser>;

std::string sql_name(std::string_view name) {  // an SQL identifier in double quotes
    std::string q = "\"";
    for (char c : name) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + '"';
}

// A box in the float32 an rtree keeps: the minimum rounded down, the maximum up, so that the
// stored box always holds the geometry (as SQLite's rtree rounds what it is given).
struct Box32 {
    float minx, maxx, miny, maxy;
};
float round_down(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) > v) f = std::nextafter(f, -std::numeric_limits<float>::infinity());
    return f;
}
float round_up(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) < v) f = std::nextafter(f, std::numeric_limits<float>::infinity());
    return f;
}

void put_be32(std::string& out, std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xff);
}
void put_be64(std::string& out, std::uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xff);
}
void put_be_float(std::string& out, float f) {
    std::uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    put_be32(out, u);
}
template <class T>
void put_le(std::string& out, T v) {  // the host is little-endian (x86-64, arm64)
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    out.append(b, sizeof(T));
}

}  // namespace

struct GpkgWriter::State {
    fs::path path;
    std::set<std::string> names;
    Layer header;  // the current layer, without rows
    SqlitePtr db;
    // Rows go in B at a time, one INSERT of B rows: SQLite's cost per statement (its program
    // started and stopped, the AUTOINCREMENT counter GDAL's tables keep read and written back)
    // is then paid once per B rows. A layer's last rows, fewer than B, go in one statement of
    // their own. Each row waits in a slot of `pending`, its blob and values its own copies.
    struct Pending {
        std::string blob;
        bool indexed = false;  // has a box for the rtree
        Box32 box{};
        std::vector<Value> values;
    };
    std::string insert_head, insert_marks;  // "INSERT INTO t (cols) VALUES ", "(?,…,?)"
    StmtPtr insert;                         // of `batch` rows
    std::size_t batch = 1, columns = 0, waiting = 0;
    std::vector<Pending> pending;
    std::string table, geom_column, rtree;  // rtree: "" when the layer has no spatial index
    std::vector<std::string> triggers;      // the layer's own, set aside while its rows go in
    int srs_id = 0;
    std::size_t rows = 0;
    bool open = true, in_layer = false;
    double minx = 0, maxx = 0, miny = 0, maxy = 0;  // the layer's extent, once have_extent
    bool have_extent = false;
    std::vector<std::pair<std::int64_t, Box32>> boxes;
    std::string blob, text;  // reused per row

    explicit State(fs::path p) : path(std::move(p)) {
        ensure_gdal();
        std::error_code ec;
        fs::remove(path, ec);
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
        if (!driver) throw std::runtime_error("GDAL has no GPKG driver");
        CPLErrorReset();
        CPLPushErrorHandler(CPLQuietErrorHandler);
        DatasetPtr ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        const std::string err = last_error();
        ds.reset();
        CPLPopErrorHandler();
        if (!fs::exists(path)) {
            throw InputError(path.string(), "cannot create the file" + err,
                             "choose an output folder you can write to");
        }
    }
    [[noreturn]] void fail(const std::string& what) const {
        const std::string m = db ? sqlite3_errmsg(db.get()) : "";
        throw InputError(path.string(), what + (m.empty() ? "" : " (" + m + ")"),
                         "check free disk space and that the folder is writable");
    }
    void exec(const std::string& sql) const {
        if (sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
            fail("cannot write layer " + header.name);
    }
    StmtPtr prepare(const std::string& sql) const {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr) != SQLITE_OK)
            fail("cannot write layer " + header.name);
        return StmtPtr(s);
    }
    void step(sqlite3_stmt* s, const char* what) const {
        if (sqlite3_step(s) != SQLITE_DONE) fail(std::string("cannot write ") + what);
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
    }

    // The empty layer through GDAL: table, metadata, SRS, spatial index and triggers. Returns
    // the INSERT of one row (the geometry, then the fields in order).
    std::string create_layer(const Layer& layer) {
        CPLErrorReset();
        CPLPushErrorHandler(CPLQuietErrorHandler);
        struct Pop {
            ~Pop() { CPLPopErrorHandler(); }
        } pop;
        const char* const drivers[] = {"GPKG", nullptr};
        DatasetPtr ds(GDALDataset::FromHandle(
            GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE, drivers, nullptr, nullptr)));
        if (!ds) {
            throw InputError(path.string(), "cannot open the file again" + last_error(),
                             "choose an output folder you can write to");
        }
        const char* const lco[] = {"SPATIAL_INDEX=YES", nullptr};
        OGRLayer* out = create_ogr_layer(*ds, path, layer, const_cast<char**>(lco));
        table = out->GetName();
        geom_column = layer.geometry == Layer::None ? "" : out->GetGeometryColumn();
        std::string columns, marks;
        if (!geom_column.empty()) {
            columns = sql_name(geom_column);
            marks = "?";
        }
        OGRFeatureDefn* defn = out->GetLayerDefn();
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            columns += (columns.empty() ? "" : ",") + sql_name(defn->GetFieldDefn(i)->GetNameRef());
            marks += marks.empty() ? "?" : ",?";
        }
        ds.reset();  // GDAL writes the table, its metadata and its index, then closes
        if (CPLGetLastErrorType() >= CE_Failure) {
            throw InputError(path.string(), "cannot create layer " + layer.name + last_error(),
                             "check free disk space");
        }
        insert_marks = "(" + marks + ")";
        if (columns.empty()) return "INSERT INTO " + sql_name(table) + " DEFAULT VALUES";
        return "INSERT INTO " + sql_name(table) + " (" + columns + ") VALUES ";
    }

    void begin(const Layer& layer) {
        if (!open) throw std::logic_error("GpkgWriter: " + path.string() + " is closed");
        if (!names.insert(layer.name).second)
            throw std::logic_error("two layers named " + layer.name + " in " + path.string());
        finish_layer();
        header.name = layer.name;
        header.geometry = layer.geometry;
        header.fields = layer.fields;
        header.epsg = layer.epsg;
        rows = 0;
        boxes.clear();
        insert_head = create_layer(layer);

        sqlite3* raw = nullptr;
        // One thread uses the connection: no mutex taken per SQLite call.
        if (sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            nullptr) != SQLITE_OK) {
            db.reset(raw);
            fail("cannot open the file");
        }
        db.reset(raw);
        sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 0, nullptr);  // shadow tables
        // No rollback journal and no flush per layer: the file is new and staged, so a write
        // that fails leaves nothing a reader sees (io::OutputDir removes it), and OutputDir
        // flushes it to disk once, before the outputs switch. Measured: a fifth less time for
        // homes_grid-like rows (docs/BENCHMARKS.md).
        exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-65536");
        exec("BEGIN");
        {
            StmtPtr s =
                prepare("SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name=?");
            sqlite3_bind_text(s.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
            std::vector<std::string> drop;
            triggers.clear();
            while (sqlite3_step(s.get()) == SQLITE_ROW) {
                drop.push_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 0)));
                triggers.push_back(reinterpret_cast<const char*>(sqlite3_column_text(s.get(), 1)));
            }
            for (const std::string& t : drop) exec("DROP TRIGGER " + sql_name(t));
        }
        rtree.clear();
        srs_id = 0;
        if (!geom_column.empty()) {
            StmtPtr s = prepare("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name=?");
            sqlite3_bind_text(s.get(), 1, table.c_str(), -1, SQLITE_TRANSIENT);
            if (sqlite3_step(s.get()) == SQLITE_ROW) srs_id = sqlite3_column_int(s.get(), 0);
            const std::string name = "rtree_" + table + "_" + geom_column;
            StmtPtr t = prepare("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?");
            sqlite3_bind_text(t.get(), 1, name.c_str(), -1, SQLITE_TRANSIENT);
            if (sqlite3_step(t.get()) == SQLITE_ROW) rtree = name;
        }
        columns = (geom_column.empty() ? 0 : 1) + header.fields.size();
        // 32 rows a statement, fewer when SQLite's limit on bound values is low; one when the
        // row has no columns (DEFAULT VALUES).
        const auto limit = static_cast<std::size_t>(
            std::max(1, sqlite3_limit(db.get(), SQLITE_LIMIT_VARIABLE_NUMBER, -1)));
        batch = columns == 0 ? 1 : std::clamp<std::size_t>(limit / columns, 1, 32);
        insert = prepare(insert_sql(batch));
        pending.resize(batch);
        waiting = 0;
        in_layer = true;
    }

    // The geometry as a GeoPackage blob: "GP", version, flags, srs_id, envelope, ISO WKB.
    // Returns false for an empty geometry (no rtree entry).
    bool geometry_blob(const Row& row, Box32& box) {
        blob.clear();
        blob += "GP";
        blob += '\0';
        if (header.geometry == Layer::Point) {
            blob += '\x01';  // little-endian, no envelope (a point is its own)
            put_le<std::int32_t>(blob, srs_id);
            blob += '\x01';
            put_le<std::uint32_t>(blob, 1);
            put_le(blob, row.point.lon);
            put_le(blob, row.point.lat);
            extend(row.point.lon, row.point.lon, row.point.lat, row.point.lat, box);
            return true;
        }
        return direct_wkb(row, box);
    }
    // A line or polygons straight into the blob as OGR's exportToWkb writes them (ISO,
    // little-endian; rings closed as closeRings() closes them, empty parts kept as empty),
    // without an OGRGeometry per row. An empty geometry (no point at all) has no envelope and
    // the header's empty flag, as GDAL writes it; false then (no rtree entry).
    bool direct_wkb(const Row& row, Box32& box) {
        const Layer::Geometry kind = header.geometry;
        check_single_polygon(header, row);
        const std::size_t flags_at = blob.size();
        blob += '\x03';  // little-endian, the envelope [minx, maxx, miny, maxy]
        put_le<std::int32_t>(blob, srs_id);
        const std::size_t envelope_at = blob.size();
        blob.resize(envelope_at + 4 * sizeof(double));
        double e[4] = {
            std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
            std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()};
        auto point = [&](const LonLat& q) {
            put_le(blob, q.lon);
            put_le(blob, q.lat);
            e[0] = std::min(e[0], q.lon), e[1] = std::max(e[1], q.lon);
            e[2] = std::min(e[2], q.lat), e[3] = std::max(e[3], q.lat);
        };
        auto ring = [&](const Ring& r) {
            const bool open =
                r.size() >= 2 && (r.front().lon != r.back().lon || r.front().lat != r.back().lat);
            put_le<std::uint32_t>(blob, static_cast<std::uint32_t>(r.size() + (open ? 1 : 0)));
            for (const LonLat& q : r) point(q);
            if (open) point(r.front());
        };
        auto polygon = [&](const lc15::Polygon& p) {
            blob += '\x01';
            put_le<std::uint32_t>(blob, 3);
            put_le<std::uint32_t>(blob, static_cast<std::uint32_t>(1 + p.inners.size()));
            ring(p.outer);
            for (const Ring& h : p.inners) ring(h);
        };
        if (kind == Layer::LineString) {
            blob += '\x01';
            put_le<std::uint32_t>(blob, 2);
            put_le<std::uint32_t>(blob, static_cast<std::uint32_t>(row.line.size()));
            for (const LonLat& q : row.line) point(q);
        } else if (kind == Layer::Polygon) {
            if (row.area.empty()) {
                blob += '\x01';
                put_le<std::uint32_t>(blob, 3);
                put_le<std::uint32_t>(blob, 0);
            } else {
                polygon(row.area.front());
            }
        } else if (kind == Layer::MultiPolygon) {
            blob += '\x01';
            put_le<std::uint32_t>(blob, 6);
            put_le<std::uint32_t>(blob, static_cast<std::uint32_t>(row.area.size()));
            for (const lc15::Polygon& p : row.area) polygon(p);
        } else {
            throw std::logic_error("GpkgWriter: no geometry blob for layer " + header.name);
        }
        if (e[0] > e[1]) {  // no point: empty
            blob[flags_at] = '\x11';
            blob.erase(envelope_at, 4 * sizeof(double));
            return false;
        }
        std::memcpy(blob.data() + envelope_at, e, sizeof e);
        extend(e[0], e[1], e[2], e[3], box);
        return true;
    }
    void extend(double x0, double x1, double y0, double y1, Box32& box) {
        if (!have_extent) {
            minx = x0, maxx = x1, miny = y0, maxy = y1;
            have_extent = true;
        } else {
            minx = std::min(minx, x0), maxx = std::max(maxx, x1);
            miny = std::min(miny, y0), maxy = std::max(maxy, y1);
        }
        box = {round_down(x0), round_up(x1), round_down(y0), round_up(y1)};
    }

    std::string insert_sql(std::size_t n) const {
        if (columns == 0) return insert_head;
        std::string sql = insert_head;
        for (std::size_t i = 0; i < n; ++i) {
            if (i) sql += ',';
            sql += insert_marks;
        }
        return sql;
    }

    void row(const Row& row) {
        if (!in_layer)
            throw std::logic_error("GpkgWriter: a row before any layer in " + path.string());
        check_row(header, row, rows);
        Pending& p = pending[waiting];
        if (!geom_column.empty()) {
            p.indexed = geometry_blob(row, p.box);
            std::swap(p.blob, blob);  // the slot keeps this blob; its old buffer is reused
        }
        p.values = row.values;
        ++rows;
        if (++waiting == batch) flush();
    }

    // The waiting rows into the table, in one statement; their boxes kept for the rtree.
    void flush() {
        if (waiting == 0) return;
        StmtPtr tail;  // the layer's last rows, fewer than a batch
        if (waiting < batch) tail = prepare(insert_sql(waiting));
        sqlite3_stmt* s = tail ? tail.get() : insert.get();
        int col = 1;
        for (std::size_t r = 0; r < waiting; ++r) {
            const Pending& p = pending[r];
            if (!geom_column.empty())
                sqlite3_bind_blob(s, col++, p.blob.data(), static_cast<int>(p.blob.size()),
                                  SQLITE_STATIC);
            for (std::size_t i = 0; i < p.values.size(); ++i, ++col) {
                const Value& v = p.values[i];
                if (std::holds_alternative<std::monostate>(v)) {
                    sqlite3_bind_null(s, col);
                } else if (header.fields[i].type == Field::String) {
                    if (const auto* str = std::get_if<std::string>(&v)) {
                        sqlite3_bind_text(s, col, str->data(), static_cast<int>(str->size()),
                                          SQLITE_STATIC);
                    } else {
                        text.clear();
                        append_value_text(text, v);
                        sqlite3_bind_text(s, col, text.data(), static_cast<int>(text.size()),
                                          SQLITE_TRANSIENT);
                    }
                } else if (const auto* n = std::get_if<std::int64_t>(&v)) {
                    if (header.fields[i].type == Field::Int)
                        sqlite3_bind_int64(s, col, *n);
                    else
                        sqlite3_bind_double(s, col, static_cast<double>(*n));
                } else {
                    sqlite3_bind_double(s, col, std::get<double>(v));
                }
            }
        }
        if (sqlite3_step(s) != SQLITE_DONE) {
            fail("cannot write rows " + std::to_string(rows - waiting + 1) + "-" +
                 std::to_string(rows) + " of layer " + header.name);
        }
        sqlite3_reset(s);
        if (!rtree.empty()) {
            // The fids of one INSERT are consecutive: the table is new, its key AUTOINCREMENT,
            // and nothing else writes it.
            const std::int64_t first =
                sqlite3_last_insert_rowid(db.get()) - static_cast<std::int64_t>(waiting) + 1;
            for (std::size_t r = 0; r < waiting; ++r)
                if (pending[r].indexed)
                    boxes.emplace_back(first + static_cast<std::int64_t>(r), pending[r].box);
        }
        waiting = 0;
    }

    // Packs `boxes` into the rtree's shadow tables: leaves of up to `fanout` entries tiled by x
    // then y (sort-tile-recursive), then the levels above them the same way, the root node 1.
    void pack_rtree() {
        if (rtree.empty() || boxes.empty()) return;
        int node_bytes = 0;
        {
            StmtPtr s = prepare("SELECT length(data) FROM " + sql_name(rtree + "_node") +
                                " WHERE nodeno=1");
            if (sqlite3_step(s.get()) == SQLITE_ROW) node_bytes = sqlite3_column_int(s.get(), 0);
        }
        constexpr int kCellBytes = 8 + 4 * 4;  // rowid or child node, then 4 float32
        const std::size_t fanout = node_bytes > 4 ? (node_bytes - 4) / kCellBytes : 0;
        if (fanout < 4) fail("unexpected rtree node size in layer " + header.name);

        struct Entry {
            std::int64_t id;  // a row's fid (leaves) or a node's index in `nodes` (above)
            Box32 box;
            double cx, cy;  // twice the box's centre: the sort keys, computed once
        };
        struct Node {
            std::vector<Entry> cells;
            Box32 box{};
            std::int64_t number = 0;
        };
        std::vector<std::vector<Node>> levels;  // levels[0]: the leaves
        std::vector<Entry> entries;
        entries.reserve(boxes.size());
        auto entry = [](std::int64_t id, const Box32& b) {
            return Entry{id, b, double(b.minx) + double(b.maxx), double(b.miny) + double(b.maxy)};
        };
        for (const auto& [id, b] : boxes) entries.push_back(entry(id, b));
        while (true) {
            const std::size_t n = entries.size();
            const std::size_t nodes = (n + fanout - 1) / fanout;
            const auto slices = static_cast<std::size_t>(std::ceil(std::sqrt(double(nodes))));
            const std::size_t per_slice = slices * fanout;
            std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
                return a.cx != b.cx ? a.cx < b.cx : a.id < b.id;
            });
            std::vector<Node> level;
            for (std::size_t s0 = 0; s0 < n; s0 += per_slice) {
                const auto s1 =
                    entries.begin() + static_cast<std::ptrdiff_t>(std::min(n, s0 + per_slice));
                std::sort(entries.begin() + static_cast<std::ptrdiff_t>(s0), s1,
                          [&](const Entry& a, const Entry& b) {
                              return a.cy != b.cy ? a.cy < b.cy : a.id < b.id;
                          });
                for (auto it = entries.begin() + static_cast<std::ptrdiff_t>(s0); it < s1;) {
                    Node node;
                    const auto end =
                        it + std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(fanout), s1 - it);
                    node.cells.assign(it, end);
                    node.box = node.cells.front().box;
                    for (const Entry& c : node.cells) {
                        node.box.minx = std::min(node.box.minx, c.box.minx);
                        node.box.maxx = std::max(node.box.maxx, c.box.maxx);
                        node.box.miny = std::min(node.box.miny, c.box.miny);
                        node.box.maxy = std::max(node.box.maxy, c.box.maxy);
                    }
                    level.push_back(std::move(node));
                    it = end;
                }
            }
            levels.push_back(std::move(level));
            if (levels.back().size() == 1) break;
            entries.clear();
            for (std::size_t i = 0; i < levels.back().size(); ++i)
                entries.push_back(entry(static_cast<std::int64_t>(i), levels.back()[i].box));
        }
        // Node numbers: the root 1, then level by level from the top.
        std::int64_t next = 1;
        for (std::size_t l = levels.size(); l-- > 0;)
            for (Node& node : levels[l]) node.number = next++;
        const auto depth = static_cast<std::uint32_t>(levels.size() - 1);

        exec("DELETE FROM " + sql_name(rtree + "_node") + "; DELETE FROM " +
             sql_name(rtree + "_parent") + "; DELETE FROM " + sql_name(rtree + "_rowid"));
        StmtPtr put_node =
            prepare("INSERT INTO " + sql_name(rtree + "_node") + " (nodeno, data) VALUES (?, ?)");
        StmtPtr put_parent = prepare("INSERT INTO " + sql_name(rtree + "_parent") +
                                     " (nodeno, parentnode) VALUES (?, ?)");
        // Each row's leaf, to go in by fid below.
        const std::int64_t first_id = boxes.front().first;
        std::vector<std::int64_t> leaf_of(
            static_cast<std::size_t>(boxes.back().first - first_id + 1), 0);
        std::string data;
        for (std::size_t l = levels.size(); l-- > 0;) {
            for (const Node& node : levels[l]) {
                data.clear();
                const std::uint32_t head = (node.number == 1 ? depth << 16 : 0) |
                                           static_cast<std::uint32_t>(node.cells.size());
                put_be32(data, head);  // depth (root only), then the number of cells
                for (const Entry& c : node.cells) {
                    const std::int64_t child = l == 0 ? c.id : levels[l - 1][c.id].number;
                    put_be64(data, static_cast<std::uint64_t>(child));
                    put_be_float(data, c.box.minx);
                    put_be_float(data, c.box.maxx);
                    put_be_float(data, c.box.miny);
                    put_be_float(data, c.box.maxy);
                    if (l == 0) {
                        leaf_of[static_cast<std::size_t>(c.id - first_id)] = node.number;
                    } else {
                        sqlite3_bind_int64(put_parent.get(), 1, child);
                        sqlite3_bind_int64(put_parent.get(), 2, node.number);
                        step(put_parent.get(), "the spatial index");
                    }
                }
                data.resize(static_cast<std::size_t>(node_bytes), '\0');
                sqlite3_bind_int64(put_node.get(), 1, node.number);
                sqlite3_bind_blob(put_node.get(), 2, data.data(), static_cast<int>(data.size()),
                                  SQLITE_STATIC);
                step(put_node.get(), "the spatial index");
            }
        }
        // The rows' leaves in fid order, many to a statement: each goes at the end of the
        // table's B-tree, and SQLite starts its program once per batch, not once per row.
        constexpr std::size_t kRowidBatch = 500;
        auto put_rowids = [&](std::size_t count) {
            std::string sql =
                "INSERT INTO " + sql_name(rtree + "_rowid") + " (rowid, nodeno) VALUES ";
            for (std::size_t i = 0; i < count; ++i) sql += i ? ",(?,?)" : "(?,?)";
            return prepare(sql);
        };
        StmtPtr full = put_rowids(kRowidBatch);
        std::vector<std::pair<std::int64_t, std::int64_t>> rows_of_batch;
        rows_of_batch.reserve(kRowidBatch);
        auto put = [&](sqlite3_stmt* s) {
            int col = 1;
            for (const auto& [id, leaf] : rows_of_batch) {
                sqlite3_bind_int64(s, col++, id);
                sqlite3_bind_int64(s, col++, leaf);
            }
            step(s, "the spatial index");
            rows_of_batch.clear();
        };
        for (std::size_t i = 0; i < leaf_of.size(); ++i) {
            if (leaf_of[i] == 0) continue;  // an empty geometry: no entry
            rows_of_batch.emplace_back(first_id + static_cast<std::int64_t>(i), leaf_of[i]);
            if (rows_of_batch.size() == kRowidBatch) put(full.get());
        }
        if (!rows_of_batch.empty()) put(put_rowids(rows_of_batch.size()).get());
    }

    void finish_layer() {
        if (!in_layer) return;
        flush();
        in_layer = false;
        insert.reset();
        pending.clear();
        pack_rtree();
        boxes.clear();
        boxes.shrink_to_fit();
        if (have_extent) {
            StmtPtr s = prepare(
                "UPDATE gpkg_contents SET min_x=?, min_y=?, max_x=?, max_y=? WHERE table_name=?");
            sqlite3_bind_double(s.get(), 1, minx);
            sqlite3_bind_double(s.get(), 2, miny);
            sqlite3_bind_double(s.get(), 3, maxx);
            sqlite3_bind_double(s.get(), 4, maxy);
            sqlite3_bind_text(s.get(), 5, table.c_str(), -1, SQLITE_TRANSIENT);
            step(s.get(), "the layer's extent");
        }
        have_extent = false;
        {
            StmtPtr s = prepare("UPDATE gpkg_ogr_contents SET feature_count=? WHERE table_name=?");
            sqlite3_bind_int64(s.get(), 1, static_cast<std::int64_t>(rows));
            sqlite3_bind_text(s.get(), 2, table.c_str(), -1, SQLITE_TRANSIENT);
            step(s.get(), "the layer's feature count");
        }
        for (const std::string& t : triggers) exec(t);
        exec("COMMIT");
        if (sqlite3_close(db.release()) != SQLITE_OK) fail("cannot close the file");
    }

    void close() {
        if (!open) return;
        finish_layer();
        open = false;
    }
};

GpkgWriter::GpkgWriter(const fs::path& path) : s_(std::make_unique<State>(path)) {}
GpkgWriter::~GpkgWriter() = default;
void GpkgWriter::begin(const Layer& layer) { s_->begin(layer); }
void GpkgWriter::row(const Row& row) { s_->row(row); }
void GpkgWriter::add(const Layer& layer) {
    s_->begin(layer);
    for (const Row& r : layer.rows) s_->row(r);
    s_->finish_layer();
}
void GpkgWriter::end() { s_->finish_layer(); }
void GpkgWriter::close() { s_->close(); }

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
        check_single_polygon(layer, row);  // the WKT would hold the first one only
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
