// lc15 engine — geometry on the WGS84 sphere.
//
//   LonLat a{122.23, 40.66}, b{122.24, 40.67};
//   double m = haversine_m(a, b);                 // great-circle metres
//   LocalProjection proj(a);                      // metres east/north of a, for indices
//   auto [x, y] = proj.forward(b);
//
// All functions are pure and thread-safe. The local projection is equirectangular about its
// origin: within a city (< 50 km) its scale error is < 0.1 %, used only to find candidates;
// lengths that enter results are always haversine.
#pragma once

#include <cmath>
#include <utility>

namespace lc15 {

/// WGS84 longitude and latitude in degrees.
struct LonLat {
    double lon = 0.0;
    double lat = 0.0;
    friend bool operator==(const LonLat&, const LonLat&) = default;
};

inline constexpr double kEarthRadiusM = 6371008.8;  // IUGG mean radius
inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double deg2rad(double d) { return d * kPi / 180.0; }

/// Great-circle distance in metres.
inline double haversine_m(LonLat a, LonLat b) {
    const double p1 = deg2rad(a.lat), p2 = deg2rad(b.lat);
    const double dp = p2 - p1, dl = deg2rad(b.lon - a.lon);
    const double h = std::sin(dp / 2) * std::sin(dp / 2) +
                     std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
    return 2.0 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

/// Equirectangular projection to metres about an origin.
class LocalProjection {
  public:
    LocalProjection() = default;
    explicit LocalProjection(LonLat origin)
        : origin_(origin),
          kx_(deg2rad(1.0) * kEarthRadiusM * std::cos(deg2rad(origin.lat))),
          ky_(deg2rad(1.0) * kEarthRadiusM) {}
    std::pair<double, double> forward(LonLat p) const {
        return {(p.lon - origin_.lon) * kx_, (p.lat - origin_.lat) * ky_};
    }
    LonLat inverse(double x, double y) const {
        return {origin_.lon + x / kx_, origin_.lat + y / ky_};
    }
    LonLat origin() const { return origin_; }

  private:
    LonLat origin_{};
    double kx_ = 1.0, ky_ = 1.0;
};

/// Where the perpendicular from p meets segment ab: t in [0,1] along ab (planar, local metres).
inline double project_on_segment(std::pair<double, double> p, std::pair<double, double> a,
                                 std::pair<double, double> b) {
    const double dx = b.first - a.first, dy = b.second - a.second;
    const double len2 = dx * dx + dy * dy;
    if (len2 <= 0.0) return 0.0;
    double t = ((p.first - a.first) * dx + (p.second - a.second) * dy) / len2;
    return t < 0.0 ? 0.0 : (t > 1.0 ? 1.0 : t);
}

inline LonLat interpolate(LonLat a, LonLat b, double t) {
    return {a.lon + (b.lon - a.lon) * t, a.lat + (b.lat - a.lat) * t};
}

}  // namespace lc15
