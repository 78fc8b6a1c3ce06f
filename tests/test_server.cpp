// API tests of `lc15 serve` over loopback (server/planner.hpp, server/http_server.hpp) on the
// Monaco extract: the server runs in-process on a free port, a cpp-httplib client talks to it.
// Facility and stop edits must give the figures of `lc15 scenario` (ScenarioEvaluator on the
// saved scenario file) bit for bit; undo must give the base back bit for bit; bad requests get
// a 4xx and leave the session as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "engine/error.hpp"
#include "io/city.hpp"
#include "io/network_figures.hpp"
#include "io/vector_writer.hpp"
#include "maps/maps.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario.hpp"
#include "server/http_server.hpp"
#include "server/planner.hpp"
#include "support/cli_run.hpp"

// After Eigen (engine/capacity.hpp): httplib.h brings <resolv.h>, whose `_res` macro would
// rename parameters in Eigen's headers.
#include <httplib.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace lc15 {
namespace {

const fs::path kConfig = fs::path(LC15_SOURCE_DIR) / "configs" / "monaco.toml";

// The city, loaded once for every test here.
struct Monaco {
    io::City city;
    scenarios::ScenarioCity sc;
    std::unique_ptr<scenarios::ScenarioEvaluator> ev;
    Monaco() : city(io::load_city(io::load_city_config(kConfig))) {
        sc = scenarios::make_scenario_city(city);
        ev = std::make_unique<scenarios::ScenarioEvaluator>(sc);
    }
    std::uint32_t cat(const std::string& id) const {
        for (std::uint32_t k = 0; k < sc.rules.size(); ++k)
            if (sc.rules[k].id == id) return k;
        return kInvalidId;
    }
    // Where a new facility of `cat` gains the most: the snapped home farthest beyond the radius
    // (deterministic: first by distance, then by home id).
    LonLat uncovered_home(std::uint32_t k) const {
        const CoverageModel& m = ev->base_model();
        HomeId best = kInvalidId;
        for (HomeId h = 0; h < sc.homes.size(); ++h) {
            if (!sc.homes[h].snap.ok() || m.covered(k, h) || sc.homes[h].population <= 0) continue;
            if (best == kInvalidId || m.home(k, h).nearest > m.home(k, best).nearest) best = h;
        }
        return sc.homes.at(best).snap.on_edge;
    }
};

Monaco& monaco() {
    static Monaco m;
    return m;
}

// A planner and its HTTP server on a free loopback port, stopped at the end of the test.
struct Served {
    std::unique_ptr<server::Planner> planner;
    std::unique_ptr<server::HttpServer> http;
    std::thread thread;
    int port = 0;
    explicit Served(server::PlannerOptions po = {}, std::string token = {}) {
        po.config_path = kConfig.string();
        planner = std::make_unique<server::Planner>(monaco().city, po);
        http = std::make_unique<server::HttpServer>(
            *planner, server::ServerOptions{"127.0.0.1", 0, std::move(token), 1 << 20});
        port = http->bind();
        thread = std::thread([this] { http->run(); });
    }
    ~Served() {
        http->stop();
        thread.join();
    }
    httplib::Client client() const {
        httplib::Client c("127.0.0.1", port);
        c.set_read_timeout(60, 0);
        return c;
    }
};

std::string fmt_lonlat(LonLat p) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.7f %.7f", p.lon, p.lat);
    return buf;
}

json body(const httplib::Result& r) {
    EXPECT_TRUE(r) << "no answer";
    if (!r) return {};
    return json::parse(r->body);
}

std::string new_session(httplib::Client& c) {
    auto r = c.Post("/api/sessions");
    EXPECT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
    return body(r)["session"];
}

httplib::Result post_edit(httplib::Client& c, const std::string& s, const json& edit) {
    return c.Post(("/api/sessions/" + s + "/edits").c_str(), edit.dump(), "application/json");
}

// The same outcome in the API's JSON and in the evaluator, bit for bit.
void expect_same(const json& st, const scenarios::ScenarioOutcome& out,
                 const scenarios::ScenarioCity& sc) {
    ASSERT_EQ(st["city"]["categories"].size(), out.city.size());
    EXPECT_EQ(st["city"]["score_before"].get<double>(), out.city_score_before);
    EXPECT_EQ(st["city"]["score_after"].get<double>(), out.city_score_after);
    for (std::size_t k = 0; k < out.city.size(); ++k) {
        const json& c = st["city"]["categories"][k];
        EXPECT_EQ(c["gained"].get<double>(), out.city[k].gained) << sc.rules[k].id;
        EXPECT_EQ(c["lost"].get<double>(), out.city[k].lost) << sc.rules[k].id;
        EXPECT_EQ(c["covered_after"].get<double>(), out.city[k].covered_after);
        EXPECT_EQ(c["share_after"].get<double>(), out.city[k].share_after);
    }
    // Every community the evaluator sees changed is in the answer, with the same figures;
    // the answer names no community that did not change.
    std::map<std::uint32_t, const json*> listed;
    for (const json& c : st["communities"]) listed[c["community"].get<std::uint32_t>()] = &c;
    std::size_t changed = 0;
    for (std::uint32_t c = 0; c < out.communities.size(); ++c) {
        const auto& oc = out.communities[c];
        bool differs = oc.score_after != oc.score_before;
        for (const auto& x : oc.by_category)
            differs =
                differs || x.gained != 0 || x.lost != 0 || x.covered_after != x.covered_before;
        if (!differs) continue;
        ++changed;
        ASSERT_TRUE(listed.count(c)) << "community " << c << " " << oc.name;
        const json& j = *listed[c];
        EXPECT_EQ(j["score_after"].get<double>(), oc.score_after);
        for (std::size_t k = 0; k < oc.by_category.size(); ++k) {
            const auto& x = oc.by_category[k];
            const std::string id = sc.rules[k].id;
            if (!j["categories"].contains(id)) {
                EXPECT_EQ(x.gained, 0) << id;
                EXPECT_EQ(x.lost, 0) << id;
                EXPECT_EQ(x.covered_after, x.covered_before) << id;
                continue;
            }
            EXPECT_EQ(j["categories"][id]["gained"].get<double>(), x.gained) << id;
            EXPECT_EQ(j["categories"][id]["lost"].get<double>(), x.lost) << id;
            EXPECT_EQ(j["categories"][id]["covered_after"].get<double>(), x.covered_after);
            EXPECT_EQ(j["categories"][id]["share_after"].get<double>(), x.share_after);
        }
    }
    EXPECT_GE(listed.size(), changed);
}

scenarios::ScenarioOutcome evaluate_saved(const std::string& toml_text, const std::string& name) {
    const fs::path p = fs::temp_directory_path() / ("lc15_test_server_" + name + ".toml");
    std::ofstream(p, std::ios::binary) << toml_text;
    const scenarios::Scenario s = scenarios::load_scenario(p);
    EXPECT_EQ(fs::weakly_canonical(s.base), fs::weakly_canonical(kConfig));
    return monaco().ev->evaluate(s);
}

