#include "engine/places.hpp"

#include <tbb/parallel_for.h>

#include "engine/error.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

namespace lc15 {

namespace {

constexpr double kAreaSampleSpacingM = 10.0;

// Assigns communities and scales homes so that each community with a given population sums
// to it: proportionally when the estimates sum to > 0, evenly otherwise.
void assign_and_scale(std::vector<HomePoint>& homes, const std::vector<CommunityArea>& communities,
                      std::vector<CommunityId>* unhoused) {
    std::vector<MultiPolygon> polys;
    polys.reserve(communities.size());
    for (const auto& c : communities) polys.push_back(c.area);
    const PolygonIndex index(polys);
    std::vector<double> sum(communities.size(), 0.0);
    std::vector<std::uint32_t> count(communities.size(), 0);
    // The lookups in parallel (each home on its own), the sums after in home order.
    tbb::parallel_for(std::size_t{0}, homes.size(), [&](std::size_t i) {
        homes[i].community = communities.empty() ? kInvalidId : index.find(homes[i].pos);
    });
    for (HomePoint& h : homes) {
        if (h.community == kInvalidId) continue;
        sum[h.community] += h.population;
        ++count[h.community];
    }
    for (HomePoint& h : homes) {
        if (h.community == kInvalidId) continue;
        const auto& given = communities[h.community].population;
        if (!given) continue;
        h.population = sum[h.community] > 0 ? h.population * (*given / sum[h.community])
                                            : *given / count[h.community];
    }
    if (unhoused) {
        unhoused->clear();
        for (CommunityId c = 0; c < communities.size(); ++c) {
            if (communities[c].population && *communities[c].population > 0 && count[c] == 0) {
                unhoused->push_back(c);
            }
        }
    }
}

}  // namespace

SnapResult snap_area(const Snapper& snapper, const MultiPolygon& area, double max_m) {
    SnapResult best;
    Distance best_access = kInfDistance;
    auto consider = [&](LonLat p, bool only_inside) {
        SnapResult s = snapper.snap(p, max_m);
        if (!s.ok()) return;
        const bool inside = contains(area, s.on_edge);
        if (only_inside && !inside) return;
        const Distance access = inside ? 0 : s.access;
        if (access < best_access) {
            best_access = access;
            best = s;
            best.access = access;
        }
    };
    for (const LonLat& p : boundary_points(area, kAreaSampleSpacingM)) consider(p, false);
    // A path that runs inside the area without being nearest to any boundary sample.
    if (best_access != 0 && !area.empty()) consider(centroid(area), true);
    return best;
}

std::vector<HomePoint> homes_from_buildings(const std::vector<Building>& buildings,
                                            const std::vector<CommunityArea>& communities,
                                            const HomeOptions& options,
                                            std::vector<CommunityId>* unhoused) {
    std::vector<HomePoint> homes;
    const double per_person =
        options.floor_area_per_person_m2 > 0 ? options.floor_area_per_person_m2 : 35.0;
    for (const Building& b : buildings) {
        if (!b.residential || !(b.footprint_m2 > 0)) continue;
        const int levels = b.levels > 0 ? b.levels : std::max(1, options.default_levels);
        homes.push_back({b.centroid, b.footprint_m2 * levels / per_person, kInvalidId});
    }
    assign_and_scale(homes, communities, unhoused);
    return homes;
}

std::vector<HomePoint> homes_from_grid(const std::vector<PopulationPoint>& points,
                                       const std::vector<CommunityArea>& communities,
                                       std::vector<CommunityId>* unhoused) {
    std::vector<HomePoint> homes;
    for (const PopulationPoint& p : points) {
        if (p.population > 0) homes.push_back({p.pos, p.population, kInvalidId});
    }
    assign_and_scale(homes, communities, unhoused);
    return homes;
}

std::vector<HomePoint> homes_from_sampling(const std::vector<MultiPolygon>& residential,
                                           double spacing_m,
                                           const std::vector<CommunityArea>& communities,
                                           const HomeOptions& options,
                                           std::vector<CommunityId>* unhoused) {
    if (!(spacing_m > 0)) throw std::invalid_argument("homes_from_sampling: spacing_m must be > 0");
    std::vector<HomePoint> homes;
    // One lattice for all polygons, anchored at the south-west corner of them all, so that
    // overlapping polygons share points (each point is kept by the lowest polygon holding it).
    LonLat lo{1e9, 1e9};
    for (const auto& mp : residential) {
        if (mp.empty()) continue;
        const auto [a, b] = bounds(mp);
        lo = {std::min(lo.lon, a.lon), std::min(lo.lat, a.lat)};
    }
    if (lo.lon > 1e8) return homes;
    const LocalProjection proj(lo);
    // The ceiling, checked on the polygons' bounding boxes before anything is allocated.
    double estimate = 0, box_m2 = 0;
    for (const auto& mp : residential) {
        if (mp.empty()) continue;
        const auto [a, b] = bounds(mp);
        const auto [x0, y0] = proj.forward(a);
        const auto [x1, y1] = proj.forward(b);
        const double w = x1 - x0, h = y1 - y0;
        box_m2 += w * h;
        estimate += (w / spacing_m + 1) * (h / spacing_m + 1);
    }
    if (estimate > options.max_samples) {
        auto g = [](double v, int precision) {
            char buf[32];
            const auto r =
                std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, precision);
            return std::string(buf, r.ptr);
        };
        const double fits = std::ceil(std::sqrt(box_m2 / options.max_samples));
        throw InputError("[population]",
                         "sampling every " + g(spacing_m, 6) + " m over " + g(box_m2 / 1e6, 4) +
                             " km² of land (bounding boxes) would lay about " + g(estimate, 3) +
                             " points, more than the ceiling of " + g(options.max_samples, 3),
                         "raise [population] sample_spacing_m to " +
                             g(std::max(fits, spacing_m * 2), 6) +
                             " m or more, or raise the ceiling with [population] max_samples = " +
                             g(std::ceil(estimate), 15) + " (about 200 bytes per point)");
    }
    const PolygonIndex index(residential);
    const double per_point =
        std::max(0.0, options.persons_per_hectare) * spacing_m * spacing_m / 10000.0;
    for (std::uint32_t i = 0; i < residential.size(); ++i) {
        const MultiPolygon& mp = residential[i];
        if (mp.empty()) continue;
        const auto [a, b] = bounds(mp);
        const auto [x0, y0] = proj.forward(a);
        const auto [x1, y1] = proj.forward(b);
        bool any_inside = false;
        const auto ix0 = static_cast<long>(std::ceil(x0 / spacing_m - 0.5));
        const auto ix1 = static_cast<long>(std::floor(x1 / spacing_m - 0.5));
        const auto iy0 = static_cast<long>(std::ceil(y0 / spacing_m - 0.5));
        const auto iy1 = static_cast<long>(std::floor(y1 / spacing_m - 0.5));
        for (long iy = iy0; iy <= iy1; ++iy) {
            for (long ix = ix0; ix <= ix1; ++ix) {
                const LonLat p = proj.inverse((ix + 0.5) * spacing_m, (iy + 0.5) * spacing_m);
                if (!contains(mp, p)) continue;
                any_inside = true;
                if (index.find(p) == i) homes.push_back({p, per_point, kInvalidId});
            }
        }
        if (!any_inside) homes.push_back({centroid(mp), per_point, kInvalidId});
    }
    assign_and_scale(homes, communities, unhoused);
    return homes;
}

