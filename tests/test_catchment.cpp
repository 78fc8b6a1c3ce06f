// Bus stop catchment: the three 500 m figures against hand-computed cases, the gap list, and
// the walking service area as polygons.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <boost/geometry.hpp>
#include <clipper.hpp>
#include <cmath>
#include <random>

#include "engine/catchment.hpp"
#include "engine/search.hpp"

#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

LonLat at(double x_m, double y_m) { return test::metres_at(x_m, y_m); }

MultiPolygon square(double x0, double y0, double side) {
    return {
        Polygon{{at(x0, y0), at(x0 + side, y0), at(x0 + side, y0 + side), at(x0, y0 + side)}, {}}};
}

TEST(Catchment, LandShareMatchesTheCircleArea) {
    CatchmentOptions opt;  // 500 m, 10 m grid
    const std::vector<LonLat> stop{at(0, 0)};
    // A 1 km square centred on the stop: the disc covers pi/4 of it.
    auto [land, covered] = land_within(square(-500, -500, 1000), stop, opt);
    EXPECT_NEAR(land, 1e6, 0.01 * 1e6);
    EXPECT_NEAR(covered / land, kPi / 4, 0.01 * kPi / 4);
    // A 2 km square: the whole disc, pi * 500^2 of 4 km^2.
    std::tie(land, covered) = land_within(square(-1000, -1000, 2000), stop, opt);
    EXPECT_NEAR(covered, kPi * 250000, 0.01 * kPi * 250000);
    // A hole where the stop is removes the inner 200 m square from both.
    MultiPolygon holed = square(-500, -500, 1000);
    holed[0].inners.push_back({at(-100, -100), at(100, -100), at(100, 100), at(-100, 100)});
    std::tie(land, covered) = land_within(holed, stop, opt);
    EXPECT_NEAR(land, 1e6 - 40000, 0.01 * 1e6);
    EXPECT_NEAR(covered, kPi * 250000 - 40000, 0.01 * kPi * 250000);
    // Nothing within reach.
    std::tie(land, covered) = land_within(square(2000, 2000, 300), stop, opt);
    EXPECT_EQ(covered, 0);
}

using test::l_streets;

TEST(Catchment, ThreeFiguresAndGapsByHand) {
    const WalkGraph g = l_streets();
    const Snapper snapper(g);
    const std::vector<LonLat> stops{at(0, 200), at(0, 3700)};
    std::vector<SnapResult> snaps;
    for (LonLat p : stops) snaps.push_back(snapper.snap(p, 50));
    auto home = [&](double x, double y, double pop, CommunityId c) {
        return CatchmentHome{at(x, y), snapper.snap(at(x, y), 400), pop, c};
    };
    const std::vector<CatchmentHome> homes{
        home(0, 600, 100, 0),             // straight 400, walk 400: covered both ways
        home(300, 300, 50, 0),            // straight 316, walk 300 access + 100 along = 400
        home(0, 900, 30, 0),              // straight 700, walk 700
        home(350, 4000, 200, 1),          // straight 461 across the corner, walk 300 + 350 = 650
        home(-2000, 200, 5, kInvalidId),  // in a field: city only, no street within 400 m
    };
    // Community 0's land: a 400 m square around the first stop, wholly within 500 m of it.
    const std::vector<ResidentialLand> land{{square(-200, 0, 400), 0},
                                            {square(1000, 1000, 500), 1}};
    const CatchmentOptions opt;
    const CatchmentResult r = compute_catchment(g, stops, snaps, homes, land, 2, opt);

    EXPECT_NEAR(r.straight_m[1], std::hypot(300, 100), 0.5);
    EXPECT_NEAR(r.walk_m[1], 400, 0.05);
    EXPECT_NEAR(r.walk_m[3], 650, 0.05);
    EXPECT_TRUE(std::isinf(r.walk_m[4]));

    const CatchmentFigures& c0 = r.communities[0];
    EXPECT_DOUBLE_EQ(c0.population, 180);
    EXPECT_DOUBLE_EQ(c0.straight_population, 150);
    EXPECT_DOUBLE_EQ(c0.walk_population, 150);
    EXPECT_NEAR(c0.land_m2, 160000, 1600);
    EXPECT_DOUBLE_EQ(c0.land_share, 1.0);
    const CatchmentFigures& c1 = r.communities[1];
    EXPECT_DOUBLE_EQ(c1.straight_share, 1.0);  // the straight line ignores the corner...
    EXPECT_DOUBLE_EQ(c1.walk_share, 0.0);      // ...the walk does not
    EXPECT_DOUBLE_EQ(c1.land_share, 0.0);
    EXPECT_DOUBLE_EQ(r.city.population, 385);
    EXPECT_DOUBLE_EQ(r.city.straight_population, 350);
    EXPECT_DOUBLE_EQ(r.city.walk_population, 150);
    EXPECT_NEAR(r.city.land_share, 160000.0 / 410000.0, 0.01);

    // Gaps: most people first; the home in the field has no walking distance.
    ASSERT_EQ(r.gaps.size(), 3u);
    EXPECT_DOUBLE_EQ(r.gaps[0].population, 200);
    EXPECT_EQ(r.gaps[0].community, 1u);
    EXPECT_NEAR(r.gaps[0].walk_to_stop_m, 650, 0.05);
    EXPECT_LT(haversine_m(r.gaps[0].centroid, at(350, 4000)), 0.5);
    EXPECT_DOUBLE_EQ(r.gaps[1].population, 30);
    EXPECT_NEAR(r.gaps[1].walk_to_stop_m, 700, 0.05);
    EXPECT_DOUBLE_EQ(r.gaps[2].population, 5);
    EXPECT_EQ(r.gaps[2].walk_to_stop_m, -1);

    // Same figures on one thread.
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    const CatchmentResult serial = compute_catchment(g, stops, snaps, homes, land, 2, opt);
    EXPECT_EQ(serial.city.land_covered_m2, r.city.land_covered_m2);
    EXPECT_EQ(serial.walk_m, r.walk_m);
}