TEST(Server, AddFacilityGivesTheGainsOfLc15Scenario) {
    Served srv;
    auto c = srv.client();
    const std::string s = new_session(c);
    const std::uint32_t kg = monaco().cat("kindergarten");
    const LonLat p = monaco().uncovered_home(kg);
    auto r = post_edit(c, s,
                       {{"type", "add_facility"},
                        {"category", "kindergarten"},
                        {"lon", p.lon},
                        {"lat", p.lat},
                        {"name", "新幼儿园 \"A\""},
                        {"capacity", 180}});
    ASSERT_EQ(r->status, 200) << r->body;
    const json st = body(r);
    EXPECT_GT(st["city"]["categories"][kg]["gained"].get<double>(), 0);
    EXPECT_FALSE(st["communities"].empty());

    auto t = c.Get(("/api/sessions/" + s + "/scenario.toml").c_str());
    ASSERT_EQ(t->status, 200);
    EXPECT_NE(t->body.find("type = \"add_facility\""), std::string::npos) << t->body;
    const scenarios::ScenarioOutcome out = evaluate_saved(t->body, "add");
    expect_same(st, out, monaco().sc);
}

TEST(Server, EveryFacilityAndStopEditMatchesLc15Scenario) {
    Served srv;
    auto c = srv.client();
    const std::string s = new_session(c);
    const auto& sc = monaco().sc;
    const std::uint32_t kg = monaco().cat("kindergarten"), stop = sc.stop_category;
    ASSERT_NE(stop, kInvalidId);
    ASSERT_GE(sc.facilities[stop].size(), 1u);
    // A category with at least two facilities: one moved, one closed.
    std::uint32_t two = kInvalidId;
    for (std::uint32_t k = 0; k < sc.rules.size() && two == kInvalidId; ++k)
        if (k != stop && sc.facilities[k].size() >= 2) two = k;
    ASSERT_NE(two, kInvalidId);
    const LonLat p = monaco().uncovered_home(kg), q = monaco().uncovered_home(stop);
    const auto& moved = sc.facilities[two][0];
    const auto& closed = sc.facilities[two][1];
    const auto& removed = sc.facilities[stop][0];
    const std::vector<json> edits{
        {{"type", "add_facility"}, {"category", "kindergarten"}, {"lon", p.lon}, {"lat", p.lat}},
        {{"type", "add_stop"}, {"lon", q.lon}, {"lat", q.lat}, {"name", "new stop"}},
        {{"type", "move_facility"},
         {"category", sc.rules[two].id},
         {"id", moved.id},
         {"lon", p.lon + 0.001},
         {"lat", p.lat}},
        {{"type", "close_facility"}, {"category", sc.rules[two].id}, {"id", closed.id}},
        {{"type", "remove_stop"}, {"id", removed.id}},
    };
    json st;
    for (const json& e : edits) {
        auto r = post_edit(c, s, e);
        ASSERT_EQ(r->status, 200) << e.dump() << "\n" << r->body;
        st = body(r);
    }
    EXPECT_EQ(st["edits"].size(), edits.size());
    auto t = c.Get(("/api/sessions/" + s + "/scenario.toml").c_str());
    ASSERT_EQ(t->status, 200);
    const scenarios::ScenarioOutcome out = evaluate_saved(t->body, "all");
    ASSERT_EQ(out.log.size(), edits.size());
    expect_same(st, out, sc);

    // The saved file loaded into a new session gives the same answer.
    const std::string s2 = new_session(c);
    auto l = c.Put(("/api/sessions/" + s2 + "/scenario").c_str(), t->body, "application/toml");
    ASSERT_EQ(l->status, 200) << l->body;
    json st2 = body(l);
    st2["session"] = s;
    EXPECT_EQ(st2.dump(), st.dump());
}

TEST(Server, SavedScenarioGivesTheSameNumbersInTheLc15ScenarioCommand) {
    Served srv;
    auto c = srv.client();
    const std::string s = new_session(c);
    const auto& sc = monaco().sc;
    const LonLat p = monaco().uncovered_home(monaco().cat("kindergarten"));
    const LonLat q = monaco().uncovered_home(monaco().cat("market"));
    json st;
    for (const json& e : std::vector<json>{
             {{"type", "add_facility"},
              {"category", "kindergarten"},
              {"lon", p.lon},
              {"lat", p.lat}},
             {{"type", "add_facility"}, {"category", "market"}, {"lon", q.lon}, {"lat", q.lat}},
             {{"type", "add_stop"}, {"lon", q.lon}, {"lat", q.lat}}}) {
        auto r = post_edit(c, s, e);
        ASSERT_EQ(r->status, 200) << r->body;
        st = json::parse(r->body);
    }
    const fs::path dir = test::fresh_dir("serve_saved");
    fs::create_directories(dir);
    std::ofstream(dir / "saved.toml", std::ios::binary)
        << c.Get(("/api/sessions/" + s + "/scenario.toml").c_str())->body;
    const test::CliRun run =
        test::run_lc15("scenario -q --scenario " + (dir / "saved.toml").string() + " --out " +
                       (dir / "out").string());
    ASSERT_EQ(run.code, 0) << run.output;
    const auto rows = test::csv_rows(test::slurp(dir / "out" / "saved" / "community_changes.csv"));
    const std::size_t ncat = sc.rules.size(), ncom = sc.community_names.size();
    ASSERT_EQ(rows.size(), 1 + (ncom + 1) * ncat);
    std::map<std::uint32_t, const json*> listed;
    for (const json& x : st["communities"]) listed[x["community"].get<std::uint32_t>()] = &x;
    std::size_t gains = 0;
    for (std::size_t i = 0; i < (ncom + 1) * ncat; ++i) {
        const auto& row = rows[i + 1];
        const std::size_t com = i / ncat, k = i % ncat;
        ASSERT_EQ(row[1], sc.rules[k].id);
        double gained = 0, lost = 0, after;
        if (com == ncom) {  // the city's rows
            const json& x = st["city"]["categories"][k];
            gained = x["gained"];
            lost = x["lost"];
            after = x["covered_after"];
        } else {
            after = monaco()
                        .ev->base_model()
                        .report(ncom)
                        .communities[com]
                        .by_category[k]
                        .covered_population;
            if (listed.count(com) && (*listed[com])["categories"].contains(sc.rules[k].id)) {
                const json& x = (*listed[com])["categories"][sc.rules[k].id];
                gained = x["gained"];
                lost = x["lost"];
                after = x["covered_after"];
            }
        }
        EXPECT_EQ(row[4], io::fixed(after, 1)) << row[0] << " " << row[1];
        EXPECT_EQ(row[5], io::fixed(gained, 1)) << row[0] << " " << row[1];
        EXPECT_EQ(row[6], io::fixed(lost, 1)) << row[0] << " " << row[1];
        if (gained > 0) ++gains;
    }
    EXPECT_GT(gains, 2u);
}

