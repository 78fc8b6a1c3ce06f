// lc15 io — coordinate systems of planners' files, and the conversion to WGS84.
//
//   Crs crs = Crs::parse("GCJ-02", "data/shops.csv: crs");   // or "EPSG:4550", "baidu", ...
//   CrsTransformer t(crs);
//   LonLat p = t.to_wgs84(122.2391, 40.6676);                // WGS84 degrees
//   auto [x, y] = t.from_wgs84(p);                           // back into the file's CRS
//
// Chinese web maps publish obfuscated coordinates: Amap (高德), Tencent and Google China use
// GCJ-02, Baidu uses BD-09 (GCJ-02 plus a second offset). In Yingkou GCJ-02 lies ~470 m
// from WGS84, more than a 300 m walking radius, so every file must say which it is. GCJ-02 is
// the public forward formula (a = 6378245, ee = 0.00669342162296594323) inside China's
// bounding box and the identity outside it; its inverse iterates the forward transform to
// < 1e-9 degrees in 4 steps (round trip < 1 mm). BD-09 uses the x_pi = π·3000/180 formula, inverted
// the same way. Every other CRS ("EPSG:n", "CGCS2000") goes through PROJ with lon,lat axis order.
//
// Cost (measured, one core): GCJ-02 0.3 µs forward, 1.2 µs inverse; EPSG:4550 1.4 µs.
// Thread safety: the free functions are pure. A CrsTransformer may be shared by several
// threads: WGS84/GCJ-02/BD-09 transformers hold no state, and an EPSG transformer owns one
// PROJ context whose calls are serialised by a mutex (PROJ objects are not thread-safe).
// For heavy parallel EPSG work give each thread its own transformer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/geo.hpp"

namespace lc15::io {

enum class CrsKind { WGS84, GCJ02, BD09, EPSG };

/// A coordinate system as planners name it. WGS84 has epsg 4326; GCJ-02 and BD-09 have epsg 0
/// (they are offsets on WGS84 lon/lat, with no EPSG code); EPSG is any code PROJ knows.
struct Crs {
    CrsKind kind = CrsKind::WGS84;
    int epsg = 4326;

    /// "WGS84", "GCJ-02", "BD-09" or "EPSG:4550": parse(text()) gives the same Crs back.
    std::string text() const;
    /// Accepts (case and spaces ignored): WGS84, WGS-84, EPSG:4326, CRS84; GCJ-02, GCJ02,
    /// amap, gaode, tencent; BD-09, BD09, baidu; CGCS2000 (= EPSG:4490); EPSG:n / epsg n.
    /// Throws InputError at `where` listing the accepted forms if the text is none of them or
    /// PROJ does not know the EPSG code.
    static Crs parse(std::string_view text, std::string where);

    static Crs wgs84() { return {CrsKind::WGS84, 4326}; }
    static Crs gcj02() { return {CrsKind::GCJ02, 0}; }
    static Crs bd09() { return {CrsKind::BD09, 0}; }
    static Crs from_epsg(int code) { return code == 4326 ? wgs84() : Crs{CrsKind::EPSG, code}; }

    friend bool operator==(const Crs&, const Crs&) = default;
};

/// True inside the box where GCJ-02 applies (lon 72.004–137.8347, lat 0.8293–55.8271).
bool in_china_box(LonLat p);

LonLat wgs84_to_gcj02(LonLat p);  ///< the public formula; identity outside China's box
LonLat gcj02_to_wgs84(LonLat p);  ///< iterates the forward formula to < 1e-9°
LonLat gcj02_to_bd09(LonLat p);
LonLat bd09_to_gcj02(LonLat p);  ///< iterates gcj02_to_bd09 to < 1e-9°
LonLat wgs84_to_bd09(LonLat p);
LonLat bd09_to_wgs84(LonLat p);

/// Converts coordinates of one CRS to and from WGS84 lon/lat.
class CrsTransformer {
  public:
    /// Throws InputError if PROJ cannot build the transformation (names the CRS).
    explicit CrsTransformer(const Crs& from);
    ~CrsTransformer();
    CrsTransformer(CrsTransformer&&) noexcept;
    CrsTransformer& operator=(CrsTransformer&&) noexcept;

    const Crs& crs() const { return crs_; }
    /// Coordinates are degrees (lon, lat) rather than metres (easting, northing).
    bool geographic() const { return geographic_; }
    /// x, y in the CRS (lon/lat or easting/northing) to WGS84; {NaN, NaN} if PROJ fails.
    LonLat to_wgs84(double x, double y) const;
    /// WGS84 to x, y in the CRS; {NaN, NaN} if PROJ fails.
    std::pair<double, double> from_wgs84(LonLat p) const;
    /// Whether a WGS84 point lies where the CRS's coordinates are meaningful: anywhere for
    /// WGS84, China's box for GCJ-02/BD-09, PROJ's area of use (plus 1° of slack) for EPSG.
    bool plausible(LonLat wgs84) const;

  private:
    struct Proj;
    Crs crs_;
    bool geographic_ = true;
    std::unique_ptr<Proj> proj_;  // only for CrsKind::EPSG
};

/// Checks whether points declared WGS84 are really GCJ-02: pairs each with its nearest
/// reference point (WGS84, e.g. OSM features of the same kind, within 1.5 km) and compares
/// the median offset vector with the GCJ-02 shift at those points. Returns a warning text
/// ("… looks like GCJ-02; declare crs = \"GCJ-02\"") when at least 5 pairs agree with the
/// shift within 35 % of its length and the shift is > 100 m; otherwise nothing.
std::optional<std::string> check_gcj_mismatch(const std::vector<LonLat>& declared_wgs84,
                                              const std::vector<LonLat>& reference_wgs84,
                                              const std::string& what = "this file");

}  // namespace lc15::io