/// Every tile's polygons together, as one list (for area sums and point tests).
MultiPolygon all_tiles(const ServiceArea& area) {
    MultiPolygon all;
    for (const ServiceAreaTile& t : area.tiles) all.insert(all.end(), t.area.begin(), t.area.end());
    return all;
}

TEST(Catchment, ServiceAreaFollowsTheStreets) {
    GraphBuilder b;
    std::vector<WayNode> nodes;
    for (int i = 0; i <= 8; ++i) nodes.push_back({std::uint64_t(i + 1), at(0, 500.0 * i)});
    b.add_way(1, nodes, 0);
    const WalkGraph g = std::move(b).build();
    const Snapper snapper(g);
    const std::vector<SnapResult> stop{snapper.snap(at(0, 2000), 10)};
    CatchmentOptions opt;  // 500 m, 30 m buffer
    const ServiceArea tiles = walking_service_area(g, stop, opt);
    // The street runs along a tile edge (x = 0 through the first vertex) and 1000 m north:
    // two columns of tiles, four rows (1470..2530 m).
    EXPECT_EQ(tiles.tiles.size(), 8u);
    const MultiPolygon area = all_tiles(tiles);
    // 1000 m of street, 60 m wide, with round ends: 60,000 + pi 30^2 (a bit less as 8-gons).
    EXPECT_NEAR(area_m2(area), 60000 + kPi * 900, 0.02 * 62827);
    EXPECT_TRUE(contains(area, at(0, 2450)));
    EXPECT_TRUE(contains(area, at(-20, 2450)));
    EXPECT_TRUE(contains(area, at(20, 1600)));
    EXPECT_FALSE(contains(area, at(0, 2600)));
    EXPECT_FALSE(contains(area, at(100, 2000)));  // not a circle: 100 m off the street
}

namespace bg = boost::geometry;
using BPoint = bg::model::d2::point_xy<double>;
using BLine = bg::model::linestring<BPoint>;
using BPolygon = bg::model::polygon<BPoint>;
using BMulti = bg::model::multi_polygon<BPolygon>;

BMulti to_boost(const MultiPolygon& mp, const LocalProjection& proj) {
    BMulti out;
    for (const Polygon& p : mp) {
        BPolygon q;
        for (LonLat v : p.outer)
            q.outer().push_back({proj.forward(v).first, proj.forward(v).second});
        for (const Ring& r : p.inners) {
            q.inners().emplace_back();
            for (LonLat v : r)
                q.inners().back().push_back({proj.forward(v).first, proj.forward(v).second});
        }
        out.push_back(std::move(q));
    }
    return out;
}