TEST(Server, UndoReturnsTheBaseBitForBitAndRedoTheEdit) {
    Served srv;
    auto c = srv.client();
    const std::string s = new_session(c);
    const std::string base = c.Get(("/api/sessions/" + s).c_str())->body;
    const json b = json::parse(base);
    for (const json& x : b["city"]["categories"]) {
        EXPECT_EQ(x["covered_after"], x["covered_before"]);
        EXPECT_EQ(x["share_after"], x["share_before"]);
    }
    const auto& sc = monaco().sc;
    const std::uint32_t kg = monaco().cat("kindergarten");
    const LonLat p = monaco().uncovered_home(kg);
    auto a = post_edit(
        c, s,
        {{"type", "add_facility"}, {"category", "kindergarten"}, {"lon", p.lon}, {"lat", p.lat}});
    ASSERT_EQ(a->status, 200);
    auto m = post_edit(c, s, {{"type", "close_facility"}, {"id", sc.facilities[kg][0].id}});
    ASSERT_EQ(m->status, 200) << m->body;
    const std::string two = m->body;
    ASSERT_NE(two, base);

    ASSERT_EQ(c.Post(("/api/sessions/" + s + "/undo").c_str())->status, 200);
    auto u = c.Post(("/api/sessions/" + s + "/undo").c_str());
    ASSERT_EQ(u->status, 200);
    json ub = json::parse(u->body);
    EXPECT_TRUE(ub["communities"].empty()) << ub["communities"].dump();
    EXPECT_EQ(ub["city"].dump(), b["city"].dump());  // every figure, bit for bit
    EXPECT_TRUE(ub["can_redo"].get<bool>());
    EXPECT_EQ(c.Post(("/api/sessions/" + s + "/undo").c_str())->status, 409);

    ASSERT_EQ(c.Post(("/api/sessions/" + s + "/redo").c_str())->status, 200);
    auto r = c.Post(("/api/sessions/" + s + "/redo").c_str());
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(json::parse(r->body)["city"].dump(), json::parse(two)["city"].dump());
    EXPECT_EQ(json::parse(r->body)["communities"].dump(), json::parse(two)["communities"].dump());
    EXPECT_EQ(c.Post(("/api/sessions/" + s + "/redo").c_str())->status, 409);
}

// Dragging a facility added in the session: a move_added edit moves that edit's facility;
// the figures are those of the facility added where it ends up (the saved file has one
// add_facility edit there), and undo / redo step through add and move bit for bit.
TEST(Server, MovingAnAddedFacilityIsAMoveOfThatEdit) {
    Served srv;
    auto c = srv.client();
    const auto& sc = monaco().sc;
    const std::uint32_t kg = monaco().cat("kindergarten");
    const LonLat p = monaco().uncovered_home(kg);
    const LonLat q = monaco().uncovered_home(monaco().cat("market"));
    ASSERT_NE(fmt_lonlat(p), fmt_lonlat(q));
    const std::string s = new_session(c);
    const json base = body(c.Get(("/api/sessions/" + s).c_str()));
    auto a = post_edit(c, s,
                       {{"type", "add_facility"},
                        {"category", "kindergarten"},
                        {"name", "新幼儿园"},
                        {"lon", p.lon},
                        {"lat", p.lat}});
    ASSERT_EQ(a->status, 200) << a->body;
    const json added = body(a);
    // Bad moves are refused and change nothing.
    const std::vector<std::pair<json, int>> bad{
        {{{"type", "move_added"}, {"edit", 2}, {"lon", q.lon}, {"lat", q.lat}}, 422},
        {{{"type", "move_added"}, {"edit", 0}, {"lon", q.lon}, {"lat", q.lat}}, 400},
        {{{"type", "move_added"}, {"lon", q.lon}, {"lat", q.lat}}, 400},
        {{{"type", "move_added"}, {"edit", 1}, {"lon", 0.0}, {"lat", 0.0}}, 422},
        {{{"type", "move_added"}, {"edit", 1}, {"id", "x"}, {"lon", q.lon}, {"lat", q.lat}}, 400},
    };
    for (const auto& [e, status] : bad) {
        auto r = post_edit(c, s, e);
        EXPECT_EQ(r->status, status) << e.dump() << "\n" << r->body;
    }
    EXPECT_EQ(body(c.Get(("/api/sessions/" + s).c_str())).dump(), added.dump());

    auto m = post_edit(c, s, {{"type", "move_added"}, {"edit", 1}, {"lon", q.lon}, {"lat", q.lat}});
    ASSERT_EQ(m->status, 200) << m->body;
    const json moved = body(m);
    ASSERT_EQ(moved["edits"].size(), 2u);
    EXPECT_EQ(moved["edits"][1]["type"], "move_added");
    EXPECT_EQ(moved["edits"][1]["edit"], 1);
    EXPECT_NE(moved["city"].dump(), added["city"].dump());

    // The saved scenario: one add_facility at q, evaluated to the same figures.
    const std::string toml = c.Get(("/api/sessions/" + s + "/scenario.toml").c_str())->body;
    EXPECT_EQ(toml.find("move"), std::string::npos) << toml;
    const scenarios::ScenarioOutcome out = evaluate_saved(toml, "move_added");
    ASSERT_EQ(out.log.size(), 1u);
    expect_same(moved, out, sc);
    // A session that adds the facility at q directly answers the same.
    const std::string s2 = new_session(c);
    const json direct = body(post_edit(
        c, s2,
        {{"type", "add_facility"}, {"category", "kindergarten"}, {"lon", q.lon}, {"lat", q.lat}}));
    EXPECT_EQ(direct["city"].dump(), moved["city"].dump());
    EXPECT_EQ(direct["communities"].dump(), moved["communities"].dump());

    // A move of the move is refused: it names an edit that added nothing.
    EXPECT_EQ(post_edit(c, s, {{"type", "move_added"}, {"edit", 2}, {"lon", p.lon}, {"lat", p.lat}})
                  ->status,
              422);
    // Undo the move: the figures of the add at p; undo the add: the base; redo both: moved.
    const std::string undo = "/api/sessions/" + s + "/undo", redo = "/api/sessions/" + s + "/redo";
    const json u1 = body(c.Post(undo.c_str()));
    EXPECT_EQ(u1["city"].dump(), added["city"].dump());
    EXPECT_EQ(u1["communities"].dump(), added["communities"].dump());
    const json u2 = body(c.Post(undo.c_str()));
    EXPECT_EQ(u2["city"].dump(), base["city"].dump());
    EXPECT_TRUE(u2["communities"].empty());
    ASSERT_EQ(c.Post(redo.c_str())->status, 200);
    const json r2 = body(c.Post(redo.c_str()));
    EXPECT_EQ(r2["city"].dump(), moved["city"].dump());
    EXPECT_EQ(r2["communities"].dump(), moved["communities"].dump());
    EXPECT_EQ(r2["edits"].dump(), moved["edits"].dump());
    // Loading the saved file into a session gives the moved figures too.
    const std::string s3 = new_session(c);
    const json loaded =
        body(c.Put(("/api/sessions/" + s3 + "/scenario").c_str(), toml, "application/toml"));
    EXPECT_EQ(loaded["city"].dump(), moved["city"].dump());
}

