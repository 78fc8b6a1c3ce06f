// Planners' vector files: the reader (CSV, GeoJSON, Shapefile, GeoPackage; CRS, encodings and
// the errors that name the line), the writers (GPKG, GeoJSON, CSV with BOM), `lc15 convert`,
// and the demo data checked against the OSM extract it was made from.
#include <gdal_priv.h>
#include <gtest/gtest.h>

#include <ogrsf_frmts.h>
#include <sqlite3.h>
#include <functional>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "engine/error.hpp"
#include "engine/geo.hpp"
#include "engine/polygon.hpp"
#include "io/crs.hpp"
#include "io/files.hpp"
#include "io/vector_reader.hpp"
#include "io/vector_writer.hpp"

namespace {

namespace fs = std::filesystem;
using lc15::haversine_m;
using lc15::InputError;
using lc15::LonLat;
using namespace lc15::io;

class VectorIo : public ::testing::Test {
  protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::path(::testing::TempDir()) / (std::string("lc15_vio_") + info->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write(const std::string& name, const std::string& bytes) {
        const fs::path p = dir_ / name;
        std::ofstream(p, std::ios::binary) << bytes;
        return p;
    }
    static std::string slurp(const fs::path& p) {
        std::ifstream f(p, std::ios::binary);
        std::ostringstream s;
        s << f.rdbuf();
        return s.str();
    }
    /// Runs a command line; returns its exit status.
    static int run(const std::string& cmd) {
        const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
        return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    }
    static VectorSource source(const fs::path& p, std::optional<Crs> crs = std::nullopt) {
        VectorSource s;
        s.path = p;
        if (crs) {
            s.crs = *crs;
            s.crs_declared = true;
        }
        return s;
    }
    /// The InputError message of reading `src`, or "" if it reads.
    static std::string read_error(const VectorSource& src) {
        try {
            read_features(src, nullptr);
        } catch (const InputError& e) {
            return e.what();
        }
        return "";
    }

    fs::path dir_;
};

// ------------------------------------------------------------------------------- CSV reading

TEST_F(VectorIo, CsvWithBomQuotesAndGcj02Coordinates) {
    const LonLat school{122.2350, 40.6680}, clinic{122.2411, 40.6702};
    const LonLat gs = wgs84_to_gcj02(school), gc = wgs84_to_gcj02(clinic);
    char row1[200], row2[200];
    std::snprintf(row1, sizeof row1, "S1,第一小学,\"Xueyuan Rd, No. 3\",%.9f,%.9f\r\n", gs.lon,
                  gs.lat);
    std::snprintf(row2, sizeof row2, ",\"社区\n卫生站\",\"say \"\"hi\"\"\",%.9f,%.9f\r\n", gc.lon,
                  gc.lat);
    const fs::path p = write("s.csv", std::string("\xEF\xBB\xBF") + "id,名称,address,lng,lat\r\n" +
                                          row1 + "\r\n" + row2);
    std::vector<std::string> warnings;
    const VectorData d = read_vector(source(p, Crs::gcj02()), &warnings);
    EXPECT_TRUE(warnings.empty());
    ASSERT_EQ(d.features.size(), 2u);
    EXPECT_EQ(d.fields, (std::vector<std::string>{"id", "名称", "address", "lng", "lat"}));
    EXPECT_EQ(d.lon_field, "lng");
    const Feature& a = d.features[0];
    EXPECT_EQ(a.id, "S1");
    EXPECT_EQ(a.name, "第一小学");
    EXPECT_EQ(a.source, p.string());
    EXPECT_EQ(a.tags.at("address"), "Xueyuan Rd, No. 3");
    EXPECT_LT(haversine_m(a.point, school), 0.01);
    const Feature& b = d.features[1];
    EXPECT_EQ(b.id, "line 4");  // header = line 1, blank line 3 skipped, record starts on line 4
    EXPECT_EQ(b.name, "社区\n卫生站");
    EXPECT_EQ(b.tags.at("address"), "say \"hi\"");
    EXPECT_LT(haversine_m(b.point, clinic), 0.01);
}

TEST_F(VectorIo, CsvChineseColumnNamesSemicolonsAndUndeclaredCrs) {
    const fs::path p = write("c.csv", "名称;经度;纬度\n甲;122.2;40.6\n乙;;\n");
    std::vector<std::string> warnings;
    const auto f = read_features(source(p), &warnings);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_EQ(f[0].point, (LonLat{122.2, 40.6}));
    ASSERT_EQ(warnings.size(), 2u);
    EXPECT_NE(warnings[0].find("assuming WGS84"), std::string::npos);
    EXPECT_NE(warnings[1].find("1 row(s) without coordinates skipped (lines 3)"), std::string::npos)
        << warnings[1];
}

TEST_F(VectorIo, CsvNamedColumnsWktAndAmapLocation) {
    const fs::path named = write("n.csv", "a,b,c\nx,122.3,40.7\n");
    VectorSource s = source(named, Crs::wgs84());
    s.lon_field = "b";
    s.lat_field = "c";
    EXPECT_EQ(read_features(s, nullptr).at(0).point, (LonLat{122.3, 40.7}));

    const fs::path wkt =
        write("w.csv",
              "name,WKT\npark,\"POLYGON ((122.0 40.0, 122.002 40.0, 122.002 40.002, "
              "122.0 40.002, 122.0 40.0))\"\n");
    const auto parks = read_features(source(wkt, Crs::wgs84()), nullptr);
    ASSERT_EQ(parks.size(), 1u);
    EXPECT_TRUE(parks[0].is_area());
    EXPECT_NEAR(parks[0].point.lon, 122.001, 1e-9);
    EXPECT_NEAR(parks[0].point.lat, 40.001, 1e-9);

    const LonLat g = wgs84_to_gcj02({122.25, 40.65});
    char line[100];
    std::snprintf(line, sizeof line, "\"%.9f,%.9f\"", g.lon, g.lat);
    const fs::path loc = write("l.csv", std::string("name,location\nstop,") + line + "\n");
    EXPECT_LT(
        haversine_m(read_features(source(loc, Crs::gcj02()), nullptr).at(0).point, {122.25, 40.65}),
        0.01);
}

TEST_F(VectorIo, CsvErrorsNameTheLineAndTheFix) {
    const std::string none = read_error(source(write("a.csv", "name,addr\nx,y\n"), Crs::wgs84()));
    EXPECT_NE(none.find("no coordinate columns found (the columns are: name, addr)"),
              std::string::npos)
        << none;

    const std::string nan = read_error(
        source(write("b.csv", "name,lon,lat\na,122.1,40.1\nb,122.2,4O.2\n"), Crs::wgs84()));
    EXPECT_NE(nan.find("b.csv:3: lat value \"4O.2\" is not a number"), std::string::npos) << nan;

    const std::string swapped =
        read_error(source(write("c.csv", "lon,lat\n40.6,122.2\n"), Crs::gcj02()));
    EXPECT_NE(swapped.find("c.csv:2"), std::string::npos) << swapped;
    EXPECT_NE(swapped.find("swapped"), std::string::npos) << swapped;

    const std::string outside =
        read_error(source(write("d.csv", "lon,lat\n7.42,43.73\n"), Crs::gcj02()));
    EXPECT_NE(outside.find("outside the area where GCJ-02 is used"), std::string::npos) << outside;

    const std::string degrees =
        read_error(source(write("e.csv", "x,y\n122.2,40.6\n"), Crs::from_epsg(4550)));
    EXPECT_NE(degrees.find("looks like degrees"), std::string::npos) << degrees;

    const std::string metres =
        read_error(source(write("f.csv", "x,y\n435314.4,4503985.9\n"), Crs::wgs84()));
    EXPECT_NE(metres.find("EPSG:4550"), std::string::npos) << metres;

    const std::string extra =
        read_error(source(write("g.csv", "name,lon,lat\na,b,122.2,40.6\n"), Crs::wgs84()));
    EXPECT_NE(extra.find("g.csv:2: the row has 4 values"), std::string::npos) << extra;

    VectorSource bad_field = source(write("h.csv", "lon,lat\n122.2,40.6\n"), Crs::wgs84());
    bad_field.id_field = "编号";
    EXPECT_NE(read_error(bad_field).find("no column \"编号\""), std::string::npos);

    EXPECT_NE(read_error(source(dir_ / "missing.csv")).find("not found"), std::string::npos);
}

TEST_F(VectorIo, CsvProjectedEpsg4550) {
    // cs2cs oracle (see test_crs.cpp): WGS84 122.235,40.668 = EPSG:4550 435314.4135,4503985.8825.
    const fs::path p = write("p.csv", "x,y\n435314.4135,4503985.8825\n");
    const auto f = read_features(source(p, Crs::parse("EPSG:4550", "t")), nullptr);
    EXPECT_LT(haversine_m(f.at(0).point, {122.235, 40.668}), 0.01);
}

TEST_F(VectorIo, NonUtf8TextIsRefusedUnlessTheEncodingIsGiven) {
    // "北京" in GBK is B1 B1 BE A9 (not UTF-8; note that some GBK text, e.g. "学校" D1 A7 D0 A3,
    // happens to be valid UTF-8 and cannot be told apart).
    const fs::path p =
        write("gbk.csv", "name,lon,lat\nok,122.1,40.1\n\xB1\xB1\xBE\xA9,122.2,40.6\n");
    VectorSource s = source(p, Crs::wgs84());
    const std::string err = read_error(s);
    EXPECT_NE(err.find("gbk.csv:3: the text is not UTF-8"), std::string::npos) << err;
    EXPECT_NE(err.find("encoding = \"GBK\""), std::string::npos) << err;
    s.encoding = "GBK";
    const auto f = read_features(s, nullptr);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[1].name, "北京");
}

// ------------------------------------------------------------------------------- writers

Layer sample_points() {
    Layer l{"facilities",
            Layer::Point,
            {{"name", Field::String}, {"beds", Field::Int}, {"score", Field::Real}},
            {}};
    Row a;
    a.point = {122.235, 40.668};
    a.values = {std::string("中心医院, \"东\"院"), std::int64_t{120}, 0.75};
    Row b;
    b.point = {122.241, 40.6702};
    b.values = {std::string("卫生站"), std::monostate{}, 1.0};
    l.rows = {a, b};
    return l;
}

Layer sample_areas() {
    Layer l{"communities", Layer::MultiPolygon, {{"name", Field::String}}, {}};
    Row r;
    r.area = {{{{122.0, 40.0}, {122.01, 40.0}, {122.01, 40.01}, {122.0, 40.01}},
               {{{122.004, 40.004}, {122.006, 40.004}, {122.006, 40.006}, {122.004, 40.006}}}}};
    r.values = {std::string("滨海社区")};
    l.rows = {r};
    return l;
}

TEST_F(VectorIo, CsvWriterAddsBomAndQuotesPerRfc4180) {
    write_csv_bom(dir_ / "f.csv", sample_points());
    const std::string s = slurp(dir_ / "f.csv");
    EXPECT_EQ(s,
              "\xEF\xBB\xBF"
              "name,beds,score,lon,lat\r\n"
              "\"中心医院, \"\"东\"\"院\",120,0.75,122.235,40.668\r\n"
              "卫生站,,1,122.241,40.6702\r\n");
    // And the reader reads it back (BOM, quotes).
    const auto f = read_features(source(dir_ / "f.csv", Crs::wgs84()), nullptr);
    ASSERT_EQ(f.size(), 2u);
    EXPECT_EQ(f[0].name, "中心医院, \"东\"院");
    EXPECT_EQ(f[1].point, (LonLat{122.241, 40.6702}));
    write_csv_bom(dir_ / "a.csv", sample_areas());
    EXPECT_NE(slurp(dir_ / "a.csv")
                  .find("\"MULTIPOLYGON (((122 40, 122.01 40, 122.01 40.01, 122 40.01, 122 40), "
                        "(122.004 40.004,"),
              std::string::npos)
        << slurp(dir_ / "a.csv");
}

TEST_F(VectorIo, GpkgHoldsSeveralLayersAndReadsBack) {
    OutputDir out(dir_ / "results");
    const fs::path staged = out.stage("coverage.gpkg");
    write_gpkg(staged, {sample_points(), sample_areas()});
    EXPECT_FALSE(fs::exists(dir_ / "results" / "coverage.gpkg"));  // not before commit
    out.commit();
    const fs::path gpkg = dir_ / "results" / "coverage.gpkg";
    ASSERT_TRUE(fs::exists(gpkg));
    EXPECT_EQ(list_layers(gpkg), (std::vector<std::string>{"facilities", "communities"}));

    // No layer named: the error lists them. Unknown layer: likewise.
    const std::string which = read_error(source(gpkg));
    EXPECT_NE(which.find("2 layers: facilities, communities"), std::string::npos) << which;
    VectorSource s = source(gpkg);
    s.layer = "schools";
    EXPECT_NE(read_error(s).find("no layer \"schools\""), std::string::npos);

    s.layer = "facilities";
    std::vector<std::string> warnings;
    const VectorData d = read_vector(s, &warnings);
    EXPECT_TRUE(warnings.empty()) << warnings.front();  // the file's own CRS, EPSG:4326
    EXPECT_EQ(d.crs, Crs::wgs84());
    EXPECT_EQ(d.field_types, (std::vector<std::string>{"String", "Integer", "Real"}));
    ASSERT_EQ(d.features.size(), 2u);
    EXPECT_EQ(d.features[0].name, "中心医院, \"东\"院");
    EXPECT_EQ(d.features[0].tags.at("beds"), "120");
    EXPECT_EQ(d.features[1].tags.at("beds"), "");
    EXPECT_EQ(d.features[0].id, "fid 1");
    EXPECT_EQ(d.features[1].point, (LonLat{122.241, 40.6702}));

    s.layer = "communities";
    const auto c = read_features(s, nullptr);
    ASSERT_EQ(c.size(), 1u);
    ASSERT_EQ(c[0].area.size(), 1u);
    EXPECT_EQ(c[0].area[0].inners.size(), 1u);
    EXPECT_NEAR(lc15::area_m2(c[0].area), lc15::area_m2(sample_areas().rows[0].area), 1.0);
    EXPECT_EQ(c[0].name, "滨海社区");
}

TEST_F(VectorIo, GpkgInEpsg4550AndConflictingDeclaration) {
    Layer l = sample_points();
    const CrsTransformer t(Crs::from_epsg(4550));
    for (Row& r : l.rows) {
        const auto [x, y] = t.from_wgs84(r.point);
        r.point = {x, y};
    }
    l.epsg = 4550;
    write_gpkg(dir_ / "p.gpkg", {l});
    std::vector<std::string> warnings;
    const VectorData d = read_vector(source(dir_ / "p.gpkg"), &warnings);
    EXPECT_TRUE(warnings.empty());
    EXPECT_EQ(d.crs, Crs::from_epsg(4550));
    EXPECT_LT(haversine_m(d.features[0].point, {122.235, 40.668}), 0.01);
    // Declared GCJ-02 over a projected file: warned, and here the coordinates are metres.
    warnings.clear();
    EXPECT_THROW(read_vector(source(dir_ / "p.gpkg", Crs::gcj02()), &warnings), InputError);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(
        warnings[0].find("the file says its coordinates are EPSG:4550 but GCJ-02 was declared"),
        std::string::npos);
}

// The GeoPackage's rows go in through SQLite and its R*Tree is packed after them: the file must
// read back as GDAL wrote it before (values, fids, extent, count), the index must answer every
// window exactly as a scan does, pass SQLite's own rtreecheck and GDAL's validator, and keep
// itself up to date when the file is edited later (its triggers put back).
TEST_F(VectorIo, GpkgSpatialIndexPackedAfterRowsAnswersLikeAScan) {
    Layer pts{"homes",
              Layer::Point,
              {{"id", Field::Int}, {"label", Field::String}, {"share", Field::Real}},
              {}};
    std::vector<LonLat> at;
    for (int i = 0; i < 6000; ++i) {  // more than 51 × 51: three levels of nodes
        const double x = 122.2 + 0.001 * (i % 80) + 0.0003 * std::sin(i * 1.7);
        const double y = 40.6 + 0.001 * (i / 80) + 0.0003 * std::cos(i * 0.9);
        Row r;
        r.point = {x, y};
        at.push_back(r.point);
        r.values = {std::int64_t{i},
                    i % 7 == 0 ? Value{std::int64_t{i}} : Value{"第" + std::to_string(i)},
                    i % 5 == 0 ? Value{} : Value{std::int64_t{i % 3}}};
        pts.rows.push_back(std::move(r));
    }
    Layer cells{"cells", Layer::Polygon, {{"n", Field::Int}}, {}};
    for (int i = 0; i < 300; ++i) {
        const double x = 122.2 + 0.004 * (i % 20), y = 40.6 + 0.004 * (i / 20);
        Row r;
        if (i != 17)  // row 18 an empty polygon: in the table, not in the index
            r.area = {{{{x, y}, {x + 0.003, y}, {x + 0.003, y + 0.003}, {x, y + 0.003}}, {}}};
        r.values = {std::int64_t{i}};
        cells.rows.push_back(std::move(r));
    }
    Layer table{"figures", Layer::None, {{"k", Field::String}, {"v", Field::Real}}, {}};
    table.rows.push_back({.values = {std::string("score"), 71.5}});
    const fs::path gpkg = dir_ / "big.gpkg";
    const Layer areas = sample_areas();
    write_gpkg(gpkg, {&pts, &cells, &table, &areas});

    GDALAllRegister();
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    ASSERT_TRUE(ds);
    OGRLayer* homes = ds->GetLayerByName("homes");
    ASSERT_NE(homes, nullptr);
    EXPECT_EQ(homes->GetFeatureCount(FALSE), 6000);
    OGREnvelope e;
    ASSERT_EQ(homes->GetExtent(&e, FALSE), OGRERR_NONE);
    double minx = 1e9, maxx = -1e9, miny = 1e9, maxy = -1e9;
    for (const LonLat& p : at) {
        minx = std::min(minx, p.lon), maxx = std::max(maxx, p.lon);
        miny = std::min(miny, p.lat), maxy = std::max(maxy, p.lat);
    }
    EXPECT_NEAR(e.MinX, minx, 1e-9);  // GDAL reads the extent back to 15 digits
    EXPECT_NEAR(e.MaxX, maxx, 1e-9);
    EXPECT_NEAR(e.MinY, miny, 1e-9);
    EXPECT_NEAR(e.MaxY, maxy, 1e-9);
    {  // values and fids as written, numbers in a text field as text
        std::unique_ptr<OGRFeature> f(homes->GetFeature(15));
        ASSERT_TRUE(f);
        EXPECT_EQ(f->GetFieldAsInteger64("id"), 14);
        EXPECT_STREQ(f->GetFieldAsString("label"), "14");
        EXPECT_DOUBLE_EQ(f->GetFieldAsDouble("share"), 2.0);
        std::unique_ptr<OGRFeature> g(homes->GetFeature(11));
        EXPECT_STREQ(g->GetFieldAsString("label"), "第10");
        EXPECT_TRUE(g->IsFieldNull(g->GetFieldIndex("share")));
    }
    auto window = [&](OGRLayer* l, double x0, double y0, double x1, double y1) {
        std::set<GIntBig> fids;
        l->SetSpatialFilterRect(x0, y0, x1, y1);
        l->ResetReading();
        for (auto& f : *l) fids.insert(f->GetFID());
        l->SetSpatialFilter(nullptr);
        return fids;
    };
    for (int k = 0; k < 12; ++k) {  // windows of every size, against a scan of the points
        const double x0 = 122.2 + 0.006 * k, y0 = 40.6 + 0.005 * k, w = 0.002 + 0.007 * k;
        std::set<GIntBig> scan;
        for (std::size_t i = 0; i < at.size(); ++i) {
            if (at[i].lon >= x0 && at[i].lon <= x0 + w && at[i].lat >= y0 && at[i].lat <= y0 + w)
                scan.insert(static_cast<GIntBig>(i + 1));
        }
        EXPECT_EQ(window(homes, x0, y0, x0 + w, y0 + w), scan) << "window " << k;
    }
    OGRLayer* cl = ds->GetLayerByName("cells");
    EXPECT_EQ(cl->GetFeatureCount(FALSE), 300);
    EXPECT_EQ(window(cl, 122.2, 40.6, 122.2005, 40.6005), (std::set<GIntBig>{1}));
    EXPECT_EQ(ds->GetLayerByName("figures")->GetFeatureCount(FALSE), 1);

    // An edit after writing: the moved point is found at its new place, not at the old one.
    {
        std::unique_ptr<OGRFeature> f(homes->GetFeature(1));
        f->SetGeometryDirectly(new OGRPoint(122.9, 40.9));
        ASSERT_EQ(homes->SetFeature(f.get()), OGRERR_NONE);
    }
    EXPECT_EQ(window(homes, 122.89, 40.89, 122.91, 40.91), (std::set<GIntBig>{1}));
    EXPECT_EQ(window(homes, at[0].lon - 1e-6, at[0].lat - 1e-6, at[0].lon + 1e-6, at[0].lat + 1e-6),
              std::set<GIntBig>{});
    ds.reset();

    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    for (const char* t : {"rtree_homes_geom", "rtree_cells_geom", "rtree_communities_geom"}) {
        sqlite3_stmt* s = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT rtreecheck(?)", -1, &s, nullptr), SQLITE_OK);
        sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
        ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
        EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "ok") << t;
        sqlite3_finalize(s);
    }
    {  // the empty polygon as GDAL writes one: the empty flag, no envelope, 0 rings
        sqlite3_stmt* s = nullptr;
        ASSERT_EQ(
            sqlite3_prepare_v2(db, "SELECT hex(geom) FROM cells WHERE fid=18", -1, &s, nullptr),
            SQLITE_OK);
        ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
        EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                     "47500011E6100000010300000000000000");
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
    // GDAL's validator (python3-gdal), on the layers without the empty polygon: Debian's
    // version reads the empty flag from the wrong bit and refuses GDAL's own empty geometries.
    const fs::path valid = dir_ / "valid.gpkg";
    write_gpkg(valid, {&pts, &table, &areas});
    EXPECT_EQ(run("/usr/bin/python3 /usr/lib/python3/dist-packages/osgeo_utils/samples/"
                  "validate_gpkg.py '" +
                  valid.string() + "'"),
              0)
        << "GDAL's GeoPackage validator finds fault with " << valid;
}

