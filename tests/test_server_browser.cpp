// Browser tests of `lc15 serve` on the demo district (珠海 香洲): start the lc15 binary on a
// free port and run a script of tests/browser (headless Debian Chromium through
// playwright-core): serve_whatif.mjs picks kindergarten, clicks a point and checks that the
// side table shows the residents newly covered that the API answered; serve_drag.mjs drags
// the added facility and checks the drag is one move_added edit. Both check there is no
// console error and no request leaving 127.0.0.1. Needs node, /usr/bin/chromium and
// tests/browser/node_modules (scripts/setup installs them); fails, not skips, without them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "io/city.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario.hpp"
#include "support/cli_run.hpp"

namespace fs = std::filesystem;

namespace lc15 {
namespace {

const fs::path kRoot = LC15_SOURCE_DIR;
const fs::path kConfig = kRoot / "configs" / "zhuhai_xiangzhou.toml";

// A home of a community, on a street (short access leg), not yet within a kindergarten's reach:
// a kindergarten at its street point covers it. The most populous such home.
LonLat uncovered_community_home(const std::string& category) {
    const io::City city = io::load_city(io::load_city_config(kConfig));
    const scenarios::ScenarioCity sc = scenarios::make_scenario_city(city);
    scenarios::ScenarioEvaluator ev(sc);
    std::uint32_t k = 0;
    while (k < sc.rules.size() && sc.rules[k].id != category) ++k;
    EXPECT_LT(k, sc.rules.size());
    const CoverageModel& m = ev.base_model();
    HomeId best = kInvalidId;
    for (HomeId h = 0; h < sc.homes.size(); ++h) {
        const Home& x = sc.homes[h];
        if (x.community >= sc.community_names.size() || !x.snap.ok() || x.snap.access > 5000 ||
            m.covered(k, h))
            continue;
        if (best == kInvalidId || x.population > sc.homes[best].population) best = h;
    }
    EXPECT_NE(best, kInvalidId);
    return sc.homes.at(best).snap.on_edge;
}

// Starts `lc15 serve` on the demo district on a free port, runs tests/browser/SCRIPT with
// the page's URL, kindergarten and the point, and a screenshot path in `dir`; the script's
// output (one JSON line) and exit status. Stops the server and checks it stopped cleanly.
struct PageRun {
    std::string output;
    int rc = -1;
};
PageRun run_page_script(const std::string& script, const LonLat& p, const fs::path& dir,
                        const std::string& png) {
    const fs::path browser = kRoot / "tests" / "browser";
    PageRun run;
    EXPECT_TRUE(fs::exists(browser / "node_modules" / "playwright-core"))
        << "run scripts/setup (npm ci in tests/browser)";
    EXPECT_TRUE(fs::exists("/usr/bin/chromium")) << "run scripts/setup (Debian's chromium)";
    fs::create_directories(dir);
    const fs::path port_file = dir / "port";
    const pid_t pid = fork();
    EXPECT_GE(pid, 0);
    if (pid < 0) return run;
    if (pid == 0) {
        const std::string cfg = kConfig.string(), pf = port_file.string();
        execl(LC15_EXE, LC15_EXE, "serve", "-q", "--config", cfg.c_str(), "--port", "0",
              "--port-file", pf.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    std::string port;
    for (int i = 0; i < 600 && port.empty(); ++i) {
        port = test::slurp(port_file);
        while (!port.empty() && (port.back() == '\n')) port.pop_back();
        if (port.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        int status = 0;
        if (port.empty() && waitpid(pid, &status, WNOHANG) == pid) break;
    }
    if (!port.empty()) {
        char lon[32], lat[32];
        std::snprintf(lon, sizeof lon, "%.7f", p.lon);
        std::snprintf(lat, sizeof lat, "%.7f", p.lat);
        const std::string cmd = "cd '" + browser.string() + "' && node " + script + " " +
                                "http://127.0.0.1:" + port + "/ kindergarten " + lon + " " + lat +
                                " '" + (dir / png).string() + "' 2>&1";
        FILE* f = popen(cmd.c_str(), "r");
        if (f) {
            char buf[4096];
            while (std::fgets(buf, sizeof buf, f)) run.output += buf;
            run.rc = pclose(f);
        }
    }
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT_FALSE(port.empty()) << "lc15 serve did not start";
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "lc15 serve did not stop cleanly on SIGTERM";
    return run;
}

// Runs SCRIPT at the most populous home no kindergarten covers; it must exit 0 and say ok.
void expect_kindergarten_script_passes(const char* script, const char* dir, const char* shot) {
    const LonLat p = uncovered_community_home("kindergarten");
    const PageRun r = run_page_script(script, p, test::fresh_dir(dir), shot);
    EXPECT_EQ(r.rc, 0) << r.output;
    EXPECT_NE(r.output.find("\"ok\":true"), std::string::npos) << r.output;
}

TEST(ServerBrowser, KindergartenClickShowsTheApiGainsInTheSideTable) {
    expect_kindergarten_script_passes("serve_whatif.mjs", "serve_browser", "page.png");
}

// tests/browser/serve_drag.mjs: a kindergarten added by a click and dragged with the mouse is
// exactly two edits (add_facility, move_added), the side table shows the session's gains as
// the API reports them, and undo puts the marker back.
TEST(ServerBrowser, DraggingAnAddedFacilityIsOneMoveEdit) {
    expect_kindergarten_script_passes("serve_drag.mjs", "serve_browser_drag", "drag.png");
}

}  // namespace
}  // namespace lc15
