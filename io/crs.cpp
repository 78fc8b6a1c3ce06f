#include "io/crs.hpp"

#include <proj.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <mutex>
#include <unordered_map>

#include "engine/error.hpp"

namespace lc15::io {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// GCJ-02 ellipsoid of the public formula (Krasovsky 1940).
constexpr double kGcjA = 6378245.0;
constexpr double kGcjEe = 0.00669342162296594323;
constexpr double kXPi = kPi * 3000.0 / 180.0;
constexpr double kConverged = 1e-9;  // degrees
constexpr int kMaxIterations = 30;

double gcj_dlat(double x, double y) {
    double r =
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::abs(x));
    r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
    r += (160.0 * std::sin(y / 12.0 * kPi) + 320.0 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
    return r;
}

double gcj_dlon(double x, double y) {
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::abs(x));
    r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
    r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
    return r;
}

// Inverts f by fixed-point iteration from `start`, q <- q + (target - f(q)); f is a small, smooth
// offset
// (|f(q) - q| < 0.01°, slope ~1e-3), so each step gains ~3 digits: 4 steps reach 1e-9°.
template <class F>
LonLat invert(LonLat target, F f, LonLat start) {
    LonLat q = start;
    for (int i = 0; i < kMaxIterations; ++i) {
        const LonLat fq = f(q);
        const double dlon = target.lon - fq.lon, dlat = target.lat - fq.lat;
        q.lon += dlon;
        q.lat += dlat;
        if (std::abs(dlon) < kConverged && std::abs(dlat) < kConverged) break;
    }
    return q;
}

std::string normalise(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

constexpr const char* kAcceptedForms =
    "WGS84 (= EPSG:4326), GCJ-02 (= amap, gaode, tencent), BD-09 (= baidu), CGCS2000 "
    "(= EPSG:4490), or EPSG:<code> such as EPSG:4550 (CGCS2000 3-degree Gauss-Kruger CM 123E)";

struct ContextDeleter {
    void operator()(PJ_CONTEXT* c) const { proj_context_destroy(c); }
};
struct PjDeleter {
    void operator()(PJ* p) const { proj_destroy(p); }
};
using ContextPtr = std::unique_ptr<PJ_CONTEXT, ContextDeleter>;
using PjPtr = std::unique_ptr<PJ, PjDeleter>;

ContextPtr make_context() {
    ContextPtr ctx(proj_context_create());
    proj_log_level(ctx.get(), PJ_LOG_NONE);
    return ctx;
}

}  // namespace

bool in_china_box(LonLat p) {
    return p.lon >= 72.004 && p.lon <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271;
}

LonLat wgs84_to_gcj02(LonLat p) {
    if (!in_china_box(p)) return p;
    double dlat = gcj_dlat(p.lon - 105.0, p.lat - 35.0);
    double dlon = gcj_dlon(p.lon - 105.0, p.lat - 35.0);
    const double rad_lat = p.lat / 180.0 * kPi;
    double magic = std::sin(rad_lat);
    magic = 1 - kGcjEe * magic * magic;
    const double sqrt_magic = std::sqrt(magic);
    dlat = (dlat * 180.0) / ((kGcjA * (1 - kGcjEe)) / (magic * sqrt_magic) * kPi);
    dlon = (dlon * 180.0) / (kGcjA / sqrt_magic * std::cos(rad_lat) * kPi);
    return {p.lon + dlon, p.lat + dlat};
}

LonLat gcj02_to_wgs84(LonLat p) {
    if (!in_china_box(p)) return p;
    return invert(p, wgs84_to_gcj02, p);
}

LonLat gcj02_to_bd09(LonLat p) {
    const double x = p.lon, y = p.lat;
    const double z = std::sqrt(x * x + y * y) + 0.00002 * std::sin(y * kXPi);
    const double theta = std::atan2(y, x) + 0.000003 * std::cos(x * kXPi);
    return {z * std::cos(theta) + 0.0065, z * std::sin(theta) + 0.006};
}

