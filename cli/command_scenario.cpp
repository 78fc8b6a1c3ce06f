// lc15 scenario — what-if edits to a city (new kindergarten, bus stop, footbridge, ...), each
// compared with the city as it is, and the scenarios ranked side by side (docs/SCENARIOS.md).
//
// The city is loaded once and its coverage computed once; facility-only scenarios are applied
// incrementally on that model, network/population/profile scenarios rebuild their own.
// Outputs (written together at the end, nothing on error):
//   DIR/<scenario file stem>/community_changes.csv  per community and category (UTF-8 BOM)
//   DIR/<scenario file stem>/changes.gpkg           layers communities, edits, edit_lines
//   DIR/<scenario file stem>/edits.txt              what each edit did
//   DIR/ranking.csv                                 the scenarios, best first
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <set>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "engine/error.hpp"
#include "io/city.hpp"
#include "io/files.hpp"
#include "io/vector_writer.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/scenario_report.hpp"

namespace lc15::cli {
namespace {

namespace fs = std::filesystem;
using scenarios::Edit;
using scenarios::EditType;
using scenarios::Scenario;
using scenarios::ScenarioCity;
using scenarios::ScenarioOutcome;

std::string num(double v, int decimals) { return io::fixed(v, decimals); }

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::equivalent(a, b, ec)) return true;
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

class ScenarioCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "scenario"; }
    const char* description() const override {
        return "What-if scenarios (new facilities, bus stops, links, closures, housing): changes "
               "per community, scenarios ranked";
    }
    void setup(CLI::App& app) override {
        app.add_option("-s,--scenario", scenario_files_,
                       "Scenario file (TOML); repeat to compare several")
            ->required();
        add_config_option(app, /*required=*/false)
            ->description(
                "City config (default: the scenarios' base). A scenario written for another "
                "config is evaluated against this one, with a warning");
        add_out_option(app)->description(
            "Output folder: one subfolder per scenario (named after its file) and ranking.csv; "
            "written only when every scenario succeeds");
        add_quiet_option(app, "table");
        add_threads_option(app);
        app.footer(
            "Example:\n  lc15 scenario --config configs/zhuhai_xiangzhou.toml \\\n"
            "    --scenario scenarios/examples/new_kindergarten.toml \\\n"
            "    --scenario scenarios/examples/bus_stop_gap.toml --out out/scenarios");
    }

    int run() override {
        const auto limit = limit_threads();
        TerminalProgress progress(quiet);
        const auto start = std::chrono::steady_clock::now();

        // 1. Every scenario parses and names an existing base before anything is loaded.
        std::vector<Scenario> files;
        std::vector<std::string> folders;
        std::set<std::string> seen;
        for (const std::string& file : scenario_files_) {
            Scenario s = scenarios::load_scenario(file);
            if (!fs::exists(s.base)) {
                throw InputError(file, "its base config " + s.base.string() + " does not exist",
                                 "base is relative to the scenario file; fix base = \"...\"");
            }
            std::string folder = fs::path(file).stem().string();
            if (!seen.insert(folder).second) {
                throw InputError(file,
                                 "another scenario file is also named '" + folder +
                                     "'; both would write to " +
                                     (fs::path(out_dir) / folder).string(),
                                 "rename one of the files");
            }
            folders.push_back(folder);
            files.push_back(std::move(s));
        }
        fs::path config_path = config_file;
        if (config_path.empty()) {
            config_path = files.front().base;
            for (const Scenario& s : files) {
                if (!same_file(s.base, config_path)) {
                    throw InputError(s.path.string(),
                                     "its base " + s.base.string() + " differs from " +
                                         config_path.string() + " (base of " +
                                         files.front().path.string() + ")",
                                     "give the city with --config to evaluate them all on it");
                }
            }
        } else {
            io::require_readable(config_path, "city config (--config)");
            for (const Scenario& s : files) {
                if (!same_file(s.base, config_path)) {
                    std::cerr << "lc15 scenario: warning: " << s.path.string()
                              << " was written for " << s.base.string() << "; evaluating it on "
                              << config_path.string() << " (--config)\n";
                }
            }
        }
        std::error_code ec;
        if (fs::exists(out_dir, ec) && !fs::is_directory(out_dir, ec)) {
            throw InputError(out_dir, "output path exists and is not a folder",
                             "give a folder name for --out");
        }

        // 2. The city, once; the base coverage, once.
        const io::CityConfig config = io::load_city_config(config_path);
        const io::City city = io::load_city(config, {}, &progress);
        const ScenarioCity sc = scenarios::make_scenario_city(city);
        std::unique_ptr<scenarios::ScenarioEvaluator> ev;
        {
            ProgressStep step(&progress, "base coverage", 0);
            ev = std::make_unique<scenarios::ScenarioEvaluator>(sc);
        }

        // 3. Each scenario against the base.
        std::vector<ScenarioOutcome> outcomes;
        std::map<std::string, std::string> folder_of;
        std::vector<double> seconds;
        for (std::size_t i = 0; i < files.size(); ++i) {
            ProgressStep step(&progress, "scenario " + folders[i], 0);
            const auto t0 = std::chrono::steady_clock::now();
            outcomes.push_back(ev->evaluate(files[i]));
            seconds.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            outcomes.back().name = files[i].name;
        }

        // 4. Outputs, all together.
        io::OutputDir out(out_dir);
        for (std::size_t i = 0; i < files.size(); ++i) {
            write_scenario(out, folders[i], files[i], outcomes[i], city, sc);
        }
        write_ranking(out, files, folders, outcomes, sc);
        out.commit();

        if (!quiet) {
            const double total =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            print_table(files, folders, outcomes, seconds, sc, total);
        }
        return kExitOk;
    }

  private:
    static void write_scenario(io::OutputDir& out, const std::string& folder, const Scenario& s,
                               const ScenarioOutcome& o, const io::City& city,
                               const ScenarioCity& sc) {
        const auto& rules = sc.rules;
        // community_changes.csv: one row per community and category, then the city's.
        io::write_csv_bom(out.stage(folder + "/community_changes.csv"),
                          scenarios::community_changes_header(),
                          scenarios::community_changes_rows(o, rules));

        // changes.gpkg: communities with score and per-category gained/lost; the edits.
        io::Layer communities{"communities", io::Layer::MultiPolygon, {}, {}};
        communities.fields = {{"community_id", io::Field::String},
                              {"name", io::Field::String},
                              {"score_before", io::Field::Real},
                              {"score_after", io::Field::Real},
                              {"score_delta", io::Field::Real}};
        for (const auto& r : rules) {
            communities.fields.push_back({r.id + "_gained", io::Field::Real});
            communities.fields.push_back({r.id + "_lost", io::Field::Real});
        }
        for (std::size_t c = 0; c < o.communities.size(); ++c) {
            const auto& cc = o.communities[c];
            io::Row r;
            r.area = city.communities[c].area;
            r.values = {city.communities[c].id, cc.name, cc.score_before, cc.score_after,
                        cc.score_after - cc.score_before};
            for (const auto& k : cc.by_category) {
                r.values.emplace_back(k.gained);
                r.values.emplace_back(k.lost);
            }
            communities.rows.push_back(std::move(r));
        }
        auto [points, lines] = scenarios::edit_layers(s, sc);
        io::write_gpkg(out.stage(folder + "/changes.gpkg"), {&communities, &points, &lines});

        std::string log = "# " + o.name + "\n# " + s.path.string() + "\n";
        if (!o.description.empty()) log += "# " + o.description + "\n";
        for (const std::string& l : o.log) log += l + "\n";
        io::write_file_atomic(out.stage(folder + "/edits.txt"), log);
    }

    static void write_ranking(io::OutputDir& out, const std::vector<Scenario>& files,
                              const std::vector<std::string>& folders,
                              const std::vector<ScenarioOutcome>& outcomes,
                              const ScenarioCity& sc) {
        std::vector<std::string> header{"rank",         "scenario",          "folder",
                                        "file",         "city_score_before", "city_score_after",
                                        "score_change", "rebuilt",           "homes_changed"};
        for (const auto& r : sc.rules) {
            header.push_back(r.id + "_gained");
            header.push_back(r.id + "_lost");
        }
        std::vector<std::vector<io::Value>> rows;
        std::int64_t rank = 0;
        for (std::size_t i : scenarios::ranking_order(outcomes)) {
            const ScenarioOutcome& o = outcomes[i];
            std::vector<io::Value> r{++rank,
                                     o.name,
                                     folders[i],
                                     files[i].path.string(),
                                     num(o.city_score_before, 3),
                                     num(o.city_score_after, 3),
                                     num(o.city_score_after - o.city_score_before, 3),
                                     std::string(o.rebuilt ? "yes" : "no"),
                                     static_cast<std::int64_t>(o.homes_changed)};
            for (const auto& c : o.city) {
                r.emplace_back(num(c.gained, 1));
                r.emplace_back(num(c.lost, 1));
            }
            rows.push_back(std::move(r));
        }
        io::write_csv_bom(out.stage("ranking.csv"), header, rows);
    }

    void print_table(const std::vector<Scenario>& files, const std::vector<std::string>& folders,
                     const std::vector<ScenarioOutcome>& outcomes,
                     const std::vector<double>& seconds, const ScenarioCity& sc, double total) {
        std::printf("%-4s %-24s %8s %8s %7s %-8s %s\n", "rank", "scenario (folder)", "score",
                    "after", "change", "model", "largest changes (residents newly covered / lost)");
        std::size_t rank = 0;
        for (std::size_t i : scenarios::ranking_order(outcomes)) {
            const ScenarioOutcome& o = outcomes[i];
            std::vector<std::pair<double, std::uint32_t>> moved;
            for (std::uint32_t k = 0; k < o.city.size(); ++k) {
                const double m = o.city[k].gained + o.city[k].lost;
                if (m > 0) moved.emplace_back(-m, k);
            }
            std::sort(moved.begin(), moved.end());
            std::string changes;
            for (std::size_t j = 0; j < std::min<std::size_t>(3, moved.size()); ++j) {
                const auto k = moved[j].second;
                char buf[160];
                std::snprintf(buf, sizeof buf, "%s%s +%.0f/-%.0f", changes.empty() ? "" : ", ",
                              sc.rules[k].id.c_str(), o.city[k].gained, o.city[k].lost);
                changes += buf;
            }
            if (changes.empty()) changes = "no change";
            std::printf("%-4zu %-24s %8.2f %8.2f %+7.2f %-8s %s\n", ++rank, folders[i].c_str(),
                        o.city_score_before, o.city_score_after,
                        o.city_score_after - o.city_score_before, o.rebuilt ? "rebuilt" : "incr.",
                        changes.c_str());
            std::printf("     %s — edits: %zu, home results changed: %zu, %.3f s\n", o.name.c_str(),
                        files[i].edits.size(), o.homes_changed, seconds[i]);
        }
        std::printf(
            "%.2f s in all; outputs in %s (ranking.csv, <scenario>/community_changes.csv, "
            "changes.gpkg)\n",
            total, out_dir.c_str());
    }

    std::vector<std::string> scenario_files_;
};

}  // namespace

std::unique_ptr<Command> make_scenario_command() { return std::make_unique<ScenarioCommand>(); }

}  // namespace lc15::cli
