// Population rasters and census scaling (io/population_raster.hpp, io/census.hpp).
//
// The raster tests write a GeoTIFF through GDAL from the Porto Alegre IPEA grid (the H3
// centroids' people summed into 500 m cells of UTM zone 22S, EPSG:31982), so reading goes
// through a real reprojection; the expectations are the CSV's own sums. The census tests use
// hand-made figures whose scaled totals are known before the code runs.
#include <gtest/gtest.h>

#include <gdal_priv.h>
#include <ogr_spatialref.h>
#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "engine/error.hpp"
#include "io/census.hpp"
#include "io/city.hpp"
#include "io/config.hpp"
#include "io/population_raster.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/cli_run.hpp"
#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

using io::PopulationRaster;
using io::RasterSource;

constexpr double kCellM = 500.0;
constexpr float kNodata = -9999.0f;

struct IpeaRaster {
    std::filesystem::path tif;
    double csv_total = 0;
    int width = 0, height = 0;
    std::vector<float> values;  // row-major, kNodata where no hexagon falls
    std::vector<LonLat> hexes;  // populated hexagon centroids (WGS84)
};

// Writes `values` (width × height, row-major) as a Float32 GeoTIFF.
void write_tiff(const std::filesystem::path& path, int width, int height,
                const std::vector<float>& values, const std::array<double, 6>& gt, int epsg,
                std::optional<float> nodata) {
    GDALAllRegister();
    GDALDriver* drv = GetGDALDriverManager()->GetDriverByName("GTiff");
    ASSERT_NE(drv, nullptr);
    std::unique_ptr<GDALDataset> ds(
        drv->Create(path.string().c_str(), width, height, 1, GDT_Float32, nullptr));
    ASSERT_NE(ds, nullptr);
    std::array<double, 6> g = gt;
    ds->SetGeoTransform(g.data());
    OGRSpatialReference srs;
    srs.importFromEPSG(epsg);
    ds->SetSpatialRef(&srs);
    GDALRasterBand* band = ds->GetRasterBand(1);
    if (nodata) band->SetNoDataValue(*nodata);
    ASSERT_EQ(band->RasterIO(GF_Write, 0, 0, width, height, const_cast<float*>(values.data()),
                             width, height, GDT_Float32, 0, 0),
              CE_None);
}

IpeaRaster make_ipea_raster(const std::filesystem::path& dir) {
    IpeaRaster r;
    std::ifstream in(LC15_SOURCE_DIR "/data/grid/portoalegre_hexgrid.csv");
    std::string line;
    std::getline(in, line);                  // id,lon,lat,population,...
    std::vector<std::array<double, 3>> pts;  // x, y (UTM), population
    OGRSpatialReference wgs, utm;
    wgs.importFromEPSG(4326);
    utm.importFromEPSG(31982);
    wgs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    utm.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> t(OGRCreateCoordinateTransformation(&wgs, &utm));
    double x0 = 1e18, y1 = -1e18, x1 = -1e18, y0 = 1e18;
    while (std::getline(in, line)) {
        std::stringstream ss(line);
        std::string id, lon, lat, pop;
        std::getline(ss, id, ',');
        std::getline(ss, lon, ',');
        std::getline(ss, lat, ',');
        std::getline(ss, pop, ',');
        double x = std::stod(lon), y = std::stod(lat);
        const double p = std::stod(pop);
        if (p > 0) r.hexes.push_back({x, y});
        t->Transform(1, &x, &y);
        pts.push_back({x, y, p});
        r.csv_total += p;
        x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
    }
    x0 = std::floor(x0 / kCellM) * kCellM;
    y1 = std::ceil(y1 / kCellM) * kCellM + kCellM;  // a row of nodata at the top
    r.width = static_cast<int>(std::ceil((x1 - x0) / kCellM)) + 1;
    r.height = static_cast<int>(std::ceil((y1 - y0) / kCellM)) + 1;
    r.values.assign(static_cast<std::size_t>(r.width) * r.height, kNodata);
    for (const auto& [x, y, p] : pts) {
        const int c = static_cast<int>(std::floor((x - x0) / kCellM));
        const int w = static_cast<int>(std::floor((y1 - y) / kCellM));
        float& v = r.values[static_cast<std::size_t>(w) * r.width + c];
        v = (v == kNodata ? 0.0f : v) + static_cast<float>(p);
    }
    r.tif = dir / "poa_pop.tif";
    write_tiff(r.tif, r.width, r.height, r.values, {x0, kCellM, 0, y1, 0, -kCellM}, 31982, kNodata);
    return r;
}