TEST(Server, BadRequestsGet4xxAndLeaveTheSessionAsItWas) {
    Served srv;
    auto c = srv.client();
    const std::string s = new_session(c);
    const auto& sc = monaco().sc;
    const LonLat p = monaco().uncovered_home(monaco().cat("kindergarten"));
    ASSERT_EQ(post_edit(c, s,
                        {{"type", "add_facility"},
                         {"category", "kindergarten"},
                         {"lon", p.lon},
                         {"lat", p.lat}})
                  ->status,
              200);
    const std::string before = c.Get(("/api/sessions/" + s).c_str())->body;

    // A point inside the bounds but beyond the snap limit: searched on a grid.
    const auto& bb = sc.bbox;
    std::optional<LonLat> far;
    for (int i = 0; i <= 40 && !far; ++i)
        for (int j = 0; j <= 40 && !far; ++j) {
            const LonLat x{bb[0] + (bb[2] - bb[0]) * i / 40, bb[1] + (bb[3] - bb[1]) * j / 40};
            if (monaco().city.snapper->nearest_metres(x) > sc.max_snap_m * 1.5) far = x;
        }
    ASSERT_TRUE(far) << "no point of Monaco's bounds lies beyond the snap limit";

    struct Case {
        std::string what, body;
        int status;
    };
    const std::string pt =
        ", \"lon\": " + std::to_string(p.lon) + ", \"lat\": " + std::to_string(p.lat);
    const std::vector<Case> cases{
        {"malformed JSON", "{\"type\": \"add_facility\", ", 400},
        {"not an object", "[1, 2]", 400},
        {"NaN", "{\"type\":\"add_facility\",\"category\":\"kindergarten\",\"lon\":NaN,\"lat\":1}",
         400},
        {"string coordinate",
         "{\"type\":\"add_facility\",\"category\":\"kindergarten\",\"lon\":\"7.4\",\"lat\":43.7}",
         400},
        {"overflowing number",
         "{\"type\":\"add_facility\",\"category\":\"kindergarten\",\"lon\":1e999,\"lat\":43.7}",
         400},
        {"unknown type", "{\"type\":\"add_school\"" + pt + "}", 400},
        {"unknown key",
         "{\"type\":\"add_facility\",\"category\":\"kindergarten\",\"path\":\"/etc/passwd\"" + pt +
             "}",
         400},
        {"unknown category", "{\"type\":\"add_facility\",\"category\":\"casino\"" + pt + "}", 422},
        {"outside the city", "{\"type\":\"add_stop\",\"lon\":120.0,\"lat\":30.0}", 422},
        {"beyond the snap limit",
         "{\"type\":\"add_stop\",\"lon\":" + std::to_string(far->lon) +
             ",\"lat\":" + std::to_string(far->lat) + "}",
         422},
        {"unknown facility", "{\"type\":\"close_facility\",\"id\":\"n0000\"}", 422},
        {"bad capacity",
         "{\"type\":\"add_facility\",\"category\":\"kindergarten\",\"capacity\":-3" + pt + "}",
         400},
        {"network edit", "{\"type\":\"close_way\",\"way\":1}", 422},
    };
    for (const Case& k : cases) {
        auto r = c.Post(("/api/sessions/" + s + "/edits").c_str(), k.body, "application/json");
        ASSERT_TRUE(r) << k.what;
        EXPECT_EQ(r->status, k.status) << k.what << ": " << r->body;
        const json e = json::parse(r->body, nullptr, false);
        EXPECT_TRUE(e.is_object() && e.contains("error")) << k.what << ": " << r->body;
        EXPECT_EQ(c.Get(("/api/sessions/" + s).c_str())->body, before) << k.what;
    }
    // Closing twice: the second is refused.
    const std::string id = sc.facilities[monaco().cat("kindergarten")][0].id;
    ASSERT_EQ(post_edit(c, s, {{"type", "close_facility"}, {"id", id}})->status, 200);
    const std::string closed = c.Get(("/api/sessions/" + s).c_str())->body;
    auto twice = post_edit(c, s, {{"type", "close_facility"}, {"id", id}});
    EXPECT_EQ(twice->status, 422) << twice->body;
    EXPECT_EQ(c.Get(("/api/sessions/" + s).c_str())->body, closed);

    // Oversized body, unknown session, unknown path.
    const std::string big(2 << 20, ' ');
    auto o = c.Post(("/api/sessions/" + s + "/edits").c_str(), big, "application/json");
    ASSERT_TRUE(o);
    EXPECT_EQ(o->status, 413);
    EXPECT_EQ(c.Get(("/api/sessions/" + s).c_str())->body, closed);
    auto u = c.Post("/api/sessions/0123456789abcdef/edits", "{}", "application/json");
    EXPECT_EQ(u->status, 404);
    EXPECT_NE(json::parse(u->body)["error"].get<std::string>().find("unknown session"),
              std::string::npos);
    EXPECT_EQ(c.Get("/api/nothing")->status, 404);

    // A scenario that names a file, or a network edit, is refused and changes nothing.
    const std::string sites =
        "base = \"x.toml\"\n[[edit]]\ntype = \"add_facility\"\n"
        "category = \"kindergarten\"\nsites = \"/etc/passwd\"\n";
    auto l = c.Put(("/api/sessions/" + s + "/scenario").c_str(), sites, "application/toml");
    EXPECT_EQ(l->status, 422) << l->body;
    const std::string bad_edit =
        "base = \"x.toml\"\n[[edit]]\ntype = \"add_stop\"\nlon = 120.0\n"
        "lat = 30.0\n";
    auto l2 = c.Put(("/api/sessions/" + s + "/scenario").c_str(), bad_edit, "application/toml");
    EXPECT_EQ(l2->status, 422) << l2->body;
    auto l3 = c.Put(("/api/sessions/" + s + "/scenario").c_str(), "not = toml = at all",
                    "application/toml");
    EXPECT_EQ(l3->status, 400) << l3->body;
    EXPECT_EQ(c.Get(("/api/sessions/" + s).c_str())->body, closed);
}

