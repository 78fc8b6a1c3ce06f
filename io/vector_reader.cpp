#include "io/vector_reader.hpp"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal.h>
#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogr_spatialref.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "engine/error.hpp"
#include "engine/polygon.hpp"
#include "io/files.hpp"
#include "io/gdal_errors.hpp"

namespace fs = std::filesystem;

namespace lc15::io {

namespace {

// ---------------------------------------------------------------- small text helpers

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim(std::string_view s) {
    std::size_t b = 0, e = s.size();
    while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
    return std::string(s.substr(b, e - b));
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string out;
    for (const auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

bool is_utf8(const std::string& s) { return CPLIsUTF8(s.c_str(), static_cast<int>(s.size())) != 0; }

std::string fmt_num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.10g", v);
    return buf;
}

const char* kUtf8Hint =
    "re-save the file as UTF-8 (Excel: \"CSV UTF-8\"; WPS/LibreOffice: character set UTF-8), or "
    "declare its encoding, e.g. encoding = \"GBK\" (lc15 convert --encoding GBK)";

/// Converts text in `encoding` (GBK, GB18030, ...) to UTF-8 through GDAL's CPLRecode (iconv).
std::string recode_to_utf8(const std::string& s, const std::string& encoding,
                           const std::string& where) {
    if (std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; })) return s;
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    char* out = CPLRecode(s.c_str(), encoding.c_str(), CPL_ENC_UTF8);
    CPLPopErrorHandler();
    std::string r = out ? out : "";
    CPLFree(out);
    if (CPLGetLastErrorType() >= CE_Warning || !is_utf8(r)) {
        throw InputError(
            where, "text cannot be converted from " + encoding + " to UTF-8",
            "check the encoding (GBK, GB18030, UTF-8, ...) or re-save the file as UTF-8");
    }
    return r;
}

std::once_flag g_gdal_once;
void ensure_gdal() {
    std::call_once(g_gdal_once, [] { GDALAllRegister(); });
}

// ---------------------------------------------------------------- coordinates

/// Converts file coordinates to WGS84 and rejects implausible ones, naming where they are.
class CoordinateChecker {
  public:
    CoordinateChecker(const Crs& crs, std::string file) : t_(crs), file_(std::move(file)) {}
    const Crs& crs() const { return t_.crs(); }

    LonLat operator()(double x, double y, const std::string& where) const {
        const std::string xy = "(" + fmt_num(x) + ", " + fmt_num(y) + ")";
        if (!std::isfinite(x) || !std::isfinite(y)) {
            throw InputError(where, "coordinate is not a finite number", "fix or delete the row");
        }
        if (t_.geographic()) {
            if (std::abs(x) > 180 || std::abs(y) > 90) {
                std::string hint = "give longitude (-180..180) and latitude (-90..90) in degrees";
                if (std::abs(y) > 90 && std::abs(y) <= 180 && std::abs(x) <= 90) {
                    hint =
                        "longitude and latitude look swapped: name the columns with "
                        "lon_field/lat_field (convert: --lon-field/--lat-field)";
                } else if (std::abs(x) > 1000 || std::abs(y) > 1000) {
                    hint =
                        "the values look like metres: declare the file's projected CRS, e.g. "
                        "crs = \"EPSG:4550\" (CGCS2000 Gauss-Kruger CM 123E)";
                }
                throw InputError(where,
                                 "coordinate " + xy + " is not longitude/latitude in degrees, as " +
                                     t_.crs().text() + " requires",
                                 hint);
            }
        } else if (std::abs(x) <= 180 && std::abs(y) <= 90) {
            throw InputError(where,
                             "coordinate " + xy + " looks like degrees, but " + t_.crs().text() +
                                 " is a projected CRS in metres",
                             "declare crs = \"WGS84\" (or \"GCJ-02\" for Amap/Tencent, \"BD-09\" "
                             "for Baidu)");
        }
        const LonLat w = t_.to_wgs84(x, y);
        if (!t_.plausible(w)) {
            std::string hint;
            switch (t_.crs().kind) {
                case CrsKind::GCJ02:
                case CrsKind::BD09:
                    hint = t_.crs().text() +
                           " is only used inside China: check the coordinate "
                           "columns, or declare crs = \"WGS84\"";
                    break;
                default:
                    hint = "check the declared coordinate system (now " + t_.crs().text() +
                           ") and the coordinate columns";
            }
            std::string at = std::isfinite(w.lon)
                                 ? " (WGS84 " + fmt_num(w.lon) + ", " + fmt_num(w.lat) + ")"
                                 : "";
            throw InputError(where,
                             "coordinate " + xy + at + " lies outside the area where " +
                                 t_.crs().text() + " is used",
                             hint);
        }
        return w;
    }

