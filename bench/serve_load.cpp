// Load run of `lc15 serve` on loopback (docs/SERVER.md, docs/BENCHMARKS.md): the server runs
// in-process on a free port over the Monaco extract (configs/monaco.toml, or argv[1]); 8
// clients (argv[2]) each open a session and send 200 edits (argv[3]) one after the other over
// a keep-alive connection: 70 % add_facility of a random category at a random home, 10 %
// add_stop, 10 % close_facility of a random base facility, 10 % undo (seeded: the same edits
// every run). Prints the round-trip latency (request to parsed answer, incl. JSON) p50 / p90 /
// p99 / max per edit kind and overall, session start-up time and the resident memory each
// session added. Bounded: stops after the edits, or after 300 s whatever happened.
//
//   build-bench/bench/lc15_serve_load [CONFIG] [CLIENTS] [EDITS]
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "io/city.hpp"
#include "scenarios/city_adapter.hpp"
#include "server/http_server.hpp"
#include "server/planner.hpp"

// After Eigen (engine/capacity.hpp, through the planner): httplib.h brings <resolv.h>, whose
// `_res` macro would rename parameters in Eigen's headers.
#include <httplib.h>

using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

double rss_mb() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return static_cast<double>(resident) * sysconf(_SC_PAGESIZE) / (1 << 20);
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const std::size_t i =
        std::min(v.size() - 1, static_cast<std::size_t>(q * (v.size() - 1) + 0.5));
    return v[i];
}

}  // namespace

int main(int argc, char** argv) {
    const std::string config = argc > 1 ? argv[1] : LC15_SOURCE_DIR "/configs/monaco.toml";
    const int clients = argc > 2 ? std::stoi(argv[2]) : 8;
    const int edits = argc > 3 ? std::stoi(argv[3]) : 200;
    const auto deadline = Clock::now() + std::chrono::seconds(300);

    const lc15::io::City city = lc15::io::load_city(lc15::io::load_city_config(config));
    const lc15::scenarios::ScenarioCity sc = lc15::scenarios::make_scenario_city(city);
    lc15::server::PlannerOptions po;
    po.max_sessions = static_cast<std::size_t>(clients) + 1;
    po.config_path = config;
    lc15::server::Planner planner(city, po);
    lc15::server::HttpServer http(planner, {"127.0.0.1", 0, "", 1 << 20});
    const int port = http.bind();
    std::thread server([&] { http.run(); });

    std::vector<std::uint32_t> cats;
    for (std::uint32_t k = 0; k < sc.rules.size(); ++k)
        if (k != sc.stop_category) cats.push_back(k);

    std::mutex mutex;
    std::map<std::string, std::vector<double>> ms;  // by edit kind
    std::vector<double> start_ms;
    std::map<int, int> statuses;
    std::atomic<bool> late{false};
    const double rss_before = rss_mb();
    std::vector<std::string> ids(clients);

    // Sessions first (to measure their memory), then the edits from every client at once.
    for (int c = 0; c < clients; ++c) {
        httplib::Client cl("127.0.0.1", port);
        const auto t0 = Clock::now();
        auto r = cl.Post("/api/sessions", "", "application/json");
        start_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!r || r->status != 201) {
            std::fprintf(stderr, "session start failed\n");
            return 2;
        }
        ids[c] = json::parse(r->body)["session"];
    }
    const double rss_sessions = rss_mb();

    const auto wall0 = Clock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < clients; ++c) {
        threads.emplace_back([&, c] {
            httplib::Client cl("127.0.0.1", port);
            cl.set_keep_alive(true);
            cl.set_tcp_nodelay(true);
            std::mt19937_64 rng(1000 + c);
            const std::string base = "/api/sessions/" + ids[c];
            std::map<std::string, std::vector<double>> mine;
            std::map<int, int> st;
            for (int i = 0; i < edits; ++i) {
                if (Clock::now() > deadline) {
                    late = true;
                    break;
                }
                const int roll = static_cast<int>(rng() % 10);
                std::string kind, path = base + "/edits";
                json e;
                if (roll < 7) {
                    const lc15::HomeId h = static_cast<lc15::HomeId>(rng() % sc.homes.size());
                    const std::uint32_t k = cats[rng() % cats.size()];
                    kind = "add_facility";
                    e = {{"type", kind},
                         {"category", sc.rules[k].id},
                         {"lon", sc.home_pos[h].lon},
                         {"lat", sc.home_pos[h].lat},
                         {"name", "load " + std::to_string(i)}};
                } else if (roll == 7) {
                    const lc15::HomeId h = static_cast<lc15::HomeId>(rng() % sc.homes.size());
                    kind = "add_stop";
                    e = {{"type", kind}, {"lon", sc.home_pos[h].lon}, {"lat", sc.home_pos[h].lat}};
                } else if (roll == 8) {
                    std::uint32_t k = cats[rng() % cats.size()];
                    for (int tries = 0; tries < 50 && sc.facilities[k].empty(); ++tries)
                        k = cats[rng() % cats.size()];
                    kind = "close_facility";
                    if (sc.facilities[k].empty()) continue;
                    e = {{"type", kind},
                         {"category", sc.rules[k].id},
                         {"id", sc.facilities[k][rng() % sc.facilities[k].size()].id}};
                } else {
                    kind = "undo";
                    path = base + "/undo";
                }
                const auto t0 = Clock::now();
                auto r = kind == "undo" ? cl.Post(path.c_str(), "", "application/json")
                                        : cl.Post(path.c_str(), e.dump(), "application/json");
                if (r && r->status == 200) (void)json::parse(r->body);
                const double dt =
                    std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
                ++st[r ? r->status : -1];
                if (r && r->status == 200) {
                    mine[kind].push_back(dt);
                    mine["all"].push_back(dt);
                }
            }
            std::lock_guard lock(mutex);
            for (auto& [k, v] : mine) ms[k].insert(ms[k].end(), v.begin(), v.end());
            for (auto& [k, v] : st) statuses[k] += v;
        });
    }
    for (auto& t : threads) t.join();
    const double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
    http.stop();
    server.join();

    std::printf("lc15 serve load run: %s, %d clients x %d edits, %.1f s wall%s\n", config.c_str(),
                clients, edits, wall, late ? " (stopped at the 300 s bound)" : "");
    std::printf("city: %zu homes, %zu categories, %zu communities; %u hardware threads\n",
                sc.homes.size(), sc.rules.size(), sc.community_names.size(),
                std::thread::hardware_concurrency());
    std::printf("answers:");
    for (const auto& [s, n] : statuses) std::printf(" %d x %d", n, s);
    std::printf("\n%-15s %7s %8s %8s %8s %8s\n", "kind", "n", "p50 ms", "p90 ms", "p99 ms",
                "max ms");
    for (const auto& [k, v] : ms) {
        std::printf("%-15s %7zu %8.2f %8.2f %8.2f %8.2f\n", k.c_str(), v.size(), quantile(v, 0.5),
                    quantile(v, 0.9), quantile(v, 0.99), quantile(v, 1.0));
    }
    std::printf("session start: p50 %.1f ms, max %.1f ms\n", quantile(start_ms, 0.5),
                quantile(start_ms, 1.0));
    std::printf(
        "memory: %.1f MB resident per session (measured: %.1f MB for %d), %.1f MB "
        "estimated by Planner::session_bytes\n",
        (rss_sessions - rss_before) / clients, rss_sessions - rss_before, clients,
        static_cast<double>(planner.session_bytes()) / (1 << 20));
    return 0;
}