// Waits until the session's background run has caught up with its edit list.
json settled(httplib::Client& c, const std::string& s) {
    for (int i = 0; i < 600; ++i) {
        json st = json::parse(c.Get(("/api/sessions/" + s).c_str())->body);
        if (st["rebuild"].is_null() ||
            (!st["rebuild"]["pending"].get<bool>() && !st["rebuild"]["stale"].get<bool>()))
            return st;
        if (st["rebuild"].contains("error")) return st;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "the background run did not finish";
    return {};
}

TEST(Server, NetworkProfileAndHousingEditsRebuildInTheBackground) {
    Served srv;
    auto c = srv.client();
    const std::string s = new_session(c);
    const auto& sc = monaco().sc;
    const std::uint32_t kg = monaco().cat("kindergarten");
    const LonLat p = monaco().uncovered_home(kg);
    const LonLat q = monaco().uncovered_home(monaco().cat("market"));
    // A street segment next to a covered home: its way id, and a point on it.
    const WalkGraph& g = *sc.graph;
    const SnapResult on = sc.homes[sc.homes.size() / 2].snap;
    ASSERT_TRUE(on.ok());
    const std::vector<json> edits{
        {{"type", "add_facility"}, {"category", "kindergarten"}, {"lon", p.lon}, {"lat", p.lat}},
        {{"type", "close_link"}, {"lon", on.on_edge.lon}, {"lat", on.on_edge.lat}},
        {{"type", "set_population"},
         {"lon", q.lon},
         {"lat", q.lat},
         {"residents", 1234.5},
         {"name", "new housing"}},
        {{"type", "profile"}, {"profile", "elderly"}},
        {{"type", "close_way"}, {"way", g.edge_source_id(0)}},
    };
    for (const json& e : edits) {
        auto r = post_edit(c, s, e);
        ASSERT_EQ(r->status, 200) << e.dump() << "\n" << r->body;
        const json st = json::parse(r->body);
        if (e["type"] != "add_facility") EXPECT_FALSE(st["rebuild"].is_null());
    }
    const json st = settled(c, s);
    ASSERT_FALSE(st["rebuild"].contains("error")) << st["rebuild"].dump();
    auto t = c.Get(("/api/sessions/" + s + "/scenario.toml").c_str());
    ASSERT_EQ(t->status, 200);
    const scenarios::ScenarioOutcome out = evaluate_saved(t->body, "rebuild");
    EXPECT_TRUE(out.rebuilt);
    expect_same(st, out, sc);

    // Bad network edits are refused up front and change nothing.
    const std::string before = json::parse(c.Get(("/api/sessions/" + s).c_str())->body).dump();
    EXPECT_EQ(post_edit(c, s, {{"type", "profile"}, {"profile", "cyclist"}})->status, 422);
    EXPECT_EQ(post_edit(c, s, {{"type", "close_way"}, {"way", -12345}})->status, 422);
    EXPECT_EQ(post_edit(c, s, {{"type", "add_link"}, {"from", {1, 2}}})->status, 400);
    EXPECT_EQ(
        post_edit(c, s,
                  {{"type", "set_population"}, {"lon", p.lon}, {"lat", p.lat}, {"residents", -5}})
            ->status,
        400);
    EXPECT_EQ(json::parse(c.Get(("/api/sessions/" + s).c_str())->body).dump(), before);

    // Undoing every network edit brings back the incremental figures of the facility edit.
    for (int i = 0; i < 4; ++i)
        ASSERT_EQ(c.Post(("/api/sessions/" + s + "/undo").c_str())->status, 200);
    const json back = settled(c, s);
    EXPECT_TRUE(back["rebuild"].is_null());
    auto t1 = c.Get(("/api/sessions/" + s + "/scenario.toml").c_str());
    expect_same(back, evaluate_saved(t1->body, "back"), sc);
}

TEST(Server, OptimiserSitesCoverWhatTheyPromiseWhenKept) {
    Served srv;
    auto c = srv.client();
    const std::string s = new_session(c);
    const std::string before = c.Get(("/api/sessions/" + s).c_str())->body;
    auto o = c.Post(("/api/sessions/" + s + "/optimize").c_str(),
                    R"({"category": "kindergarten", "k": 3})", "application/json");
    ASSERT_EQ(o->status, 200) << o->body;
    const json r = json::parse(o->body);
    ASSERT_EQ(r["sites"].size(), 3u);
    double last = 1e300;
    for (const json& site : r["sites"]) {
        EXPECT_GT(site["gain"].get<double>(), 0);
        EXPECT_LE(site["gain"].get<double>(), last);  // greedy: gains never grow
        last = site["gain"].get<double>();
    }
    EXPECT_EQ(c.Get(("/api/sessions/" + s).c_str())->body, before);  // asking changes nothing

    // Keeping the first site gains what the optimiser promised.
    const json& first = r["sites"][0];
    auto a = post_edit(c, s,
                       {{"type", "add_facility"},
                        {"category", "kindergarten"},
                        {"lon", first["lon"]},
                        {"lat", first["lat"]}});
    ASSERT_EQ(a->status, 200) << a->body;
    const std::uint32_t kg = monaco().cat("kindergarten");
    const double gained = json::parse(a->body)["city"]["categories"][kg]["gained"].get<double>();
    EXPECT_NEAR(gained, first["gain"].get<double>(), 1e-6 * first["gain"].get<double>());
    // Asked again, the optimiser counts the kept site as existing: the best gain drops.
    auto o2 = c.Post(("/api/sessions/" + s + "/optimize").c_str(),
                     R"({"category": "kindergarten", "k": 1})", "application/json");
    ASSERT_EQ(o2->status, 200);
    EXPECT_LE(json::parse(o2->body)["sites"][0]["gain"].get<double>(),
              r["sites"][1]["gain"].get<double>() * (1 + 1e-9));
    EXPECT_EQ(c.Post(("/api/sessions/" + s + "/optimize").c_str(), R"({"category": "x", "k": 1})",
                     "application/json")
                  ->status,
              422);
    EXPECT_EQ(c.Post(("/api/sessions/" + s + "/optimize").c_str(),
                     R"({"category": "kindergarten", "k": 0})", "application/json")
                  ->status,
              400);
}

TEST(Server, SessionsAreCappedAndIndependent) {
    server::PlannerOptions po;
    po.max_sessions = 2;
    Served srv(po);
    auto c = srv.client();
    const std::string a = new_session(c), b = new_session(c);
    EXPECT_NE(a, b);
    auto third = c.Post("/api/sessions");
    ASSERT_TRUE(third);
    EXPECT_EQ(third->status, 503);
    const std::string b_before = c.Get(("/api/sessions/" + b).c_str())->body;
    const LonLat p = monaco().uncovered_home(monaco().cat("kindergarten"));
    ASSERT_EQ(post_edit(c, a,
                        {{"type", "add_facility"},
                         {"category", "kindergarten"},
                         {"lon", p.lon},
                         {"lat", p.lat}})
                  ->status,
              200);
    EXPECT_EQ(c.Get(("/api/sessions/" + b).c_str())->body, b_before);
    EXPECT_EQ(c.Delete(("/api/sessions/" + a).c_str())->status, 200);
    EXPECT_EQ(c.Get(("/api/sessions/" + a).c_str())->status, 404);
    EXPECT_EQ(c.Post("/api/sessions")->status, 201);
    EXPECT_GT(srv.planner->session_bytes(), 0u);
}

TEST(Server, TokenIsRequiredOnEveryRequestWhenSet) {
    Served srv({}, "s3cret");
    auto c = srv.client();
    EXPECT_EQ(c.Get("/api/city")->status, 403);
    EXPECT_EQ(c.Get("/")->status, 403);
    EXPECT_EQ(c.Post("/api/sessions")->status, 403);
    httplib::Headers wrong{{"Authorization", "Bearer s3cre"}};
    EXPECT_EQ(c.Get("/api/city", wrong)->status, 403);
    httplib::Headers right{{"Authorization", "Bearer s3cret"}};
    EXPECT_EQ(c.Get("/api/city", right)->status, 200);
    auto page = c.Get("/?token=s3cret");
    ASSERT_EQ(page->status, 200);
    const std::string cookie = page->get_header_value("Set-Cookie");
    EXPECT_NE(cookie.find("lc15_token=s3cret"), std::string::npos);
    httplib::Headers jar{{"Cookie", "lc15_token=s3cret"}};
    EXPECT_EQ(c.Post("/api/sessions", jar, "", "application/json")->status, 201);

    // Another address than loopback needs a token.
    server::Planner& planner = *srv.planner;
    EXPECT_THROW(server::HttpServer(planner, {"0.0.0.0", 0, "", 1 << 20}), InputError);
    EXPECT_NO_THROW(server::HttpServer(planner, {"0.0.0.0", 0, "t", 1 << 20}));
}

// Issue 16's figures on the page: GET /api/city carries the network indicators of every
// community and of the city, those of lc15 coverage (io::network_figures), in its keys.
TEST(Server, CityCarriesTheNetworkIndicatorsOfLc15Coverage) {
    Served srv;
    auto c = srv.client();
    const json j = body(c.Get("/api/city"));
    const io::NetworkFigures f = io::network_figures(monaco().city);
    ASSERT_EQ(j["communities"].size(), f.report.communities.size());
    const json& city = j["city"]["network"];
    ASSERT_TRUE(city.is_object()) << j["city"].dump();
    EXPECT_EQ(city["dead_ends"].get<std::uint32_t>(), f.report.city.dead_ends);
    EXPECT_EQ(city["intersections"].get<std::uint32_t>(), f.report.city.intersections);
    EXPECT_NEAR(city["street_km_per_km2"].get<double>(), f.report.city.walk_density(), 0.006);
    std::uint32_t dead_ends = 0, intersections = 0;
    for (std::size_t i = 0; i < f.report.communities.size(); ++i) {
        const json& n = j["communities"][i]["network"];
        const NetworkMetrics& m = f.report.communities[i];
        ASSERT_TRUE(n.is_object()) << i;
        EXPECT_EQ(n["dead_ends"].get<std::uint32_t>(), m.dead_ends) << i;
        EXPECT_EQ(n["intersections"].get<std::uint32_t>(), m.intersections) << i;
        EXPECT_NEAR(n["area_km2"].get<double>(), m.area_km2, 6e-5) << i;
        if (m.area_km2 > 0) {
            EXPECT_NEAR(n["street_km_per_km2"].get<double>(), m.walk_km / m.area_km2, 0.006);
            EXPECT_NEAR(n["dead_ends_per_km2"].get<double>(), m.dead_ends / m.area_km2, 0.06);
        }
        if (m.blocks == 0) EXPECT_TRUE(n["mean_block_ha"].is_null()) << i;
        dead_ends += n["dead_ends"].get<std::uint32_t>();
        intersections += n["intersections"].get<std::uint32_t>();
    }
    // The city's figures are the sums over the communities.
    EXPECT_EQ(city["dead_ends"].get<std::uint32_t>(), dead_ends);
    EXPECT_EQ(city["intersections"].get<std::uint32_t>(), intersections);
    EXPECT_GT(intersections, 0u);
}

std::string scenario_file(const std::string& name, const std::vector<std::string>& edits) {
    std::string t = "name = \"" + name + "\"\nbase = \"" + kConfig.string() + "\"\n";
    for (const std::string& e : edits) t += "\n[[edit]]\n" + e;
    return t;
}

std::string lonlat(LonLat p) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "lon = %.7f\nlat = %.7f\n", p.lon, p.lat);
    return buf;
}