  private:
    CrsTransformer t_;
    std::string file_;
};

/// Decides which CRS to read in: declared > file's own > WGS84 (warned).
Crs choose_crs(const VectorSource& src, const std::optional<Crs>& file_crs,
               bool file_has_unknown_crs, std::vector<std::string>* warnings) {
    const std::string file = src.path.string();
    auto warn = [&](std::string w) {
        if (warnings) warnings->push_back(std::move(w));
    };
    if (src.crs_declared) {
        if (file_crs && !(*file_crs == src.crs)) {
            const bool amap_tagged_wgs84 =
                file_crs->kind == CrsKind::WGS84 &&
                (src.crs.kind == CrsKind::GCJ02 || src.crs.kind == CrsKind::BD09);
            if (!amap_tagged_wgs84) {
                warn(file + ": the file says its coordinates are " + file_crs->text() + " but " +
                     src.crs.text() + " was declared; using " + src.crs.text());
            }
        }
        return src.crs;
    }
    if (file_crs) return *file_crs;
    if (file_has_unknown_crs) {
        throw InputError(file, "the file's coordinate system has no EPSG code lc15 can identify",
                         "declare it, e.g. crs = \"EPSG:4550\" or crs = \"GCJ-02\"");
    }
    warn(file +
         ": no coordinate system declared; assuming WGS84 (declare crs = \"GCJ-02\" for "
         "Amap/Tencent lists, \"BD-09\" for Baidu)");
    return Crs::wgs84();
}

// ---------------------------------------------------------------- geometry

struct GeometryReader {
    const CoordinateChecker& convert;

    LonLat point(const OGRPoint& p, const std::string& where) const {
        return convert(p.getX(), p.getY(), where);
    }
    std::vector<LonLat> curve(const OGRSimpleCurve& c, const std::string& where) const {
        std::vector<LonLat> out;
        out.reserve(static_cast<std::size_t>(c.getNumPoints()));
        for (int i = 0; i < c.getNumPoints(); ++i)
            out.push_back(convert(c.getX(i), c.getY(i), where));
        return out;
    }
    Polygon polygon(const OGRPolygon& p, const std::string& where) const {
        Polygon out;
        if (const OGRLinearRing* r = p.getExteriorRing()) out.outer = curve(*r, where);
        for (int i = 0; i < p.getNumInteriorRings(); ++i)
            out.inners.push_back(curve(*p.getInteriorRing(i), where));
        return out;
    }

    /// Fills f.point / f.area / f.line; false if the geometry is empty.
    bool fill(Feature& f, const OGRGeometry* g, const std::string& where) const {
        if (g == nullptr || g->IsEmpty()) return false;
        std::unique_ptr<OGRGeometry> linear;
        if (g->hasCurveGeometry()) {
            linear.reset(g->getLinearGeometry());
            g = linear.get();
        }
        switch (wkbFlatten(g->getGeometryType())) {
            case wkbPoint:
                f.point = point(*g->toPoint(), where);
                return true;
            case wkbMultiPoint: {
                const OGRMultiPoint* mp = g->toMultiPoint();
                f.point = point(*mp->getGeometryRef(0), where);
                return true;
            }
            case wkbPolygon:
                f.area.push_back(polygon(*g->toPolygon(), where));
                break;
            case wkbMultiPolygon:
                for (const OGRPolygon* p : *g->toMultiPolygon())
                    f.area.push_back(polygon(*p, where));
                break;
            case wkbLineString:
                f.line = curve(*g->toLineString(), where);
                break;
            case wkbMultiLineString:
                for (const OGRLineString* l : *g->toMultiLineString()) {
                    auto part = curve(*l, where);
                    f.line.insert(f.line.end(), part.begin(), part.end());
                }
                break;
            default:
                throw InputError(where,
                                 std::string("unsupported geometry type ") + g->getGeometryName(),
                                 "give points, lines or polygons (ogr2ogr -explodecollections "
                                 "splits collections)");
        }
        if (!f.area.empty()) {
            f.point = centroid(f.area);
        } else if (!f.line.empty()) {
            f.point = f.line[f.line.size() / 2];
        } else {
            return false;
        }
        return true;
    }
};

// ---------------------------------------------------------------- field lookup

/// Index of the column called `name` (exact, then case-insensitive), or npos.
std::size_t find_column(const std::vector<std::string>& cols, const std::string& name) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (cols[i] == name) return i;
    }
    const std::string l = lower(name);
    for (std::size_t i = 0; i < cols.size(); ++i) {
        if (lower(cols[i]) == l) return i;
    }
    return std::string::npos;
}