// Three residential buildings near the first populated hexagon (one of them twice as large as
// the others), residential land around the second; everything else has nothing mapped.
struct Mapped {
    std::vector<Building> buildings;
    std::vector<MultiPolygon> land;
};
// Each placed away from its cell's edges (so that it lies in one cell), in different cells.
Mapped mapped_near(const IpeaRaster& r, const PopulationRaster& raster) {
    Mapped m;
    const double d = 1.0 / 111195.0;  // ~1 m in degrees of latitude
    const double h = 70 * d;
    auto clear_of_edges = [&](LonLat p) {
        const auto c = io::raster_cell_of(raster, p);
        for (double dx : {-2 * h, 2 * h})
            for (double dy : {-2 * h, 2 * h})
                if (io::raster_cell_of(raster, {p.lon + dx, p.lat + dy}) != c) return false;
        return true;
    };
    std::size_t ia = 0;
    while (!clear_of_edges(r.hexes[ia])) ++ia;
    std::size_t ib = ia + 1;
    while (!clear_of_edges(r.hexes[ib]) ||
           io::raster_cell_of(raster, r.hexes[ib]) == io::raster_cell_of(raster, r.hexes[ia]))
        ++ib;
    const LonLat a = r.hexes[ia];
    m.buildings.push_back({{a.lon, a.lat}, 200, 5, true});
    m.buildings.push_back({{a.lon + 10 * d, a.lat}, 400, 5, true});
    m.buildings.push_back({{a.lon, a.lat + 10 * d}, 200, 0, true});    // default_levels (6)
    m.buildings.push_back({{a.lon - 10 * d, a.lat}, 9000, 5, false});  // not residential
    const LonLat b = r.hexes[ib];
    m.land.push_back({Polygon{{{b.lon - h, b.lat - h},
                               {b.lon + h, b.lat - h},
                               {b.lon + h, b.lat + h},
                               {b.lon - h, b.lat + h},
                               {b.lon - h, b.lat - h}},
                              {}}});
    return m;
}