LonLat bd09_to_gcj02(LonLat p) {
    // The published closed-form inverse is good to ~1e-6°; polish it by iteration.
    const double x = p.lon - 0.0065, y = p.lat - 0.006;
    const double z = std::sqrt(x * x + y * y) - 0.00002 * std::sin(y * kXPi);
    const double theta = std::atan2(y, x) - 0.000003 * std::cos(x * kXPi);
    return invert(p, gcj02_to_bd09, LonLat{z * std::cos(theta), z * std::sin(theta)});
}

LonLat wgs84_to_bd09(LonLat p) { return gcj02_to_bd09(wgs84_to_gcj02(p)); }
LonLat bd09_to_wgs84(LonLat p) { return gcj02_to_wgs84(bd09_to_gcj02(p)); }

// ---------------------------------------------------------------------------------------------

std::string Crs::text() const {
    switch (kind) {
        case CrsKind::WGS84:
            return "WGS84";
        case CrsKind::GCJ02:
            return "GCJ-02";
        case CrsKind::BD09:
            return "BD-09";
        case CrsKind::EPSG:
            return "EPSG:" + std::to_string(epsg);
    }
    return "?";
}

Crs Crs::parse(std::string_view text, std::string where) {
    const std::string t = normalise(text);
    if (t == "WGS84" || t == "WGS-84" || t == "CRS84" || t == "OGC:CRS84") return wgs84();
    if (t == "GCJ-02" || t == "GCJ02" || t == "GCJ" || t == "AMAP" || t == "GAODE" ||
        t == "TENCENT") {
        return gcj02();
    }
    if (t == "BD-09" || t == "BD09" || t == "BD09LL" || t == "BAIDU") return bd09();
    if (t == "CGCS2000") return from_epsg(4490);
    std::string_view digits;
    if (t.rfind("EPSG:", 0) == 0) {
        digits = std::string_view(t).substr(5);
    } else if (t.rfind("EPSG", 0) == 0) {
        digits = std::string_view(t).substr(4);
    }
    int code = 0;
    if (!digits.empty()) {
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code);
        if (ec != std::errc() || end != digits.data() + digits.size() || code <= 0) digits = {};
    }
    if (digits.empty()) {
        throw InputError(std::move(where),
                         "unknown coordinate system \"" + std::string(text) + "\"",
                         std::string("use one of ") + kAcceptedForms);
    }
    if (code == 4326) return wgs84();
    ContextPtr ctx = make_context();
    PjPtr crs(proj_create(ctx.get(), ("EPSG:" + std::to_string(code)).c_str()));
    if (!crs || !proj_is_crs(crs.get())) {
        throw InputError(
            std::move(where), "PROJ does not know EPSG:" + std::to_string(code),
            "check the code at https://epsg.io, or use one of " + std::string(kAcceptedForms));
    }
    return from_epsg(code);
}

// ---------------------------------------------------------------------------------------------

struct CrsTransformer::Proj {
    std::mutex mutex;
    ContextPtr ctx;
    PjPtr op;  // from the CRS to EPSG:4326, axis order normalised to x/lon, y/lat
    double west = -180, south = -90, east = 180, north = 90;
};

CrsTransformer::CrsTransformer(const Crs& from) : crs_(from) {
    if (crs_.kind != CrsKind::EPSG) return;
    auto proj = std::make_unique<Proj>();
    proj->ctx = make_context();
    PJ_CONTEXT* ctx = proj->ctx.get();
    const std::string name = "EPSG:" + std::to_string(crs_.epsg);
    PjPtr src(proj_create(ctx, name.c_str()));
    if (!src) {
        throw InputError(name, "PROJ does not know this coordinate system",
                         std::string("use one of ") + kAcceptedForms);
    }
    const PJ_TYPE type = proj_get_type(src.get());
    geographic_ = type == PJ_TYPE_GEOGRAPHIC_2D_CRS || type == PJ_TYPE_GEOGRAPHIC_3D_CRS ||
                  type == PJ_TYPE_GEOGRAPHIC_CRS;
    double w = 0, s = 0, e = 0, n = 0;
    if (proj_get_area_of_use(ctx, src.get(), &w, &s, &e, &n, nullptr) && w > -1000) {
        proj->west = w;
        proj->south = s;
        proj->east = e;
        proj->north = n;
    }
    PjPtr op(proj_create_crs_to_crs(ctx, name.c_str(), "EPSG:4326", nullptr));
    if (!op) {
        throw InputError(name, "PROJ cannot transform this coordinate system to WGS84",
                         "declare a projected or geographic CRS, e.g. EPSG:4550");
    }
    PjPtr norm(proj_normalize_for_visualization(ctx, op.get()));
    if (!norm) {
        throw InputError(name, "PROJ cannot normalise the axis order", "declare another CRS");
    }
    proj->op = std::move(norm);
    proj_ = std::move(proj);
}