// Two scenario files uploaded as text are each evaluated as `lc15 scenario` evaluates them
// and come back side by side; bad uploads get 4xx and no session changes.
TEST(Server, ComparesTwoScenarioFilesWithTheNumbersOfLc15Scenario) {
    Served srv;
    auto c = srv.client();
    const auto& sc = monaco().sc;
    const LonLat p = monaco().uncovered_home(monaco().cat("kindergarten"));
    const LonLat q = monaco().uncovered_home(monaco().cat("market"));
    std::uint32_t two = kInvalidId;
    for (std::uint32_t k = 0; k < sc.rules.size() && two == kInvalidId; ++k)
        if (k != sc.stop_category && sc.facilities[k].size() >= 2) two = k;
    ASSERT_NE(two, kInvalidId);
    const std::string a = scenario_file(
        "A", {"type = \"add_facility\"\ncategory = \"kindergarten\"\nname = \"新幼儿园\"\n" +
              lonlat(p)});
    const std::string b =
        scenario_file("B", {"type = \"add_facility\"\ncategory = \"market\"\n" + lonlat(q),
                            "type = \"close_facility\"\ncategory = \"" + sc.rules[two].id +
                                "\"\nid = \"" + sc.facilities[two][0].id + "\"\n",
                            "type = \"add_facility\"\ncategory = \"kindergarten\"\n" + lonlat(q)});
    const std::string s = new_session(c);
    const std::string before = c.Get(("/api/sessions/" + s).c_str())->body;
    const json req{
        {"scenarios", {{{"label", "a.toml"}, {"text", a}}, {{"label", "b.toml"}, {"text", b}}}}};
    auto r = c.Post("/api/compare", req.dump(), "application/json");
    ASSERT_EQ(r->status, 200) << r->body;
    const json j = body(r);
    ASSERT_EQ(j["scenarios"].size(), 2u);
    EXPECT_EQ(j["scenarios"][0]["label"], "a.toml");
    EXPECT_EQ(j["scenarios"][1]["edits"], 3);
    expect_same(j["scenarios"][0], evaluate_saved(a, "compare_a"), sc);
    expect_same(j["scenarios"][1], evaluate_saved(b, "compare_b"), sc);
    const std::uint32_t kg = monaco().cat("kindergarten");
    EXPECT_GT(j["scenarios"][0]["city"]["categories"][kg]["gained"].get<double>(), 0);
    EXPECT_NE(j["scenarios"][0]["city"]["categories"].dump(),
              j["scenarios"][1]["city"]["categories"].dump());

    // Bad uploads: one file, no text, a sites file, a broken file, an unknown facility.
    const std::vector<std::pair<json, int>> bad{
        {{{"scenarios", {{{"text", a}}}}}, 400},
        {{{"scenarios", {{{"text", a}}, {{"label", "x"}}}}}, 400},
        {{{"scenarios", {{{"text", a}}, {{"text", a}, {"path", "/etc/passwd"}}}}}, 400},
        {{{"scenarios",
           {{{"text", a}},
            {{"text", scenario_file("S", {"type = \"add_facility\"\ncategory = "
                                          "\"kindergarten\"\nsites = \"/etc/passwd\"\n"})}}}}},
         422},
        {{{"scenarios", {{{"text", a}}, {{"label", "broken.toml"}, {"text", "name = ["}}}}}, 400},
        {{{"scenarios",
           {{{"text", a}},
            {{"label", "c.toml"},
             {"text", scenario_file("C", {"type = \"close_facility\"\nid = \"nowhere\"\n"})}}}}},
         422},
    };
    for (const auto& [x, status] : bad) {
        auto e = c.Post("/api/compare", x.dump(), "application/json");
        ASSERT_TRUE(e);
        EXPECT_EQ(e->status, status) << x.dump().substr(0, 200) << "\n" << e->body;
        EXPECT_TRUE(body(e).contains("error"));
    }
    auto broken = c.Post(
        "/api/compare",
        json{{"scenarios", {{{"text", a}}, {{"label", "broken.toml"}, {"text", "name = ["}}}}}
            .dump(),
        "application/json");
    EXPECT_NE(broken->body.find("broken.toml:1"), std::string::npos) << broken->body;
    EXPECT_EQ(c.Get(("/api/sessions/" + s).c_str())->body, before);
}