TEST(PopulationRaster, IpeaGridTotalsPreservedEachHomeInItsCell) {
    test::TempDir dir;
    const IpeaRaster r = make_ipea_raster(dir.path());
    RasterSource src;
    src.path = r.tif;
    const PopulationRaster raster = io::read_population_raster(src);
    EXPECT_EQ(raster.width, r.width);
    EXPECT_GT(raster.nodata_cells, 0u);
    EXPECT_NEAR(raster.population, r.csv_total, r.csv_total * 0.001);

    const Mapped m = mapped_near(r, raster);
    HomeOptions ho;
    ho.default_levels = 6;
    const io::RasterSpread s = io::spread_raster(raster, m.buildings, m.land, ho);
    EXPECT_EQ(s.cells_on_buildings, 1u);
    EXPECT_EQ(s.cells_on_land, 1u);
    EXPECT_EQ(s.cells_at_centre, raster.cells.size() - 2);

    // Total preserved to 0.1 %, and per cell: every home lies in a populated cell and the
    // homes of a cell sum to its value.
    double total = 0;
    std::map<std::pair<int, int>, double> per_cell;
    for (const PopulationPoint& p : s.points) {
        total += p.population;
        const auto [c, w] = io::raster_cell_of(raster, p.pos);
        ASSERT_GE(c, 0) << p.pos.lon << " " << p.pos.lat;
        per_cell[{c, w}] += p.population;
    }
    EXPECT_NEAR(total, r.csv_total, r.csv_total * 0.001);
    ASSERT_EQ(per_cell.size(), raster.cells.size());
    for (const io::RasterCell& cell : raster.cells) {
        const float v = r.values[static_cast<std::size_t>(cell.row) * r.width + cell.col];
        const double placed = per_cell[std::make_pair(cell.col, cell.row)];
        EXPECT_NEAR(placed, v, v * 1e-9);
    }

    // The buildings' cell: floor areas 200×5, 400×5, 200×6 → shares 1000, 2000, 1200 of 4200.
    const auto bc = io::raster_cell_of(raster, m.buildings[0].centroid);
    const double people = r.values[static_cast<std::size_t>(bc[1]) * r.width + bc[0]];
    std::vector<double> shares;
    for (const PopulationPoint& p : s.points)
        if (io::raster_cell_of(raster, p.pos) == bc) shares.push_back(p.population);
    ASSERT_EQ(shares.size(), 3u);
    EXPECT_NEAR(shares[0], people * 1000 / 4200, 1e-9 * people);
    EXPECT_NEAR(shares[1], people * 2000 / 4200, 1e-9 * people);
    EXPECT_NEAR(shares[2], people * 1200 / 4200, 1e-9 * people);
    // The land cell: one home, inside the land polygon.
    const auto lc = io::raster_cell_of(raster, centroid(m.land[0]));
    int in_land_cell = 0;
    for (const PopulationPoint& p : s.points) {
        if (io::raster_cell_of(raster, p.pos) != lc) continue;
        ++in_land_cell;
        EXPECT_TRUE(contains(m.land[0], p.pos));
    }
    EXPECT_EQ(in_land_cell, 1);
}

TEST(PopulationRaster, SameHomesForOneAndTwoThreads) {
    test::TempDir dir;
    const IpeaRaster r = make_ipea_raster(dir.path());
    RasterSource src;
    src.path = r.tif;
    const Mapped m = mapped_near(r, io::read_population_raster(src));
    auto run = [&](int threads) {
        tbb::global_control c(tbb::global_control::max_allowed_parallelism, threads);
        return io::spread_raster(io::read_population_raster(src), m.buildings, m.land).points;
    };
    const auto a = run(1), b = run(2);
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].pos, b[i].pos);
        EXPECT_EQ(a[i].population, b[i].population);
    }
}

TEST(PopulationRaster, NegativeCellsAreBadInputUnlessDeclared) {
    test::TempDir dir;
    const auto tif = dir / "neg.tif";
    write_tiff(tif, 3, 2, {5, -2, 7, kNodata, -1, 4}, {122.2, 0.001, 0, 40.7, 0, -0.001}, 4326,
               kNodata);
    RasterSource src;
    src.path = tif;
    const std::string msg = test::input_error_of([&] { io::read_population_raster(src); });
    EXPECT_NE(msg.find("neg.tif"), std::string::npos) << msg;
    EXPECT_NE(msg.find("2 cell(s) hold a negative population"), std::string::npos) << msg;
    EXPECT_NE(msg.find("column 2, row 1"), std::string::npos) << msg;
    src.negative_as_nodata = true;
    const PopulationRaster r = io::read_population_raster(src);
    EXPECT_EQ(r.negative_cells, 2u);
    EXPECT_EQ(r.nodata_cells, 1u);
    ASSERT_EQ(r.cells.size(), 3u);
    EXPECT_DOUBLE_EQ(r.population, 16.0);
    // Cell (0, 0) of a WGS84 raster: centre 122.2005E 40.6995N.
    EXPECT_NEAR(r.cells[0].centre.lon, 122.2005, 1e-9);
    EXPECT_NEAR(r.cells[0].centre.lat, 40.6995, 1e-9);
}