DedupeResult dedupe_facilities(const std::vector<FacilityPoint>& a,
                               const std::vector<FacilityPoint>& b, double max_m) {
    DedupeResult out;
    out.facilities = a;
    std::vector<std::tuple<double, std::uint32_t, std::uint32_t>> pairs;  // (distance, i, j)
    if (max_m >= 0 && !a.empty() && !b.empty()) {
        // Grid buckets of b (cell >= max_m) per category; look in the 3x3 cells around each a.
        const LocalProjection proj(a.front().pos);
        const double cell = std::max(max_m * 1.01, 1.0);  // margin for the projection's scale error
        auto key = [&](LonLat p) {
            const auto [x, y] = proj.forward(p);
            return std::pair<long, long>(static_cast<long>(std::floor(x / cell)),
                                         static_cast<long>(std::floor(y / cell)));
        };
        std::map<std::tuple<std::uint32_t, long, long>, std::vector<std::uint32_t>> buckets;
        for (std::uint32_t j = 0; j < b.size(); ++j) {
            const auto [cx, cy] = key(b[j].pos);
            buckets[{b[j].category, cx, cy}].push_back(j);
        }
        for (std::uint32_t i = 0; i < a.size(); ++i) {
            const auto [cx, cy] = key(a[i].pos);
            for (long dx = -1; dx <= 1; ++dx) {
                for (long dy = -1; dy <= 1; ++dy) {
                    auto it = buckets.find({a[i].category, cx + dx, cy + dy});
                    if (it == buckets.end()) continue;
                    for (std::uint32_t j : it->second) {
                        const double d = haversine_m(a[i].pos, b[j].pos);
                        if (d <= max_m) pairs.emplace_back(d, i, j);
                    }
                }
            }
        }
    }
    std::sort(pairs.begin(), pairs.end());
    std::vector<char> used_a(a.size(), 0), used_b(b.size(), 0);
    for (const auto& [d, i, j] : pairs) {
        if (used_a[i] || used_b[j]) continue;
        used_a[i] = used_b[j] = 1;
        out.merges.push_back({i, j, d});
    }
    std::sort(out.merges.begin(), out.merges.end(),
              [](const FacilityMerge& x, const FacilityMerge& y) { return x.a < y.a; });
    for (std::uint32_t j = 0; j < b.size(); ++j) {
        if (!used_b[j]) out.facilities.push_back(b[j]);
    }
    return out;
}

}  // namespace lc15