// stdout of a shell command (pdftotext, pdffonts, …).
std::string run_out(const std::string& cmd) { return test::run_shell(cmd).output; }

// The printable map of a session's state: PDF with the title, the what-if note and the
// community names (those the same map of the base city labels); PNG that decodes, differs
// from the base state's and from another view's; bad requests 4xx, the session unchanged.
TEST(Server, ExportsTheSessionAsThePrintableMap) {
    Served srv;
    auto c = srv.client();
    const auto& sc = monaco().sc;
    const std::uint32_t kg = monaco().cat("kindergarten");
    const LonLat p = monaco().uncovered_home(kg);
    const std::string s = new_session(c), s0 = new_session(c);
    const std::string path = "/api/sessions/" + s + "/export";
    ASSERT_EQ(post_edit(c, s,
                        {{"type", "add_facility"},
                         {"category", "kindergarten"},
                         {"name", "新幼儿园"},
                         {"lon", p.lon},
                         {"lat", p.lat}})
                  ->status,
              200);
    const std::string state = c.Get(("/api/sessions/" + s).c_str())->body;

    auto pdf = c.Post(path.c_str(), json{{"format", "pdf"}, {"category", "kindergarten"}}.dump(),
                      "application/json");
    ASSERT_EQ(pdf->status, 200) << pdf->body.substr(0, 300);
    EXPECT_EQ(pdf->get_header_value("Content-Type"), "application/pdf");
    EXPECT_NE(pdf->get_header_value("Content-Disposition").find("attachment"), std::string::npos);
    const fs::path dir = test::fresh_dir("serve_export");
    fs::create_directories(dir);
    std::ofstream(dir / "map.pdf", std::ios::binary) << pdf->body;
    const std::string text =
        run_out("pdftotext " + (dir / "map.pdf").string() + " - | tr -d '\\n '");
    auto squeezed = [](const std::string& x) {
        std::string o;
        for (char ch : x)
            if (ch != ' ' && ch != '\n') o += ch;
        return o;
    };
    const std::string title = monaco().city.config.name + " · " + sc.rules[kg].name_zh + "：";
    for (const std::string& x : {title, std::string("方案：1 项修改")})
        EXPECT_NE(text.find(squeezed(x)), std::string::npos) << x << "\n" << text;
    maps::MapInputs base{&monaco().city, &monaco().ev->base_model(), nullptr, nullptr};
    const CoverageReport base_report = monaco().ev->base_model().report(sc.community_names.size());
    base.report = &base_report;
    const maps::MapResult expected =
        maps::render_map(base, {maps::MapKind::kCategory, kg}, {}, maps::Format::kSvg);
    ASSERT_FALSE(expected.labelled.empty());
    for (const std::string& name : expected.labelled)
        EXPECT_NE(text.find(squeezed(name)), std::string::npos) << name;

    // PNG: decodes at A3 / 150 dpi; the session's edit and the view change what it shows.
    auto png = [&](const std::string& session, const json& req) {
        auto r = c.Post(("/api/sessions/" + session + "/export").c_str(), req.dump(),
                        "application/json");
        EXPECT_EQ(r->status, 200) << r->body.substr(0, 300);
        EXPECT_EQ(r->get_header_value("Content-Type"), "image/png");
        return r->body;
    };
    const json whole{{"format", "png"}, {"category", "kindergarten"}};
    const std::string with_edit = png(s, whole), without = png(s0, whole);
    const maps::Pixels px = maps::decode_png(with_edit);
    EXPECT_EQ(px.width, 2481);  // 420 mm and 297 mm at 150 dpi, rounded up
    EXPECT_EQ(px.height, 1754);
    EXPECT_NE(with_edit, without);
    const json view{{"format", "png"},
                    {"category", "kindergarten"},
                    {"bounds", {p.lon - 0.004, p.lat - 0.003, p.lon + 0.004, p.lat + 0.003}}};
    const std::string viewed = png(s, view);
    EXPECT_NE(viewed, with_edit);
    std::ofstream(dir / "view.png", std::ios::binary) << viewed;  // to look at
    maps::decode_png(png(s, {{"format", "png"}}));                // the overview

    const std::vector<std::pair<json, int>> bad{
        {{{"format", "svg"}}, 400},
        {{{"format", "pdf"}, {"path", "/tmp/x.pdf"}}, 400},
        {{{"format", "pdf"}, {"category", "nowhere"}}, 422},
        {{{"format", "pdf"}, {"paper", "B5"}}, 400},
        {{{"format", "pdf"}, {"bounds", {1, 2, 3}}}, 400},
        {{{"format", "pdf"}, {"bounds", {p.lon + 1, p.lat, p.lon, p.lat + 1}}}, 400},
        {{{"format", "pdf"}, {"bounds", {100.0, 10.0, 101.0, 11.0}}}, 422},
    };
    for (const auto& [x, status] : bad) {
        auto r = c.Post(path.c_str(), x.dump(), "application/json");
        EXPECT_EQ(r->status, status) << x.dump() << "\n" << r->body;
        EXPECT_TRUE(body(r).contains("error"));
    }
    EXPECT_EQ(c.Post(path.c_str(), "{", "application/json")->status, 400);
    EXPECT_EQ(c.Post("/api/sessions/0123/export", "{}", "application/json")->status, 404);
    EXPECT_EQ(c.Get(("/api/sessions/" + s).c_str())->body, state);
}