// ------------------------------------------------------------------ census scaling

TEST(Census, ReadsFilteredRowsAndMatchesByLastWord) {
    test::TempDir dir;
    std::ofstream(dir / "census.csv") << "\xEF\xBB\xBFlevel,name,population,note\n"
                                         "district,站前区,262376,\"a note, with a comma\"\n"
                                         "street,站前区 跃进街道,34798,\"5th census\"\n"
                                         "street,站前区 八田地街道,38222,\n"
                                         "street,站前区 无此街道,100,\n";
    io::CensusSource src;
    src.path = dir / "census.csv";
    src.only = {{"level", "street"}};
    const auto figs = io::read_census(src);
    ASSERT_EQ(figs.size(), 3u);
    EXPECT_EQ(figs[0].line, 3);
    EXPECT_EQ(figs[0].population, 34798);
    const auto m =
        io::match_census(figs, {{"w1", "八田地街道"}, {"w2", "跃进街道"}, {"w3", "x"}}, src);
    EXPECT_EQ(m.figure_of[0], std::optional<std::size_t>(1));
    EXPECT_EQ(m.figure_of[1], std::optional<std::size_t>(0));
    EXPECT_FALSE(m.figure_of[2]);
    EXPECT_EQ(m.unmatched, std::vector<std::size_t>{2});

    std::ofstream(dir / "bad.csv") << "name,population\n跃进街道,-3\n";
    src.path = dir / "bad.csv";
    src.only.clear();
    const std::string msg = test::input_error_of([&] { io::read_census(src); });
    EXPECT_NE(msg.find("bad.csv: line 2"), std::string::npos) << msg;
}

TEST(Census, CommunityTotalsEqualTheFiguresAndFactorsAreReported) {
    std::vector<HomePoint> homes{{{0, 0}, 10, 0},        {{0, 0}, 20, 0}, {{0, 0}, 30.3, 0},
                                 {{0, 0}, 7, 1},         {{0, 0}, 0, 2},  {{0, 0}, 0, 2},
                                 {{0, 0}, 5, kInvalidId}};
    const std::vector<std::optional<double>> given{34798.0, std::nullopt, 1001.0, 51925.0};
    const io::ScaleResult s = io::scale_to_totals(homes, given);
    double sum[3] = {0, 0, 0};
    for (const auto& h : homes)
        if (h.community != kInvalidId) sum[h.community] += h.population;
    EXPECT_EQ(sum[0], 34798.0);  // exactly: the largest home takes the rounding
    EXPECT_DOUBLE_EQ(s.factor[0], 34798.0 / 60.3);
    EXPECT_DOUBLE_EQ(homes[0].population, 10 * 34798.0 / 60.3);
    EXPECT_EQ(sum[1], 7.0);  // no figure: left as estimated
    EXPECT_TRUE(std::isnan(s.factor[1]));
    EXPECT_EQ(sum[2], 1001.0);  // estimate 0: spread evenly
    EXPECT_EQ(homes[4].population, 500.5);
    EXPECT_TRUE(std::isnan(s.factor[2]));
    EXPECT_EQ(homes[6].population, 5.0);  // outside every community: untouched
    EXPECT_EQ(s.unhoused, std::vector<CommunityId>{3});
}