CrsTransformer::~CrsTransformer() = default;
CrsTransformer::CrsTransformer(CrsTransformer&&) noexcept = default;
CrsTransformer& CrsTransformer::operator=(CrsTransformer&&) noexcept = default;

LonLat CrsTransformer::to_wgs84(double x, double y) const {
    switch (crs_.kind) {
        case CrsKind::WGS84:
            return {x, y};
        case CrsKind::GCJ02:
            return gcj02_to_wgs84({x, y});
        case CrsKind::BD09:
            return bd09_to_wgs84({x, y});
        case CrsKind::EPSG:
            break;
    }
    std::lock_guard lock(proj_->mutex);
    PJ_COORD c = proj_coord(x, y, 0, 0);
    c = proj_trans(proj_->op.get(), PJ_FWD, c);
    if (c.xy.x == HUGE_VAL || !std::isfinite(c.xy.x) || !std::isfinite(c.xy.y)) {
        proj_errno_reset(proj_->op.get());
        return {kNaN, kNaN};
    }
    return {c.xy.x, c.xy.y};
}

std::pair<double, double> CrsTransformer::from_wgs84(LonLat p) const {
    switch (crs_.kind) {
        case CrsKind::WGS84:
            return {p.lon, p.lat};
        case CrsKind::GCJ02: {
            const LonLat q = wgs84_to_gcj02(p);
            return {q.lon, q.lat};
        }
        case CrsKind::BD09: {
            const LonLat q = wgs84_to_bd09(p);
            return {q.lon, q.lat};
        }
        case CrsKind::EPSG:
            break;
    }
    std::lock_guard lock(proj_->mutex);
    PJ_COORD c = proj_coord(p.lon, p.lat, 0, 0);
    c = proj_trans(proj_->op.get(), PJ_INV, c);
    if (c.xy.x == HUGE_VAL || !std::isfinite(c.xy.x) || !std::isfinite(c.xy.y)) {
        proj_errno_reset(proj_->op.get());
        return {kNaN, kNaN};
    }
    return {c.xy.x, c.xy.y};
}

bool CrsTransformer::plausible(LonLat p) const {
    if (!std::isfinite(p.lon) || !std::isfinite(p.lat)) return false;
    if (p.lon < -180 || p.lon > 180 || p.lat < -90 || p.lat > 90) return false;
    switch (crs_.kind) {
        case CrsKind::WGS84:
            return true;
        case CrsKind::GCJ02:
        case CrsKind::BD09:
            return in_china_box(p);
        case CrsKind::EPSG:
            break;
    }
    constexpr double slack = 1.0;
    const bool lat_ok = p.lat >= proj_->south - slack && p.lat <= proj_->north + slack;
    if (proj_->west <= proj_->east) {
        return lat_ok && p.lon >= proj_->west - slack && p.lon <= proj_->east + slack;
    }
    // Area of use crossing the antimeridian.
    return lat_ok && (p.lon >= proj_->west - slack || p.lon <= proj_->east + slack);
}

// ---------------------------------------------------------------------------------------------