using BMultiLine = bg::model::multi_linestring<BLine>;

/// The reached stretch of every edge, found here with a search of our own, a line per stretch.
BMultiLine edge_stretches(const WalkGraph& g, std::span<const SnapResult> stops,
                          const CatchmentOptions& opt, const LocalProjection& proj) {
    const Distance radius = metres_to_cm(opt.radius_m);
    std::vector<SearchSource> src;
    for (std::uint32_t s = 0; s < stops.size(); ++s) {
        const auto two = stops[s].sources(g, s, opt.access_legs);
        src.insert(src.end(), two.begin(), two.end());
    }
    MultiSourceDijkstra search(g);
    search.run(src, radius, [](VertexId, Distance, std::uint32_t) {});
    BMultiLine lines;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const double len = g.edge_length(e);
        std::vector<std::pair<double, double>> iv;
        const Distance dt = search.distance(g.edge_tail(e)), dh = search.distance(g.edge_head(e));
        if (dt <= radius) iv.push_back({0.0, std::min(len, double(radius - dt))});
        if (dh <= radius) iv.push_back({std::max(0.0, len - double(radius - dh)), len});
        for (const SnapResult& s : stops) {
            if (s.edge != e || s.access > radius) continue;
            const double reach = double(radius - s.access);
            iv.push_back({std::max(0.0, s.off_tail - reach), std::min(len, s.off_tail + reach)});
        }
        // Overlapping stretches of one edge merged (Boost's buffer of collinear overlapping
        // lines loses area).
        std::sort(iv.begin(), iv.end());
        std::vector<std::pair<double, double>> merged;
        for (const auto& x : iv) {
            if (!merged.empty() && x.first <= merged.back().second)
                merged.back().second = std::max(merged.back().second, x.second);
            else
                merged.push_back(x);
        }
        const auto shape = g.edge_shape(e);
        EXPECT_EQ(shape.size(), 2u) << "the grid's edges are straight";
        for (const auto& [a, c] : merged) {
            auto pt = [&](double cm) {
                const auto [x, y] = proj.forward(interpolate(shape[0], shape[1], cm / len));
                return BPoint(x, y);
            };
            lines.push_back(BLine{pt(a), pt(c)});
        }
    }
    return lines;
}

BMulti buffer_all(const BMultiLine& lines, const CatchmentOptions& opt, int points = 8) {
    BMulti out;
    bg::buffer(lines, out, bg::strategy::buffer::distance_symmetric<double>(opt.buffer_m),
               bg::strategy::buffer::side_straight(), bg::strategy::buffer::join_round(points),
               bg::strategy::buffer::end_round(points), bg::strategy::buffer::point_circle(points));
    return out;
}

/// The lines buffered at once as walking_service_area buffers each tile's (Clipper, in cm, no
/// tiles): the single union the tiles must add up to.
BMulti clipper_buffer_all(const std::vector<ServiceLine>& lines, const CatchmentOptions& opt) {
    namespace cl = ClipperLib;
    cl::Paths in;
    for (const ServiceLine& l : lines) {
        in.emplace_back();
        for (const auto& [x, y] : l)
            in.back().emplace_back(std::llround(x * 100), std::llround(y * 100));
    }
    cl::ClipperOffset offset(2.0, ServiceArea::kArcToleranceM * 100);
    offset.AddPaths(in, cl::jtRound, cl::etOpenRound);
    cl::PolyTree tree;
    offset.Execute(tree, opt.buffer_m * 100);
    BMulti out;
    auto ring_of = [](const cl::Path& p, auto& ring) {
        for (const cl::IntPoint& q : p) ring.push_back(BPoint(q.X / 100.0, q.Y / 100.0));
        ring.push_back(ring.front());
    };
    std::vector<const cl::PolyNode*> outers(tree.Childs.begin(), tree.Childs.end());
    for (std::size_t k = 0; k < outers.size(); ++k) {
        BPolygon poly;
        ring_of(outers[k]->Contour, poly.outer());
        for (const cl::PolyNode* hole : outers[k]->Childs) {
            poly.inners().emplace_back();
            ring_of(hole->Contour, poly.inners().back());
            outers.insert(outers.end(), hole->Childs.begin(), hole->Childs.end());
        }
        out.push_back(std::move(poly));
    }
    bg::correct(out);  // Clipper's rings run the other way round
    return out;
}