std::size_t find_any(const std::vector<std::string>& cols,
                     std::initializer_list<const char*> names) {
    for (const char* n : names) {
        const std::size_t i = find_column(cols, n);
        if (i != std::string::npos) return i;
    }
    return std::string::npos;
}

/// The column named by the user (must exist) or auto-detected from `candidates`.
std::size_t resolve_column(const std::vector<std::string>& cols, const std::string& given,
                           std::initializer_list<const char*> candidates, const std::string& file,
                           const char* option) {
    if (given.empty()) return find_any(cols, candidates);
    const std::size_t i = find_column(cols, given);
    if (i == std::string::npos) {
        throw InputError(file, std::string("no column \"") + given + "\" (given as " + option + ")",
                         "the columns are: " + join(cols));
    }
    return i;
}

constexpr auto kLonNames = {"lon",  "lng",     "long",      "longitude", "x",
                            "经度", "point_x", "lon_gcj02", "lng_gcj02"};
constexpr auto kLatNames = {"lat", "latitude", "y", "纬度", "point_y", "lat_gcj02"};
constexpr auto kWktNames = {"wkt", "geometry", "geom", "the_geom", "shape"};
constexpr auto kLocationNames = {"location", "坐标", "经纬度"};
constexpr auto kIdNames = {"id"};
constexpr auto kNameNames = {"name", "名称", "name:zh", "name_zh", "title", "名字"};

// ---------------------------------------------------------------- CSV

struct CsvRecord {
    std::size_t line;  // 1-based line where the record starts
    std::vector<std::string> cells;
};

char detect_delimiter(const std::string& text, const fs::path& path) {
    if (lower(path.extension().string()) == ".tsv") return '\t';
    std::size_t comma = 0, semi = 0, tab = 0;
    bool quoted = false;
    for (char c : text) {
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == '\n') break;
        comma += c == ',';
        semi += c == ';';
        tab += c == '\t';
    }
    if (tab > comma && tab >= semi) return '\t';
    if (semi > comma) return ';';
    return ',';
}

std::vector<CsvRecord> parse_csv(const std::string& text, char delim, const std::string& file) {
    std::vector<CsvRecord> records;
    std::size_t line = 1, i = 0;
    const std::size_t n = text.size();
    while (i < n) {
        CsvRecord rec{line, {}};
        std::string cell;
        bool record_done = false;
        while (!record_done) {
            cell.clear();
            if (i < n && text[i] == '"') {
                const std::size_t quote_line = line;
                ++i;
                for (;;) {
                    if (i >= n) {
                        throw InputError(file + ":" + std::to_string(quote_line),
                                         "a quoted value is never closed",
                                         "close the quote, or double quotes inside a value (\"\")");
                    }
                    const char c = text[i++];
                    if (c == '"') {
                        if (i < n && text[i] == '"') {
                            cell += '"';
                            ++i;
                        } else {
                            break;
                        }
                    } else {
                        if (c == '\n') ++line;
                        cell += c;
                    }
                }
            }
            // Unquoted part (or stray text after a closing quote, kept as written).
            while (i < n && text[i] != delim && text[i] != '\n' && text[i] != '\r')
                cell += text[i++];
            rec.cells.push_back(cell);
            if (i >= n) {
                record_done = true;
            } else if (text[i] == delim) {
                ++i;
            } else {
                if (text[i] == '\r') ++i;
                if (i < n && text[i] == '\n') ++i;
                ++line;
                record_done = true;
            }
        }
        const bool blank = std::all_of(rec.cells.begin(), rec.cells.end(),
                                       [](const std::string& c) { return trim(c).empty(); });
        if (!blank) records.push_back(std::move(rec));
    }
    return records;
}