// A city end to end: a raster over two community polygons of a planner's file, census figures
// for them and for a third community where the raster holds nobody.
//
//   street a----------b along the top; raster: 6 × 2 cells of 0.001°, 10 people each, one
//   nodata; community A = columns 1-3, B = columns 4-6, C east of the raster.
TEST(Census, RasterCityScaledAndTheEmptyCommunityReported) {
    test::TempDir dir;
    test::AsciiMap m("a------------b", 50.0, {122.2, 40.7003});
    m.write(dir / "city.osm");
    write_tiff(dir / "pop.tif", 6, 2, {10, 10, 10, 10, 10, 10, 10, kNodata, 10, 10, 10, 10},
               {122.2, 0.001, 0, 40.7, 0, -0.001}, 4326, kNodata);
    auto box = [](double lon0, double lon1) {
        char buf[200];
        std::snprintf(buf, sizeof buf,
                      "\"POLYGON((%.4f 40.698,%.4f 40.698,%.4f 40.7,%.4f 40.7,%.4f 40.698))\"",
                      lon0, lon1, lon1, lon0, lon0);
        return std::string(buf);
    };
    std::ofstream(dir / "communities.csv")
        << "id,name,wkt\nA,东苑," << box(122.2, 122.203) << "\nB,西苑," << box(122.203, 122.206)
        << "\nC,北苑," << box(122.207, 122.208) << "\n";
    std::ofstream(dir / "census.csv") << "code,name,population\n,东苑,1000\nB,,2000.5\n,北苑,500\n";
    std::ofstream(dir / "city.toml")
        << "[city]\nname = \"t\"\nosm = \"city.osm\"\nrules = \"" LC15_SOURCE_DIR
           "/configs/rules/gb50180_2018.toml\"\n[communities]\nsource = \"file\"\npath = "
           "\"communities.csv\"\n[population]\nsource = \"raster\"\npath = \"pop.tif\"\n"
           "[population.census]\npath = \"census.csv\"\ncode_field = \"code\"\n";
    const io::City city = io::load_city(io::load_city_config(dir / "city.toml"));
    ASSERT_EQ(city.communities.size(), 3u);
    double sum[3] = {0, 0, 0};
    for (const auto& h : city.homes) {
        ASSERT_NE(h.community, kInvalidId);
        sum[h.community] += h.population;
    }
    EXPECT_NEAR(sum[0], 1000.0, 1e-9);
    EXPECT_NEAR(sum[1], 2000.5, 1e-9);
    EXPECT_EQ(sum[2], 0.0);
    EXPECT_EQ(city.communities[0].population_source, "raster×census");
    EXPECT_DOUBLE_EQ(city.communities[0].scale_factor, 1000.0 / 50);  // 5 cells of 10
    EXPECT_DOUBLE_EQ(city.communities[1].scale_factor, 2000.5 / 60);
    EXPECT_EQ(city.communities[2].population_source, "census (no residential place)");
    std::string all;
    for (const auto& w : city.warnings) all += w + "\n";
    EXPECT_NE(all.find("community C (北苑) has a population but no home inside it"),
              std::string::npos)
        << all;
    EXPECT_NE(all.find("pop.tif: 1 nodata cells"), std::string::npos) << all;
    EXPECT_NE(all.find("factor (given / estimated) 20.000 to 33.342"), std::string::npos) << all;

    // The outputs carry the source and the factor per community, the empty one included.
    const auto out = test::fresh_dir("census_raster_city");
    const test::CliRun run = test::run_lc15("coverage -q --config " + (dir / "city.toml").string() +
                                            " --out " + out.string());
    ASSERT_EQ(run.code, 0) << run.output;
    const auto rows = test::csv_rows(test::slurp(out / "communities.csv"));
    ASSERT_EQ(rows.size(), 4u);
    auto col = [&](const std::string& name) {
        for (std::size_t i = 0; i < rows[0].size(); ++i)
            if (rows[0][i] == name) return i;
        ADD_FAILURE() << "no column " << name;
        return std::size_t{0};
    };
    EXPECT_EQ(rows[1][col("population_source")], "raster×census");
    EXPECT_EQ(rows[1][col("scale_factor")], "20");
    EXPECT_EQ(rows[3][col("population_source")], "census (no residential place)");
    EXPECT_EQ(rows[3][col("population_given")], "500");
    std::filesystem::remove_all(out);
}

}  // namespace
}  // namespace lc15