BMultiLine to_boost(const std::vector<ServiceLine>& lines) {
    BMultiLine out;
    for (const ServiceLine& l : lines) {
        out.emplace_back();
        for (const auto& [x, y] : l) out.back().push_back(BPoint(x, y));
    }
    return out;
}

/// Three stops on the streets of the 2.4 km test grid, far apart.
std::vector<SnapResult> three_stops(const WalkGraph& g) {
    const Snapper snapper(g);
    std::vector<SnapResult> stops;
    for (const auto& [x, y] :
         std::vector<std::pair<double, double>>{{610, 640}, {1480, 1530}, {1900, 500}}) {
        stops.push_back(snapper.snap(at(x, y), 100));
        EXPECT_TRUE(stops.back().ok());
    }
    return stops;
}

TEST(Catchment, WalkingLinesJoinStreetsThatRunOnAndKeepEveryStretch) {
    std::mt19937_64 rng(test::test_seed());
    const WalkGraph g = test::jittered_grid(rng, 25, 100, 20, 15);
    const std::vector<SnapResult> stops = three_stops(g);
    const CatchmentOptions opt;
    const LocalProjection proj(g.coord(0));
    const BMultiLine pieces = edge_stretches(g, stops, opt, proj);
    const std::vector<ServiceLine> joined = walking_lines(g, stops, opt);
    const BMultiLine lines = to_boost(joined);
    // Streets run on through the grid's junctions: far fewer lines than stretches.
    EXPECT_LT(lines.size() * 3, pieces.size());
    // The same stretches: the same length, every stretch's ends on a line, every line's points
    // on a stretch.
    EXPECT_NEAR(bg::length(lines), bg::length(pieces), 1e-6 * bg::length(pieces));
    for (const BLine& p : pieces) {
        EXPECT_LT(bg::distance(p.front(), lines), 1e-6);
        EXPECT_LT(bg::distance(p.back(), lines), 1e-6);
    }
    for (const BLine& l : lines) {
        for (const BPoint& q : l) EXPECT_LT(bg::distance(q, pieces), 1e-6);
    }
    // Buffered, the same area but for how 8-gon joins are drawn against two 8-gon ends.
    const double a = bg::area(buffer_all(lines, opt)), b = bg::area(buffer_all(pieces, opt));
    ASSERT_GT(b, 1e5);
    EXPECT_NEAR(a, b, 0.005 * b);

    // A straight street of eight edges (eight ways end to end) is one line; a side street
    // leaving it at a right angle is a line of its own.
    GraphBuilder builder;
    for (int i = 0; i < 8; ++i) {
        const std::vector<WayNode> way{{std::uint64_t(i + 1), at(0, 50.0 * i)},
                                       {std::uint64_t(i + 2), at(0, 50.0 * (i + 1))}};
        builder.add_way(i + 1, way, 0);
    }
    const std::vector<WayNode> side{{5, at(0, 200)}, {100, at(60, 200)}};
    builder.add_way(100, side, 0);
    const WalkGraph street = std::move(builder).build();
    ASSERT_EQ(street.num_edges(), 9u);
    const std::vector<SnapResult> one{Snapper(street).snap(at(0, 210), 10)};
    std::vector<ServiceLine> two = walking_lines(street, one, opt);
    ASSERT_EQ(two.size(), 2u);
    std::sort(two.begin(), two.end(),
              [](const ServiceLine& x, const ServiceLine& y) { return x.size() > y.size(); });
    EXPECT_EQ(two[0].size(), 9u);
    EXPECT_NEAR(bg::length(to_boost({two[0]})), 400, 0.5);
    EXPECT_EQ(two[1].size(), 2u);
    EXPECT_NEAR(bg::length(to_boost({two[1]})), 60, 0.5);
}