namespace {

// Nearest reference point within kCell metres, on a grid of kCell buckets (local metres).
class NearestIndex {
  public:
    static constexpr double kCell = 1500.0;
    NearestIndex(const std::vector<LonLat>& ref, const LocalProjection& proj) : proj_(proj) {
        xy_.reserve(ref.size());
        for (std::size_t i = 0; i < ref.size(); ++i) {
            xy_.push_back(proj.forward(ref[i]));
            grid_[key(cell(xy_.back().first), cell(xy_.back().second))].push_back(i);
        }
    }
    /// Offset (metres east, north) from p to its nearest reference point, if one is in reach.
    std::optional<std::pair<double, double>> offset(LonLat p) const {
        const auto [px, py] = proj_.forward(p);
        double best = kCell * kCell;
        std::optional<std::pair<double, double>> out;
        for (std::int64_t i = cell(px) - 1; i <= cell(px) + 1; ++i) {
            for (std::int64_t j = cell(py) - 1; j <= cell(py) + 1; ++j) {
                const auto it = grid_.find(key(i, j));
                if (it == grid_.end()) continue;
                for (std::size_t r : it->second) {
                    const double dx = xy_[r].first - px, dy = xy_[r].second - py;
                    if (dx * dx + dy * dy < best) {
                        best = dx * dx + dy * dy;
                        out = std::pair{dx, dy};
                    }
                }
            }
        }
        return out;
    }

  private:
    static std::int64_t cell(double v) { return static_cast<std::int64_t>(std::floor(v / kCell)); }
    static std::int64_t key(std::int64_t i, std::int64_t j) { return (i << 32) ^ (j & 0xffffffff); }
    LocalProjection proj_;
    std::vector<std::pair<double, double>> xy_;
    std::unordered_map<std::int64_t, std::vector<std::size_t>> grid_;
};

double median(std::vector<double> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
}

}  // namespace

std::optional<std::string> check_gcj_mismatch(const std::vector<LonLat>& declared,
                                              const std::vector<LonLat>& reference,
                                              const std::string& what) {
    if (declared.empty() || reference.empty()) return std::nullopt;
    const LocalProjection proj(reference.front());
    const NearestIndex index(reference, proj);
    // Two hypotheses per point: the file is WGS84 (offset to the nearest OSM twin as it
    // stands), or GCJ-02 (offset after undoing the shift). Only pairs found under both count.
    std::vector<double> dx, dy, ex, ey, dist_as_is, dist_undone;
    for (const LonLat& p : declared) {
        if (!in_china_box(p)) continue;
        const LonLat undone = gcj02_to_wgs84(p);
        const auto a = index.offset(p), b = index.offset(undone);
        if (!a || !b) continue;
        const auto [ux, uy] = proj.forward(undone);
        const auto [px, py] = proj.forward(p);
        dx.push_back(a->first);
        dy.push_back(a->second);
        ex.push_back(ux - px);
        ey.push_back(uy - py);
        dist_as_is.push_back(std::hypot(a->first, a->second));
        dist_undone.push_back(std::hypot(b->first, b->second));
    }
    if (dx.size() < 5) return std::nullopt;
    const double mdx = median(dx), mdy = median(dy), mex = median(ex), mey = median(ey);
    const double shift = std::hypot(mex, mey);
    if (shift < 100.0) return std::nullopt;
    // The median offset vector is the GCJ-02 shift (sparse facilities), or undoing the shift
    // brings the points much closer to their twins (dense ones, where the nearest point as
    // the file stands is often a neighbour rather than the twin).
    const double as_is = median(dist_as_is), undone = median(dist_undone);
    const bool vector_matches = std::hypot(mdx - mex, mdy - mey) < 0.35 * shift;
    const bool closer_undone = as_is > 100.0 && undone < 0.4 * as_is;
    if (!vector_matches && !closer_undone) return std::nullopt;
    char buf[400];
    std::snprintf(buf, sizeof buf,
                  "%s looks like GCJ-02: its points lie a median %.0f m from their nearest OSM "
                  "twins but %.0f m once the GCJ-02 offset (%.0f m here) is undone (%zu pairs); "
                  "declare crs = \"GCJ-02\"",
                  what.c_str(), as_is, undone, shift, dx.size());
    return std::string(buf);
}

}  // namespace lc15::io