TEST_F(VectorIo, GeoJsonRoundTripAndEmptyLayer) {
    write_geojson(dir_ / "a.geojson", sample_areas());
    const std::string text = slurp(dir_ / "a.geojson");
    EXPECT_NE(text.find("滨海社区"), std::string::npos);  // UTF-8, not escaped
    const auto f = read_features(source(dir_ / "a.geojson"), nullptr);
    ASSERT_EQ(f.size(), 1u);
    EXPECT_NEAR(lc15::area_m2(f[0].area), lc15::area_m2(sample_areas().rows[0].area), 1.0);

    Layer empty = sample_points();
    empty.rows.clear();
    write_gpkg(dir_ / "e.gpkg", {empty});
    EXPECT_NE(read_error(source(dir_ / "e.gpkg")).find("the layer has no features"),
              std::string::npos);

    EXPECT_NE(
        read_error(source(write("x.geojson", "{not json"))).find("not a vector file lc15 can read"),
        std::string::npos);
}

TEST_F(VectorIo, ShapefileNeedsDbfAndUtf8OrAnEncoding) {
    // A GBK shapefile without .cpg, as older Chinese GIS exports are: written raw by ogr2ogr.
    write("g.csv", "name,lon,lat\n\xB1\xB1\xBE\xA9,122.2,40.6\n");
    ASSERT_EQ(run("cd '" + dir_.string() +
                  "' && ogr2ogr -lco ENCODING= -oo X_POSSIBLE_NAMES=lon -oo Y_POSSIBLE_NAMES=lat "
                  "-a_srs EPSG:4326 g.shp g.csv && rm -f g.cpg"),
              0);
    VectorSource s = source(dir_ / "g.shp");
    const std::string err = read_error(s);
    EXPECT_NE(err.find("fid 0 field name: the text is not UTF-8"), std::string::npos) << err;
    s.encoding = "GBK";
    std::vector<std::string> warnings;
    const VectorData d = read_vector(s, &warnings);
    EXPECT_TRUE(warnings.empty());  // .prj gives EPSG:4326
    ASSERT_EQ(d.features.size(), 1u);
    EXPECT_EQ(d.features[0].name, "北京");
    EXPECT_EQ(d.features[0].point, (LonLat{122.2, 40.6}));

    fs::remove(dir_ / "g.dbf");
    EXPECT_NE(
        read_error(source(dir_ / "g.shp")).find(".dbf attribute table next to the .shp is missing"),
        std::string::npos);
}