// A session with a walker (or network, housing) edit prints what the background run measured:
// the legend's city figures are the session's new ones, the subtitle names the new walker;
// an export answered before the run has caught up is refused (409), never stale. Undoing the
// edit prints exactly what a session with only the facility edit prints.
TEST(Server, ExportsASessionWithAWalkerAndFootpathEditFromItsRebuiltState) {
    Served srv;
    auto c = srv.client();
    const auto& sc = monaco().sc;
    const std::uint32_t kg = monaco().cat("kindergarten");
    const LonLat p = monaco().uncovered_home(kg);
    const json add{{"type", "add_facility"},
                   {"category", "kindergarten"},
                   {"name", "新幼儿园"},
                   {"lon", p.lon},
                   {"lat", p.lat}};
    const std::string s = new_session(c), only = new_session(c);
    ASSERT_EQ(post_edit(c, s, add)->status, 200);
    ASSERT_EQ(post_edit(c, only, add)->status, 200);
    const json req{{"format", "pdf"}, {"category", "kindergarten"}};
    auto pdf_of = [&](const std::string& session) {
        return c.Post(("/api/sessions/" + session + "/export").c_str(), req.dump(),
                      "application/json");
    };
    auto first = pdf_of(s);
    ASSERT_EQ(first->status, 200) << first->body.substr(0, 300);
    const std::string facility_only = first->body;

    // A footpath between two homes' street points, and the elderly walker.
    const SnapResult a = sc.homes[sc.homes.size() / 3].snap, b = sc.homes[sc.homes.size() / 2].snap;
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(post_edit(c, s,
                        {{"type", "add_link"},
                         {"from", {a.on_edge.lon, a.on_edge.lat}},
                         {"to", {b.on_edge.lon, b.on_edge.lat}},
                         {"name", "footpath"}})
                  ->status,
              200);
    ASSERT_EQ(post_edit(c, s, {{"type", "profile"}, {"profile", "elderly"}})->status, 200);
    auto early = pdf_of(s);  // the run may or may not have finished
    const json st = settled(c, s);
    ASSERT_FALSE(st["rebuild"].contains("error")) << st["rebuild"].dump();
    const json& city_kg = st["city"]["categories"][kg];
    ASSERT_NE(city_kg["share_after"].get<double>(), city_kg["share_before"].get<double>());
    auto pdf = pdf_of(s);
    ASSERT_EQ(pdf->status, 200) << pdf->body.substr(0, 300);
    EXPECT_EQ(pdf->get_header_value("Content-Type"), "application/pdf");
    EXPECT_NE(pdf->body, facility_only);
    if (early->status == 200) {
        EXPECT_EQ(early->body, pdf->body) << "an export before the run ended drew other figures";
    } else {
        EXPECT_EQ(early->status, 409) << early->body;
        EXPECT_NE(body(early)["fix"].get<std::string>().find("rebuild.pending"), std::string::npos);
    }

    const fs::path dir = test::fresh_dir("serve_export_rebuilt");
    fs::create_directories(dir);
    std::ofstream(dir / "map.pdf", std::ios::binary) << pdf->body;
    const std::string text =
        run_out("pdftotext " + (dir / "map.pdf").string() + " - | tr -d '\\n '");
    char covered[64], share[32], old_share[32];
    std::snprintf(covered, sizeof covered, "全市覆盖%.0f/", city_kg["covered_after"].get<double>());
    std::snprintf(share, sizeof share, "%.1f%%", 100 * city_kg["share_after"].get<double>());
    std::snprintf(old_share, sizeof old_share, "（%.1f%%）",
                  100 * city_kg["share_before"].get<double>());
    EXPECT_NE(text.find(covered), std::string::npos) << covered << "\n" << text;
    EXPECT_NE(text.find(share), std::string::npos) << share << "\n" << text;
    EXPECT_EQ(text.find(old_share), std::string::npos) << old_share << "\n" << text;
    EXPECT_NE(text.find("步行者：老年人"), std::string::npos) << text;
    EXPECT_NE(text.find("方案：3项修改"), std::string::npos) << text;
    // The overview's city score is the session's.
    auto overview = c.Post(("/api/sessions/" + s + "/export").c_str(),
                           json{{"format", "pdf"}}.dump(), "application/json");
    ASSERT_EQ(overview->status, 200);
    std::ofstream(dir / "overview.pdf", std::ios::binary) << overview->body;
    char score[64];
    std::snprintf(score, sizeof score, "全市得分%.1f/100", st["city"]["score_after"].get<double>());
    EXPECT_NE(
        run_out("pdftotext " + (dir / "overview.pdf").string() + " - | tr -d '\\n '").find(score),
        std::string::npos)
        << score;
    // The PNG decodes and shows the rebuilt state too.
    auto png =
        c.Post(("/api/sessions/" + s + "/export").c_str(),
               json{{"format", "png"}, {"category", "kindergarten"}}.dump(), "application/json");
    ASSERT_EQ(png->status, 200);
    EXPECT_EQ(maps::decode_png(png->body).width, 2481);
    std::ofstream(dir / "map.png", std::ios::binary) << png->body;  // to look at

    // Undo both: the same map as the session with only the facility edit, byte for byte.
    for (int i = 0; i < 2; ++i)
        ASSERT_EQ(c.Post(("/api/sessions/" + s + "/undo").c_str())->status, 200);
    EXPECT_TRUE(settled(c, s)["rebuild"].is_null());
    auto back = pdf_of(s);
    ASSERT_EQ(back->status, 200);
    EXPECT_EQ(back->body, facility_only);
    EXPECT_EQ(pdf_of(only)->body, facility_only);
}

TEST(Server, ServesThePageAndLeafletFromTheBinary) {
    Served srv;
    auto c = srv.client();
    auto page = c.Get("/");
    ASSERT_EQ(page->status, 200);
    EXPECT_NE(page->body.find("<html"), std::string::npos);
    EXPECT_NE(page->get_header_value("Content-Security-Policy").find("default-src 'self'"),
              std::string::npos);
    for (const char* path : {"/leaflet/leaflet.js", "/leaflet/leaflet.css", "/app.js"}) {
        auto r = c.Get(path);
        ASSERT_TRUE(r) << path;
        EXPECT_EQ(r->status, 200) << path;
        EXPECT_GT(r->body.size(), 1000u) << path;
    }
    auto city = c.Get("/api/city");
    ASSERT_EQ(city->status, 200);
    const json j = json::parse(city->body);
    EXPECT_EQ(j["categories"].size(), monaco().sc.rules.size());
    EXPECT_EQ(j["communities"].size(), monaco().sc.community_names.size());
    EXPECT_EQ(j["homes"].size(), monaco().sc.homes.size());
    EXPECT_EQ(c.Get("/../etc/passwd")->status, 404);
    // A second server on the same port is refused, not given half of the requests.
    server::HttpServer second(*srv.planner, {"127.0.0.1", srv.port, "", 1 << 20});
    EXPECT_THROW(second.bind(), InputError);
}

}  // namespace
}  // namespace lc15
