// Coordinate systems: GCJ-02 / BD-09 against published reference values, round trips around
// Yingkou, the identity outside China, EPSG through PROJ, and the GCJ-02 mismatch check.
#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "engine/error.hpp"
#include "engine/geo.hpp"
#include "io/crs.hpp"

namespace {

using lc15::haversine_m;
using lc15::InputError;
using lc15::LonLat;
using namespace lc15::io;

TEST(Crs, ParsesTheNamesPlannersUse) {
    EXPECT_EQ(Crs::parse("WGS84", "t"), Crs::wgs84());
    EXPECT_EQ(Crs::parse("epsg:4326", "t"), Crs::wgs84());
    EXPECT_EQ(Crs::parse(" wgs 84 ", "t"), Crs::wgs84());
    for (const char* s : {"GCJ-02", "GCJ02", "gcj02", "amap", "Tencent", "gaode"}) {
        EXPECT_EQ(Crs::parse(s, "t"), Crs::gcj02()) << s;
    }
    for (const char* s : {"BD-09", "BD09", "baidu"})
        EXPECT_EQ(Crs::parse(s, "t"), Crs::bd09()) << s;
    EXPECT_EQ(Crs::parse("CGCS2000", "t"), (Crs{CrsKind::EPSG, 4490}));
    EXPECT_EQ(Crs::parse("EPSG:4550", "t"), (Crs{CrsKind::EPSG, 4550}));
    EXPECT_EQ(Crs::parse("EPSG:4550", "t").text(), "EPSG:4550");
    for (const Crs& c : {Crs::wgs84(), Crs::gcj02(), Crs::bd09(), Crs::from_epsg(4549)}) {
        EXPECT_EQ(Crs::parse(c.text(), "t"), c) << c.text();
    }
}

TEST(Crs, UnknownNamesListTheAcceptedForms) {
    try {
        Crs::parse("mars", "configs/a.toml:3");
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_EQ(e.where(), "configs/a.toml:3");
        EXPECT_NE(std::string(e.what()).find("GCJ-02"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("EPSG:"), std::string::npos);
    }
    EXPECT_THROW(Crs::parse("EPSG:999999", "t"), InputError);
    EXPECT_THROW(Crs::parse("EPSG:", "t"), InputError);
    EXPECT_THROW(Crs::parse("EPSG:12ab", "t"), InputError);
}

// Reference pairs from the test suite of googollee/eviltransform (python/test.py, "TESTS",
// given there as lat, lng), which implements the same public formula. The formula here uses
// a = 6378245 where eviltransform's Go/Python port uses 6378137 in one branch; the two agree
// to < 2e-7 degrees, so the tolerance is 1e-6 degrees (~0.1 m).
TEST(Gcj02, MatchesPublishedReferencePoints) {
    struct Case {
        LonLat wgs, gcj;
    };
    const Case cases[] = {
        {{121.5272106, 31.1774276}, {121.531541859215, 31.17530398364597}},  // Shanghai
        {{113.912316, 22.543847}, {113.9171764808363, 22.540796131694766}},  // Shenzhen
        {{116.377817, 39.911954}, {116.38404722455657, 39.91334545536069}},  // Beijing
    };
    for (const Case& c : cases) {
        const LonLat g = wgs84_to_gcj02(c.wgs);
        EXPECT_NEAR(g.lon, c.gcj.lon, 1e-6);
        EXPECT_NEAR(g.lat, c.gcj.lat, 1e-6);
        const LonLat w = gcj02_to_wgs84(c.gcj);
        EXPECT_LT(haversine_m(w, c.wgs), 0.2);
    }
    // wandergis/coordtransform README example: wgs84togcj02(116.404, 39.915) =
    // [116.41024449916938, 39.91640428150164], gcj02tobd09(116.404, 39.915) =
    // [116.41036949371029, 39.92133699351021] (same public formulas, a = 6378245).
    const LonLat g = wgs84_to_gcj02({116.404, 39.915});
    EXPECT_NEAR(g.lon, 116.41024449916938, 1e-9);
    EXPECT_NEAR(g.lat, 39.91640428150164, 1e-9);
    const LonLat b = gcj02_to_bd09({116.404, 39.915});
    EXPECT_NEAR(b.lon, 116.41036949371029, 1e-9);
    EXPECT_NEAR(b.lat, 39.92133699351021, 1e-9);
    // Tiananmen, often quoted as WGS84 116.391349,39.907375 -> GCJ-02 ~116.397590,39.908775;
    // the formula gives 116.397590..., 39.908776... (the quoted pair is rounded).
    const LonLat t = wgs84_to_gcj02({116.391349, 39.907375});
    EXPECT_NEAR(t.lon, 116.397590, 2e-6);
    EXPECT_NEAR(t.lat, 39.908775, 2e-6);
}

TEST(Bd09, MatchesPublishedReferencePoints) {
    // wandergis/coordtransform README: bd09togcj02(116.404, 39.915) =
    // [116.39762729119315, 39.90865673957631], from the closed-form approximate inverse that
    // bd09_to_gcj02 starts from and then refines (by < 1e-5 degrees).
    const LonLat g = bd09_to_gcj02({116.404, 39.915});
    EXPECT_NEAR(g.lon, 116.39762729119315, 1e-5);
    EXPECT_NEAR(g.lat, 39.90865673957631, 1e-5);
    EXPECT_LT(haversine_m(gcj02_to_bd09(g), {116.404, 39.915}), 0.001);
    // Beijing railway station, GCJ-02 (116.42703, 39.90245) = BD-09 (116.43351, 39.90851)
    // to the 5 decimals that example quotes.
    const LonLat b = gcj02_to_bd09({116.42703, 39.90245});
    EXPECT_NEAR(b.lon, 116.43351, 1e-5);
    EXPECT_NEAR(b.lat, 39.90851, 1e-5);
}

TEST(Gcj02, RoundTripsAroundYingkouWithinHalfAMetre) {
    double worst = 0, min_shift = 1e9, max_shift = 0;
    for (int i = 0; i <= 40; ++i) {
        for (int j = 0; j <= 40; ++j) {
            const LonLat w{122.1 + 0.01 * i, 40.4 + 0.01 * j};
            const LonLat g = wgs84_to_gcj02(w);
            const double shift = haversine_m(w, g);
            min_shift = std::min(min_shift, shift);
            max_shift = std::max(max_shift, shift);
            worst = std::max(worst, haversine_m(gcj02_to_wgs84(g), w));
            worst = std::max(worst, haversine_m(bd09_to_wgs84(wgs84_to_bd09(w)), w));
            // And the other way round: GCJ-02 input, to WGS84 and back.
            worst = std::max(worst, haversine_m(wgs84_to_gcj02(gcj02_to_wgs84(w)), w));
        }
    }
    EXPECT_LT(worst, 0.5);
    EXPECT_LT(worst, 0.001);  // the iteration actually converges to < 1e-9°
    // The offset that makes GCJ-02 matter: several hundred metres, more than a 300 m radius.
    EXPECT_GT(min_shift, 400.0);
    EXPECT_LT(max_shift, 600.0);
}

TEST(Gcj02, IsTheIdentityOutsideChina) {
    for (const LonLat p :
         {LonLat{7.42, 43.73}, LonLat{-51.22, -30.03}, LonLat{140.0, 35.6}, LonLat{71.9, 40.0}}) {
        EXPECT_EQ(wgs84_to_gcj02(p), p);
        EXPECT_EQ(gcj02_to_wgs84(p), p);
        EXPECT_FALSE(in_china_box(p));
    }
    EXPECT_TRUE(in_china_box({122.23, 40.66}));
}

TEST(CrsTransformer, ConvertsEveryKindToWgs84) {
    const LonLat w{122.2350, 40.6680};
    const LonLat g = wgs84_to_gcj02(w), b = wgs84_to_bd09(w);
    EXPECT_EQ(CrsTransformer(Crs::wgs84()).to_wgs84(w.lon, w.lat), w);
    EXPECT_LT(haversine_m(CrsTransformer(Crs::gcj02()).to_wgs84(g.lon, g.lat), w), 0.001);
    EXPECT_LT(haversine_m(CrsTransformer(Crs::bd09()).to_wgs84(b.lon, b.lat), w), 0.001);
    const auto [gx, gy] = CrsTransformer(Crs::gcj02()).from_wgs84(w);
    EXPECT_EQ(gx, g.lon);
    EXPECT_EQ(gy, g.lat);
}

// Yingkou (122.2E) lies in the CGCS2000 3-degree Gauss-Kruger zone with central meridian
// 123E, EPSG:4550; EPSG:4549 is the zone west of it (CM 120E). Both must round-trip to 1 cm
// with easting first (the EPSG definitions list northing first).
TEST(CrsTransformer, ProjectsThroughProjWithEastingFirst) {
    const LonLat w{122.2350, 40.6680};
    // Oracle: PROJ's command line, `echo "40.668 122.235" | cs2cs -d 4 EPSG:4326 EPSG:4550`
    // prints northing easting 4503985.8825 435314.4135 (EPSG:4549: 4506107.2364 688989.8392).
    struct Case {
        int code;
        double x, y;
    };
    for (const Case c :
         {Case{4550, 435314.4135, 4503985.8825}, Case{4549, 688989.8392, 4506107.2364}}) {
        const int code = c.code;
        const CrsTransformer t(Crs::from_epsg(code));
        EXPECT_FALSE(t.geographic());
        const auto [x, y] = t.from_wgs84(w);
        EXPECT_NEAR(x, c.x, 0.001) << code;
        EXPECT_NEAR(y, c.y, 0.001) << code;
        EXPECT_LT(haversine_m(t.to_wgs84(x, y), w), 0.01) << code;
        EXPECT_TRUE(t.plausible(w));
        EXPECT_FALSE(t.plausible({10.0, 50.0}));
    }
    // Easting of a point on the central meridian is the false easting.
    const auto [x0, y0] = CrsTransformer(Crs::from_epsg(4550)).from_wgs84({123.0, 40.0});
    EXPECT_NEAR(x0, 500000.0, 0.001);
    EXPECT_GT(y0, 4.4e6);
    const CrsTransformer cgcs(Crs::parse("CGCS2000", "t"));
    EXPECT_TRUE(cgcs.geographic());
    EXPECT_LT(haversine_m(cgcs.to_wgs84(w.lon, w.lat), w), 1.0);
}

TEST(CrsTransformer, IsSafeToShareBetweenThreads) {
    const CrsTransformer t(Crs::from_epsg(4550));
    const auto [x, y] = t.from_wgs84({122.3, 40.6});
    std::vector<std::thread> threads;
    std::vector<double> worst(4, 0.0);
    for (int k = 0; k < 4; ++k) {
        threads.emplace_back([&, k, x = x, y = y] {
            for (int i = 0; i < 2000; ++i) {
                worst[k] = std::max(worst[k], haversine_m(t.to_wgs84(x, y), {122.3, 40.6}));
            }
        });
    }
    for (auto& th : threads) th.join();
    for (double d : worst) EXPECT_LT(d, 0.01);
}

TEST(CheckGcjMismatch, FlagsGcjPointsDeclaredWgs84) {
    // Facilities ~ 2.5 km apart (nearest point = twin), or ~ 250 m apart (nearest point as
    // the file stands is usually a neighbour): both must be recognised.
    for (double spacing : {0.03, 0.003}) {
        std::vector<LonLat> osm, gcj_file, honest_file;
        for (int i = 0; i < 30; ++i) {
            const LonLat p{122.20 + spacing * (i % 6), 40.62 + spacing * 0.8 * (i / 6)};
            osm.push_back(p);
            gcj_file.push_back(wgs84_to_gcj02(p));
            honest_file.push_back({p.lon + 0.00005, p.lat - 0.00004});  // a few metres of noise
        }
        const auto warn = check_gcj_mismatch(gcj_file, osm, "data/schools.csv");
        ASSERT_TRUE(warn.has_value());
        EXPECT_NE(warn->find("declare crs = \"GCJ-02\""), std::string::npos) << *warn;
        EXPECT_NE(warn->find("data/schools.csv"), std::string::npos);
        EXPECT_FALSE(check_gcj_mismatch(honest_file, osm).has_value());
        // Too few pairs to judge.
        EXPECT_FALSE(check_gcj_mismatch({gcj_file.begin(), gcj_file.begin() + 3}, osm).has_value());
    }
    // Outside China there is no offset to find.
    std::vector<LonLat> monaco{
        {7.42, 43.73}, {7.43, 43.74}, {7.41, 43.72}, {7.44, 43.75}, {7.425, 43.735}};
    EXPECT_FALSE(check_gcj_mismatch(monaco, monaco).has_value());
}

}  // namespace