// ------------------------------------------------------------------------------- lc15 convert

TEST_F(VectorIo, ConvertKeepsCsvColumnsAndWritesOtherFormats) {
    const LonLat w{122.235, 40.668};
    const fs::path in = write("in.csv", "id,name,lon,lat,note\n7,幼儿园,122.235,40.668,\"a,b\"\n");
    const std::string exe = LC15_EXE;
    ASSERT_EQ(run(exe + " convert '" + in.string() + "' '" + (dir_ / "g.csv").string() +
                  "' --from WGS84 --to GCJ-02"),
              0);
    const LonLat g = wgs84_to_gcj02(w);
    const std::string expect = "\xEF\xBB\xBFid,name,lon,lat,note\r\n7,幼儿园," + fixed(g.lon, 7) +
                               "," + fixed(g.lat, 7) + ",\"a,b\"\r\n";
    EXPECT_EQ(slurp(dir_ / "g.csv"), expect);

    ASSERT_EQ(run(exe + " convert '" + (dir_ / "g.csv").string() + "' '" +
                  (dir_ / "b.gpkg").string() + "' --from amap --to EPSG:4550"),
              0);
    const VectorData d = read_vector(source(dir_ / "b.gpkg"), nullptr);
    EXPECT_EQ(d.crs, Crs::from_epsg(4550));
    EXPECT_EQ(d.fields,
              (std::vector<std::string>{"id", "name", "note"}));  // lon/lat became geometry
    EXPECT_LT(haversine_m(d.features.at(0).point, w), 0.05);
    EXPECT_EQ(d.features[0].tags.at("note"), "a,b");

    ASSERT_EQ(run(exe + " convert '" + (dir_ / "b.gpkg").string() + "' '" +
                  (dir_ / "bd.geojson").string() + "' --to BD-09"),
              0);
    const auto bd = read_features(source(dir_ / "bd.geojson", Crs::bd09()), nullptr);
    EXPECT_LT(haversine_m(bd.at(0).point, w), 0.05);

    // Input errors exit 1 and write nothing.
    EXPECT_EQ(
        run(exe + " convert '" + in.string() + "' '" + (dir_ / "x.csv").string() + "' --to mars"),
        1);
    EXPECT_EQ(
        run(exe + " convert '" + in.string() + "' '" + (dir_ / "x.shp").string() + "' --to WGS84"),
        1);
    EXPECT_FALSE(fs::exists(dir_ / "x.csv"));
}