std::optional<double> parse_number(const std::string& s) {
    const std::string t = trim(s);
    if (t.empty()) return std::nullopt;
    double v = 0;
    const char* b = t.data();
    if (*b == '+') ++b;
    const auto [end, ec] = std::from_chars(b, t.data() + t.size(), v);
    if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::string read_all(const fs::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

VectorData read_csv(const VectorSource& src, std::vector<std::string>* warnings) {
    const std::string file = src.path.string();
    std::string text = read_all(src.path);
    if (text.size() >= 3 && text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
    if (!src.encoding.empty() && lower(src.encoding) != "utf-8" && lower(src.encoding) != "utf8") {
        text = recode_to_utf8(text, src.encoding, file);
    } else if (!is_utf8(text)) {
        std::size_t line = 1, start = 0;
        for (;;) {
            const std::size_t end = text.find('\n', start);
            const std::string l =
                text.substr(start, end == std::string::npos ? std::string::npos : end - start);
            if (!is_utf8(l)) break;
            if (end == std::string::npos) break;
            start = end + 1;
            ++line;
        }
        throw InputError(file + ":" + std::to_string(line),
                         "the text is not UTF-8 (GBK from Excel?)", kUtf8Hint);
    }
    const std::vector<CsvRecord> records = parse_csv(text, detect_delimiter(text, src.path), file);
    if (records.empty()) {
        throw InputError(file, "the file is empty",
                         "give a CSV with a header line and one row per feature");
    }
    VectorData out;
    for (const std::string& h : records[0].cells) out.fields.push_back(trim(h));
    out.field_types.assign(out.fields.size(), "String");
    const auto& cols = out.fields;

    const std::size_t lon = resolve_column(cols, src.lon_field, kLonNames, file, "lon_field");
    const std::size_t lat = resolve_column(cols, src.lat_field, kLatNames, file, "lat_field");
    const std::size_t wkt = resolve_column(cols, src.wkt_field, kWktNames, file, "wkt_field");
    const std::size_t loc = find_any(cols, kLocationNames);
    const std::size_t id = resolve_column(cols, src.id_field, kIdNames, file, "id_field");
    const std::size_t name = resolve_column(cols, src.name_field, kNameNames, file, "name_field");
    const bool use_lonlat = lon != std::string::npos && lat != std::string::npos;
    if (!use_lonlat && wkt == std::string::npos && loc == std::string::npos) {
        throw InputError(
            file, "no coordinate columns found (the columns are: " + join(cols) + ")",
            "name them lon and lat (or lng/longitude/x/经度, lat/latitude/y/纬度), add a "
            "WKT column, or give lon_field/lat_field (convert: --lon-field/--lat-field)");
    }
    if (use_lonlat) {
        out.lon_field = cols[lon];
        out.lat_field = cols[lat];
    } else if (wkt != std::string::npos) {
        out.wkt_field = cols[wkt];
    } else {
        out.location_field = cols[loc];
    }

    out.crs = choose_crs(src, std::nullopt, false, warnings);
    const CoordinateChecker convert(out.crs, file);
    const GeometryReader geometry{convert};
    std::vector<std::size_t> skipped;
    for (std::size_t r = 1; r < records.size(); ++r) {
        const CsvRecord& rec = records[r];
        const std::string where = file + ":" + std::to_string(rec.line);
        if (rec.cells.size() > cols.size()) {
            throw InputError(where,
                             "the row has " + std::to_string(rec.cells.size()) +
                                 " values but the header " + std::to_string(cols.size()) +
                                 " columns",
                             "put values that contain the delimiter in double quotes");
        }
        auto cell = [&](std::size_t c) -> std::string {
            return c < rec.cells.size() ? rec.cells[c] : std::string();
        };
        Feature f;
        f.source = file;
        for (std::size_t c = 0; c < cols.size(); ++c) f.tags[cols[c]] = cell(c);
        f.id = id != std::string::npos ? trim(cell(id)) : "";
        if (f.id.empty()) f.id = "line " + std::to_string(rec.line);
        if (name != std::string::npos) f.name = trim(cell(name));

        if (use_lonlat) {
            const std::string xs = cell(lon), ys = cell(lat);
            if (trim(xs).empty() && trim(ys).empty()) {
                skipped.push_back(rec.line);
                continue;
            }
            const auto x = parse_number(xs), y = parse_number(ys);
            if (!x || !y) {
                const bool bad_x = !x;
                throw InputError(where,
                                 std::string(bad_x ? cols[lon] : cols[lat]) + " value \"" +
                                     (bad_x ? xs : ys) + "\" is not a number",
                                 "write coordinates as decimal degrees with a dot, e.g. 122.2356");
            }
            f.point = convert(*x, *y, where);
        } else if (wkt != std::string::npos) {
            const std::string w = trim(cell(wkt));
            if (w.empty()) {
                skipped.push_back(rec.line);
                continue;
            }
            OGRGeometry* g = nullptr;
            if (OGRGeometryFactory::createFromWkt(w.c_str(), nullptr, &g) != OGRERR_NONE || !g) {
                throw InputError(
                    where, "column " + cols[wkt] + " is not valid WKT: \"" + w.substr(0, 60) + "\"",
                    "write geometries as WKT, e.g. POINT (122.23 40.66)");
            }
            const std::unique_ptr<OGRGeometry> owned(g);
            if (!geometry.fill(f, g, where)) {
                skipped.push_back(rec.line);
                continue;
            }
        } else {
            const std::string l = trim(cell(loc));
            if (l.empty()) {
                skipped.push_back(rec.line);
                continue;
            }
            const std::size_t comma = l.find(',');
            const auto x =
                comma == std::string::npos ? std::nullopt : parse_number(l.substr(0, comma));
            const auto y =
                comma == std::string::npos ? std::nullopt : parse_number(l.substr(comma + 1));
            if (!x || !y) {
                throw InputError(where,
                                 "column " + cols[loc] + " value \"" + l + "\" is not \"lon,lat\"",
                                 "write it as two decimal numbers separated by a comma");
            }
            f.point = convert(*x, *y, where);
        }
        out.features.push_back(std::move(f));
    }
    if (!skipped.empty() && warnings) {
        std::string lines;
        for (std::size_t k = 0; k < std::min<std::size_t>(skipped.size(), 5); ++k) {
            lines += (k ? ", " : "") + std::to_string(skipped[k]);
        }
        if (skipped.size() > 5) lines += ", ...";
        warnings->push_back(file + ": " + std::to_string(skipped.size()) +
                            " row(s) without coordinates skipped (lines " + lines + ")");
    }
    if (out.features.empty()) {
        throw InputError(file, "no rows with coordinates", "add rows below the header line");
    }
    return out;
}

// ---------------------------------------------------------------- GDAL/OGR

struct DatasetCloser {
    void operator()(GDALDataset* d) const { GDALClose(GDALDataset::ToHandle(d)); }
};
using DatasetPtr = std::unique_ptr<GDALDataset, DatasetCloser>;

bool has_sibling(const fs::path& p, const std::string& ext) {
    for (const std::string& e :
         {ext, [&] {
              std::string u = ext;
              for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
              return u;
          }()}) {
        fs::path q = p;
        q.replace_extension(e);
        std::error_code ec;
        if (fs::exists(q, ec) && fs::file_size(q, ec) > 0) return true;
    }
    return false;
}

DatasetPtr open_dataset(const VectorSource& src) {
    ensure_gdal();
    const std::string file = src.path.string();
    const bool shp = lower(src.path.extension().string()) == ".shp";
    CPLStringList options;
    if (shp) {
        if (!has_sibling(src.path, ".shx")) {
            throw InputError(
                file, "the .shx index next to the .shp is missing",
                "copy all the shapefile's parts (.shp, .shx, .dbf, .prj, .cpg) together");
        }
        if (!has_sibling(src.path, ".dbf")) {
            throw InputError(
                file, "the .dbf attribute table next to the .shp is missing",
                "copy all the shapefile's parts (.shp, .shx, .dbf, .prj, .cpg) together");
        }
        if (!src.encoding.empty()) {
            options.SetNameValue("ENCODING", src.encoding.c_str());
        } else if (!has_sibling(src.path, ".cpg")) {
            // No code page given: take the bytes as they are and insist on UTF-8 below, rather
            // than let GDAL decode them as ISO-8859-1 into plausible-looking garbage.
            options.SetNameValue("ENCODING", "");
        }
    }
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDataset* ds = GDALDataset::Open(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr,
                                        options.List(), nullptr);
    CPLPopErrorHandler();
    if (!ds) {
        const std::string msg = CPLGetLastErrorMsg();
        throw InputError(
            file, "not a vector file lc15 can read" + (msg.empty() ? "" : " (" + msg + ")"),
            "give a CSV (UTF-8), GeoJSON, Shapefile (.shp with .shx and .dbf) or GeoPackage");
    }
    return DatasetPtr(ds);
}

std::vector<std::string> layer_names(GDALDataset& ds) {
    std::vector<std::string> names;
    for (OGRLayer* l : ds.GetLayers()) names.push_back(l->GetName());
    return names;
}

/// The file's CRS as a Crs; nullopt if the file has none. *unknown is set if it has one that
/// cannot be matched to an EPSG code.
std::optional<Crs> identify(const OGRSpatialReference* srs, bool* unknown) {
    *unknown = false;
    if (srs == nullptr) return std::nullopt;
    OGRSpatialReference s(*srs);
    auto code_of = [](const OGRSpatialReference& r) -> int {
        const char* auth = r.GetAuthorityName(nullptr);
        const char* code = r.GetAuthorityCode(nullptr);
        if (auth && code && EQUAL(auth, "EPSG")) return std::atoi(code);
        return 0;
    };
    int code = code_of(s);
    if (code == 0 && s.AutoIdentifyEPSG() == OGRERR_NONE) code = code_of(s);
    if (code == 0) {
        int n = 0;
        int* confidence = nullptr;
        CPLPushErrorHandler(CPLQuietErrorHandler);
        OGRSpatialReferenceH* matches = s.FindMatches(nullptr, &n, &confidence);
        CPLPopErrorHandler();
        for (int i = 0; i < n && code == 0; ++i) {
            if (confidence[i] >= 90) code = code_of(*OGRSpatialReference::FromHandle(matches[i]));
        }
        OSRFreeSRSArray(matches);
        CPLFree(confidence);
    }
    if (code == 0) {
        *unknown = true;
        return std::nullopt;
    }
    return Crs::from_epsg(code);
}

VectorData read_ogr(const VectorSource& src, std::vector<std::string>* warnings) {
    const std::string file = src.path.string();
    DatasetPtr ds = open_dataset(src);
    const std::vector<std::string> layers = layer_names(*ds);
    OGRLayer* layer = nullptr;
    if (!src.layer.empty()) {
        layer = ds->GetLayerByName(src.layer.c_str());
        if (!layer) {
            throw InputError(file, "no layer \"" + src.layer + "\"",
                             "the layers are: " + join(layers) + "; name one of them as layer");
        }
    } else if (layers.size() == 1) {
        layer = ds->GetLayer(0);
    } else if (layers.empty()) {
        throw InputError(file, "the file has no layers", "check that it is the file you meant");
    } else {
        throw InputError(
            file, "the file has " + std::to_string(layers.size()) + " layers: " + join(layers),
            "choose one with layer = \"...\" (convert: --layer)");
    }
    const std::string lname = layer->GetName();
    const std::string where_layer = layers.size() > 1 ? file + " (layer " + lname + ")" : file;

    bool unknown_crs = false;
    const std::optional<Crs> file_crs = identify(layer->GetSpatialRef(), &unknown_crs);
    // Text that GDAL does not decode itself: shapefiles without .cpg (raw), other formats with
    // an explicit encoding. Shapefiles with ENCODING set are decoded by GDAL.
    const bool shp = lower(src.path.extension().string()) == ".shp";
    const bool recode = !src.encoding.empty() && !shp;
    auto text = [&](std::string s, const std::string& where) {
        if (recode) return recode_to_utf8(s, src.encoding, where);
        if (!is_utf8(s)) throw InputError(where, "the text is not UTF-8", kUtf8Hint);
        return s;
    };

    VectorData out;
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    for (int i = 0; i < defn->GetFieldCount(); ++i) {
        const OGRFieldDefn* fd = defn->GetFieldDefn(i);
        out.fields.push_back(
            text(fd->GetNameRef(), where_layer + ": field " + std::to_string(i + 1) + " name"));
        const OGRFieldType t = fd->GetType();
        out.field_types.push_back(t == OFTInteger || t == OFTInteger64 ? "Integer"
                                  : t == OFTReal                       ? "Real"
                                                                       : "String");
    }
    const auto& cols = out.fields;
    const std::size_t id = resolve_column(cols, src.id_field, kIdNames, file, "id_field");
    const std::size_t name = resolve_column(cols, src.name_field, kNameNames, file, "name_field");
    if (!src.lon_field.empty() || !src.lat_field.empty()) {
        if (warnings)
            warnings->push_back(file +
                                ": lon_field/lat_field apply to CSV only; using the geometry");
    }

    out.crs = choose_crs(src, file_crs, unknown_crs, warnings);
    const CoordinateChecker convert(out.crs, file);
    const GeometryReader geometry{convert};
    std::size_t skipped = 0, total = 0;
    std::vector<std::string> skipped_ids;
    GdalErrors gdal(where_layer);  // GDAL's read errors: no raw lines on stderr, fatal below
    layer->ResetReading();
    for (auto& feat : *layer) {
        ++total;
        const std::string fid = "fid " + std::to_string(feat->GetFID());
        const std::string where = where_layer + ": " + fid;
        gdal.at(where_layer + ": after " + fid);
        Feature f;
        f.source = file;
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            std::string v;
            if (feat->IsFieldSetAndNotNull(i))
                v = text(feat->GetFieldAsString(i),
                         where + " field " + cols[static_cast<std::size_t>(i)]);
            f.tags[cols[static_cast<std::size_t>(i)]] = std::move(v);
        }
        if (id != std::string::npos) f.id = trim(f.tags[cols[id]]);
        if (f.id.empty()) f.id = fid;
        if (name != std::string::npos) f.name = trim(f.tags[cols[name]]);
        if (!geometry.fill(f, feat->GetGeometryRef(), where)) {
            ++skipped;
            if (skipped_ids.size() < 5) skipped_ids.push_back(fid);
            continue;
        }
        out.features.push_back(std::move(f));
    }
    gdal.check(
        "the file is truncated or damaged: copy it again from its source, or re-export "
        "it (QGIS: Export > Save Features As)");
    if (warnings) {
        for (std::string& w : gdal.warnings()) warnings->push_back(std::move(w));
    }
    if (total == 0) {
        throw InputError(where_layer, "the layer has no features",
                         layers.size() > 1 ? "choose another layer: " + join(layers)
                                           : "check that it is the file you meant");
    }
    if (skipped > 0 && warnings) {
        warnings->push_back(where_layer + ": " + std::to_string(skipped) +
                            " feature(s) without geometry skipped (" + join(skipped_ids) +
                            (skipped > skipped_ids.size() ? ", ..." : "") + ")");
    }
    if (out.features.empty()) {
        throw InputError(where_layer, "no feature has a geometry",
                         "check that it is the layer you meant");
    }
    return out;
}

bool is_csv(const fs::path& p) {
    const std::string e = lower(p.extension().string());
    return e == ".csv" || e == ".tsv" || e == ".txt";
}

}  // namespace

VectorData read_vector(const VectorSource& source, std::vector<std::string>* warnings) {
    require_readable(source.path, "vector file");
    return is_csv(source.path) ? read_csv(source, warnings) : read_ogr(source, warnings);
}

std::vector<Feature> read_features(const VectorSource& source, std::vector<std::string>* warnings) {
    return read_vector(source, warnings).features;
}

void require_valid_area(const Feature& f, const std::string& where, const std::string& what,
                        const std::string& not_area_fix) {
    if (!f.is_area()) throw InputError(where, what + " is not a polygon", not_area_fix);
    if (const std::string why = polygon_problem(f.area); !why.empty()) {
        throw InputError(where, what + " polygon: " + why,
                         "repair it in QGIS (Vector > Geometry Tools > Fix Geometries, or Check "
                         "Validity) and save the file again");
    }
}

std::vector<std::string> list_layers(const fs::path& path) {
    require_readable(path, "vector file");
    if (is_csv(path)) return {path.stem().string()};
    VectorSource src;
    src.path = path;
    DatasetPtr ds = open_dataset(src);
    return layer_names(*ds);
}

}  // namespace lc15::io