TEST(Catchment, ServiceAreaTilesAreTheSingleUnionCutWithoutLossOrOverlap) {
    std::mt19937_64 rng(test::test_seed());
    // 2.4 km of jittered 100 m grid with a sixth of the links missing (dead ends, holes of
    // every shape), stops on a few streets: the area crosses many 500 m tile edges.
    const WalkGraph g = test::jittered_grid(rng, 25, 100, 20, 15);
    const Snapper snapper(g);
    const std::vector<SnapResult> stops = three_stops(g);
    const CatchmentOptions opt;
    const ServiceArea tiles = walking_service_area(g, stops, opt);
    ASSERT_GT(tiles.tiles.size(), 9u);
    const LocalProjection proj(g.coord(0));

    // Each tile is a valid multipolygon inside its own square.
    BMulti pieces;
    double sum = 0;
    for (const ServiceAreaTile& t : tiles.tiles) {
        const BMulti m = to_boost(t.area, proj);
        std::string why;
        EXPECT_TRUE(bg::is_valid(m, why)) << "tile " << t.x << "," << t.y << ": " << why;
        bg::model::box<BPoint> box;
        bg::envelope(m, box);
        EXPECT_GE(box.min_corner().x(), t.x * ServiceArea::kTileM - 1e-6);
        EXPECT_LE(box.max_corner().x(), (t.x + 1) * ServiceArea::kTileM + 1e-6);
        EXPECT_GE(box.min_corner().y(), t.y * ServiceArea::kTileM - 1e-6);
        EXPECT_LE(box.max_corner().y(), (t.y + 1) * ServiceArea::kTileM + 1e-6);
        sum += bg::area(m);
        pieces.insert(pieces.end(), m.begin(), m.end());
    }
    // The same set as the single union of the same lines, buffered at once by the same library
    // in the same centimetres: the same area (a lost or doubled piece is 100s of m²), and
    // nothing of one outside the other.
    const std::vector<ServiceLine> lines = walking_lines(g, stops, opt);
    const BMulti whole = clipper_buffer_all(lines, opt);
    const double expected = bg::area(whole);
    ASSERT_GT(expected, 1e5);
    EXPECT_NEAR(sum, expected, 1e-6 * expected) << "pieces lost or counted twice";
    // And near another library's finer buffer of the same lines (round parts as 64-gons):
    // Clipper's arcs are chords at most kArcToleranceM inside the circle, so a little short.
    const double fine = bg::area(buffer_all(to_boost(lines), opt, 64));
    EXPECT_LT(sum, fine);
    EXPECT_GT(sum, (1 - 0.005) * fine);
    BMulti joined, both;
    bg::union_(pieces, BMulti{}, joined);
    EXPECT_NEAR(bg::area(joined), sum, 1e-6 * expected) << "tiles overlap";
    bg::union_(whole, joined, both);
    EXPECT_NEAR(bg::area(both), expected, 1e-6 * expected) << "tiles hold area the union has not";

    // Every home on a street within the radius walking is inside the area.
    const MultiPolygon area = all_tiles(tiles);
    std::vector<CatchmentHome> homes;
    std::uniform_real_distribution<double> u(0, 1);
    for (EdgeId e = 0; e < g.num_edges(); e += 3) {
        const LonLat p = interpolate(g.coord(g.edge_tail(e)), g.coord(g.edge_head(e)), u(rng));
        homes.push_back({p, snapper.snap(p, 50), 1.0, kInvalidId});
    }
    const std::vector<LonLat> stop_pos(stops.size());
    const CatchmentResult r = compute_catchment(g, stop_pos, stops, homes, {}, 0, opt);
    int within = 0;
    for (std::size_t h = 0; h < homes.size(); ++h) {
        if (r.walk_m[h] > opt.radius_m) continue;
        ++within;
        EXPECT_TRUE(contains(area, homes[h].pos)) << "home " << h << " at " << r.walk_m[h] << " m";
    }
    EXPECT_GT(within, 50);

    // The same tiles on one thread.
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    const ServiceArea serial = walking_service_area(g, stops, opt);
    ASSERT_EQ(serial.tiles.size(), tiles.tiles.size());
    for (std::size_t i = 0; i < tiles.tiles.size(); ++i) {
        EXPECT_EQ(serial.tiles[i].x, tiles.tiles[i].x);
        EXPECT_EQ(serial.tiles[i].y, tiles.tiles[i].y);
        ASSERT_EQ(serial.tiles[i].area.size(), tiles.tiles[i].area.size());
        for (std::size_t k = 0; k < tiles.tiles[i].area.size(); ++k) {
            EXPECT_EQ(serial.tiles[i].area[k].outer, tiles.tiles[i].area[k].outer);
        }
    }
}

}  // namespace
}  // namespace lc15