// ------------------------------------------------------------------------------- demo data

// data/demo/*_gcj02.csv are OSM features shifted to GCJ-02 (scripts/make_demo_data). Read as
// GCJ-02 they must land within 1 m of the OSM objects they came from, read here through GDAL's
// OSM driver (nodes: their position; areas: the centroid of the polygon).
TEST(DemoData, GcjFilesLandOnTheirOsmTwins) {
    const fs::path root = LC15_SOURCE_DIR;
    const fs::path osm = root / "data/osm/cn_zhuhai_xiangzhou.osm";
    std::map<std::string, LonLat> twin;
    VectorSource pts;
    pts.path = osm;
    pts.layer = "points";
    for (const Feature& f : read_features(pts, nullptr)) twin["n" + f.tags.at("osm_id")] = f.point;
    VectorSource areas = pts;
    areas.layer = "multipolygons";
    for (const Feature& f : read_features(areas, nullptr)) {
        const std::string& way = f.tags.at("osm_way_id");
        twin[way.empty() ? "r" + f.tags.at("osm_id") : "w" + way] = lc15::centroid(f.area);
    }
    std::size_t checked = 0;
    for (const char* name : {"xiangzhou_facilities_gcj02.csv", "xiangzhou_bus_stops_gcj02.csv"}) {
        VectorSource s;
        s.path = root / "data/demo" / name;
        s.crs = Crs::gcj02();
        s.crs_declared = true;
        std::vector<std::string> warnings;
        const auto rows = read_features(s, &warnings);
        EXPECT_TRUE(warnings.empty()) << name;
        EXPECT_GT(rows.size(), 90u) << name;
        double worst = 0, min_shift = 1e9;
        for (const Feature& f : rows) {
            const auto it = twin.find(f.id);
            ASSERT_NE(it, twin.end()) << name << ": " << f.id << " is not in the OSM extract";
            worst = std::max(worst, haversine_m(f.point, it->second));
            // As published (GCJ-02) they are hundreds of metres off.
            const double lon = std::stod(f.tags.at("lon")), lat = std::stod(f.tags.at("lat"));
            min_shift = std::min(min_shift, haversine_m({lon, lat}, it->second));
            ++checked;
        }
        EXPECT_LT(worst, 1.0) << name;
        EXPECT_GT(min_shift, 300.0) << name;
    }
    EXPECT_EQ(checked, 96u + 104u);
    // And declared as WGS84 by mistake, the mismatch check notices.
    VectorSource wrong;
    wrong.path = root / "data/demo/xiangzhou_bus_stops_gcj02.csv";
    wrong.crs_declared = true;
    std::vector<LonLat> declared, reference;
    for (const Feature& f : read_features(wrong, nullptr)) declared.push_back(f.point);
    for (const Feature& f : read_features(pts, nullptr)) {
        if (f.tags.at("highway") == "bus_stop") reference.push_back(f.point);
    }
    const auto warn = check_gcj_mismatch(declared, reference, wrong.path.filename().string());
    ASSERT_TRUE(warn.has_value());
    EXPECT_NE(warn->find("declare crs = \"GCJ-02\""), std::string::npos);
}

}  // namespace

// Lines and polygons are encoded without OGR geometries: each blob must be OGR's own ISO WKB
// of the same shape (rings closed as closeRings() closes them), behind the GeoPackage header
// with OGR's envelope.
TEST_F(VectorIo, GpkgGeometryBlobsAreOgrsWkbOfTheSameShape) {
    const lc15::Polygon holed{{{122.20, 40.60}, {122.26, 40.60}, {122.26, 40.66}, {122.20, 40.66}},
                              {{{122.22, 40.62}, {122.24, 40.62}, {122.24, 40.64}}}};  // open
    const lc15::Polygon closed{{{122.30, 40.70}, {122.31, 40.70}, {122.31, 40.71}, {122.30, 40.70}},
                               {}};
    Layer multi{"multi", Layer::MultiPolygon, {{"n", Field::Int}}, {}};
    multi.rows.push_back({.area = {holed, closed}, .values = {std::int64_t{1}}});
    multi.rows.push_back({.area = {closed}, .values = {std::int64_t{2}}});
    multi.rows.push_back({.area = {}, .values = {std::int64_t{3}}});  // empty
    // Empty parts beside full ones: an empty hole, an empty polygon, a one-point ring.
    const lc15::Polygon empty_hole{closed.outer, {{}}};
    const lc15::Polygon nothing{{}, {}};
    const lc15::Polygon one_point{{{122.35, 40.75}}, {}};
    multi.rows.push_back({.area = {empty_hole, nothing, one_point}, .values = {std::int64_t{4}}});
    multi.rows.push_back({.area = {nothing}, .values = {std::int64_t{5}}});  // empty, one part
    Layer single{"single", Layer::Polygon, {{"n", Field::Int}}, {}};
    single.rows.push_back({.area = {holed}, .values = {std::int64_t{1}}});
    single.rows.push_back({.area = {}, .values = {std::int64_t{2}}});
    single.rows.push_back({.area = {nothing}, .values = {std::int64_t{3}}});
    Layer lines{"lines", Layer::LineString, {{"n", Field::Int}}, {}};
    lines.rows.push_back(
        {.line = {{122.2, 40.6}, {122.25, 40.61}, {122.27, 40.65}}, .values = {std::int64_t{1}}});
    lines.rows.push_back({.line = {}, .values = {std::int64_t{2}}});
    const fs::path gpkg = dir_ / "blobs.gpkg";
    write_gpkg(gpkg, {&multi, &single, &lines});

    auto ogr_ring = [](const lc15::Ring& r) {
        auto* out = new OGRLinearRing();
        for (const LonLat& q : r) out->addPoint(q.lon, q.lat);
        out->closeRings();
        return out;
    };
    auto ogr_polygon = [&](const lc15::Polygon& p) {
        auto* out = new OGRPolygon();
        out->addRingDirectly(ogr_ring(p.outer));
        for (const lc15::Ring& h : p.inners) out->addRingDirectly(ogr_ring(h));
        return out;
    };
    auto expected = [](const OGRGeometry& g) {  // header flags, envelope, WKB
        std::string wkb(static_cast<std::size_t>(g.WkbSize()), '\0');
        g.exportToWkb(wkbNDR, reinterpret_cast<unsigned char*>(wkb.data()), wkbVariantIso);
        if (g.IsEmpty()) return std::string("\x11", 1) + wkb;  // empty: no envelope
        OGREnvelope e;
        g.getEnvelope(&e);
        const double env[4] = {e.MinX, e.MaxX, e.MinY, e.MaxY};
        return std::string("\x03", 1) + std::string(reinterpret_cast<const char*>(env), 32) + wkb;
    };
    auto blobs = [&](const std::string& table) {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db, ("SELECT geom FROM " + table + " ORDER BY fid").c_str(), -1, &s,
                           nullptr);
        std::vector<std::string> out;
        while (sqlite3_step(s) == SQLITE_ROW) {
            const auto* b = static_cast<const char*>(sqlite3_column_blob(s, 0));
            const std::string blob(b, static_cast<std::size_t>(sqlite3_column_bytes(s, 0)));
            EXPECT_EQ(blob.substr(0, 3), std::string("GP\0", 3));
            out.push_back(blob.substr(3, 1) + blob.substr(8));  // flags, then past srs_id
        }
        sqlite3_finalize(s);
        sqlite3_close(db);
        return out;
    };

    // A Polygon layer's row with two polygons is refused by every writer (the CSV's WKT once
    // held the first polygon only, silently), naming the layer and the fix.
    Layer two_in_one{"parcels", Layer::Polygon, {{"n", Field::Int}}, {}};
    two_in_one.rows.push_back({.area = {holed, closed}, .values = {std::int64_t{1}}});
    for (const auto& write : std::vector<std::function<void()>>{
             [&] { write_gpkg(dir_ / "two.gpkg", {&two_in_one}); },
             [&] { write_geojson(dir_ / "two.geojson", two_in_one); },
             [&] { write_csv_bom(dir_ / "two.csv", two_in_one); }}) {
        try {
            write();
            ADD_FAILURE() << "a Polygon row with two polygons was written";
        } catch (const InputError& e) {
            EXPECT_NE(std::string(e.what()).find("layer parcels"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("make the layer MultiPolygon"), std::string::npos)
                << e.what();
        }
    }
    EXPECT_FALSE(fs::exists(dir_ / "two.csv")) << "nothing written";

    const auto m = blobs("multi");
    ASSERT_EQ(m.size(), 5u);
    OGRMultiPolygon two;
    two.addGeometryDirectly(ogr_polygon(holed));
    two.addGeometryDirectly(ogr_polygon(closed));
    EXPECT_EQ(m[0], expected(two));
    OGRMultiPolygon one;
    one.addGeometryDirectly(ogr_polygon(closed));
    EXPECT_EQ(m[1], expected(one));
    EXPECT_EQ(m[2], expected(OGRMultiPolygon())) << "empty: the empty flag, no envelope";
    EXPECT_EQ(m[2].substr(0, 1), "\x11");
    OGRMultiPolygon parts;
    for (const lc15::Polygon* q : {&empty_hole, &nothing, &one_point})
        parts.addGeometryDirectly(ogr_polygon(*q));
    EXPECT_EQ(m[3], expected(parts));
    OGRMultiPolygon empty_part;
    empty_part.addGeometryDirectly(ogr_polygon(nothing));
    EXPECT_EQ(m[4], expected(empty_part));
    EXPECT_EQ(m[4].substr(0, 1), "\x11");
    const auto p = blobs("single");
    ASSERT_EQ(p.size(), 3u);
    std::unique_ptr<OGRPolygon> holed_ogr(ogr_polygon(holed));
    EXPECT_EQ(p[0], expected(*holed_ogr));
    EXPECT_EQ(p[1], expected(OGRPolygon()));
    std::unique_ptr<OGRPolygon> nothing_ogr(ogr_polygon(nothing));
    EXPECT_EQ(p[2], expected(*nothing_ogr));
    const auto l = blobs("lines");
    ASSERT_EQ(l.size(), 2u);
    OGRLineString line;
    for (const LonLat& q : lines.rows[0].line) line.addPoint(q.lon, q.lat);
    EXPECT_EQ(l[0], expected(line));
    EXPECT_EQ(l[1], expected(OGRLineString()));

    // The empty rows are read back as empty geometries, the others as they were written, and
    // only the rows with a point are in the spatial index.
    GDALDataset* ds = GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY);
    ASSERT_NE(ds, nullptr);
    std::vector<bool> empty;
    for (const auto& f : *ds->GetLayerByName("multi"))
        empty.push_back(f->GetGeometryRef() == nullptr || f->GetGeometryRef()->IsEmpty());
    GDALClose(ds);
    EXPECT_EQ(empty, (std::vector<bool>{false, false, true, false, true}));
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* q = nullptr;
    sqlite3_prepare_v2(db,
                       "SELECT group_concat(id) FROM (SELECT id FROM rtree_multi_geom ORDER BY id)",
                       -1, &q, nullptr);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(q, 0)), "1,2,4");
    sqlite3_finalize(q);
    sqlite3_close(db);
}
