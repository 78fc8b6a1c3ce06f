// lc15 deadends — which dead end to open first (the plan's "打通断头路"): every dead end that a
// straight footpath of at most --max-link-m could join to another street without crossing a
// building, water or a railway, each link scored by the residents who would gain coverage per
// category, ranked (scenarios/deadends.hpp, docs/METHOD.md "Opening dead ends").
//
// Outputs (written together at the end, nothing on error):
//   DIR/deadends.csv       the candidate links, best first, with their gains per category
//   DIR/deadends.gpkg      layers links (lines, the same fields) and dead_ends (every dead end
//                          with its status: candidate, no street within reach, behind a
//                          barrier, no shortcut)
//   DIR/deadends_top.toml  the top --top links as a scenario of add_link edits, for
//                          `lc15 scenario --scenario DIR/deadends_top.toml`
//   DIR/top_links.csv      those links evaluated together (the scenario machinery), per
//                          category for the city: the figures `lc15 scenario` gives
#include <oneapi/tbb/parallel_for.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "cli/text.hpp"
#include "engine/error.hpp"
#include "engine/network_metrics.hpp"
#include "io/city.hpp"
#include "io/files.hpp"
#include "io/network_figures.hpp"
#include "io/vector_writer.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/deadends.hpp"

namespace lc15::cli {
namespace {

namespace fs = std::filesystem;
using scenarios::LinkCandidate;
using scenarios::LinkGain;
using scenarios::LinkRefusal;

std::string num(double v, int decimals) { return io::fixed(v, decimals); }

class DeadendsCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "deadends"; }
    const char* description() const override {
        return "Dead ends worth opening: footpaths to the next street ranked by the residents "
               "who gain coverage (CSV, GeoPackage, scenario TOML)";
    }
    void setup(CLI::App& app) override {
        add_city_options(app);
        app.add_option("--max-link-m", max_link_m_,
                       "Longest straight footpath from a dead end to another street (m)")
            ->check(number_check("--max-link-m",
                                 {"a footpath length in metres", 0, 1e308, true, false, "150"}))
            ->default_val(150);
        app.add_option("--top", top_, "Links written to deadends_top.toml and evaluated together")
            ->check(number_check("--top", {"a number of links", 0, 2147483647, false, true, "10"}))
            ->default_val(10);
        add_threads_option(app);
        app.footer(
            "Example:\n  lc15 deadends --config configs/monaco.toml --out out/deadends\n"
            "  lc15 scenario --scenario out/deadends/deadends_top.toml --out out/top");
    }

    int run() override {
        const auto limit = limit_threads();
        TerminalProgress progress(quiet);
        const auto start = std::chrono::steady_clock::now();
        const io::CityConfig config = io::load_city_config(config_file);
        io::OutputDir out(out_dir);
        const io::City city = io::load_city(config, profile, &progress);
        const scenarios::ScenarioCity sc = scenarios::make_scenario_city(city);
        std::unique_ptr<scenarios::ScenarioEvaluator> ev;
        {
            ProgressStep step(&progress, "coverage", 0);
            ev = std::make_unique<scenarios::ScenarioEvaluator>(sc);
        }
        const WalkGraph& g = city.osm.graph;

        const auto t0 = std::chrono::steady_clock::now();
        const io::NetworkFigures nf = io::network_inputs(city);
        const std::vector<VertexId> ends = dead_end_vertices(nf.inputs(g));
        scenarios::LinkOptions opt;
        opt.max_link_m = max_link_m_;
        opt.max_snap_m = config.max_snap_m;
        opt.forbidden_flags = city.forbidden_flags;
        const std::vector<LinkCandidate> cands = scenarios::find_link_candidates(
            g, *city.snapper, ends, scenarios::link_barriers(city), opt);
        const scenarios::LinkScorer scorer(ev->base_model());
        std::vector<LinkGain> gains(cands.size());
        std::vector<scenarios::LinkReach> reaches(cands.size());
        tbb::parallel_for(std::size_t{0}, cands.size(), [&](std::size_t i) {
            if (cands[i].refusal == LinkRefusal::kNone) {
                gains[i] = scorer.score(cands[i].from_snap, cands[i].to_snap, &reaches[i]);
            } else {
                gains[i].gained.assign(sc.rules.size(), 0.0);
                reaches[i].assign(sc.rules.size(), {});
            }
        });
        const scenarios::GreedyRanking ranking =
            scenarios::rank_links_greedy(scorer, cands, gains, reaches);
        const std::vector<std::size_t>& order = ranking.order;
        const std::vector<LinkGain>& added = ranking.added;
        const double rank_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

        // The top links together, as `lc15 scenario` evaluates them.
        const fs::path out_abs = fs::weakly_canonical(fs::absolute(out_dir));
        const fs::path cfg_abs = fs::weakly_canonical(fs::absolute(config_file));
        scenarios::Scenario top = scenarios::links_scenario(
            cands, added, order, static_cast<std::size_t>(top_), cfg_abs, g);
        top.path = out_abs / "deadends_top.toml";
        std::optional<scenarios::ScenarioOutcome> together;
        if (!top.edits.empty()) together = ev->evaluate(top);

        write_outputs(out, city, sc, cands, gains, added, order, top, together,
                      cfg_abs.lexically_relative(out_abs).generic_string());
        out.commit();
        const double total =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!quiet) print_summary(city, cands, gains, added, order, together, rank_s, total);
        return kExitOk;
    }

  private:
    void write_outputs(io::OutputDir& out, const io::City& city, const scenarios::ScenarioCity& sc,
                       const std::vector<LinkCandidate>& cands, const std::vector<LinkGain>& gains,
                       const std::vector<LinkGain>& added, const std::vector<std::size_t>& order,
                       const scenarios::Scenario& top,
                       const std::optional<scenarios::ScenarioOutcome>& together,
                       const std::string& base) const {
        const WalkGraph& g = city.osm.graph;
        const auto& rules = sc.rules;
        io::Layer links{"links", io::Layer::LineString, {}, {}};
        links.fields = {{"rank", io::Field::Int},
                        {"dead_end", io::Field::String},
                        {"from_lon", io::Field::Real},
                        {"from_lat", io::Field::Real},
                        {"to_lon", io::Field::Real},
                        {"to_lat", io::Field::Real},
                        {"to_way", io::Field::String},
                        {"link_m", io::Field::Real},
                        {"walk_before_m", io::Field::Real},
                        {"added_score_gain", io::Field::Real},
                        {"added_residents", io::Field::Real},
                        {"score_gain", io::Field::Real},
                        {"residents_gained", io::Field::Real}};
        for (const auto& r : rules) links.fields.push_back({r.id + "_gained", io::Field::Real});
        std::vector<std::int64_t> rank_of(cands.size(), 0);
        std::int64_t rank = 0;
        for (std::size_t i : order) {
            const LinkCandidate& c = cands[i];
            if (c.refusal != LinkRefusal::kNone) continue;
            rank_of[i] = ++rank;
            io::Row row;
            row.line = {c.from, c.to};
            row.values = {rank,
                          "n" + std::to_string(g.vertex_key(c.dead_end)),
                          c.from.lon,
                          c.from.lat,
                          c.to.lon,
                          c.to.lat,
                          "w" + std::to_string(g.edge_source_id(c.to_edge)),
                          std::round(c.length_m * 10) / 10,
                          c.walk_before_m < 0 ? io::Value{}
                                              : io::Value{std::round(c.walk_before_m * 10) / 10},
                          std::round(added[i].score_gain * 1e4) / 1e4,
                          std::round(added[i].residents * 10) / 10,
                          std::round(gains[i].score_gain * 1e4) / 1e4,
                          std::round(gains[i].residents * 10) / 10};
            for (double x : gains[i].gained) row.values.emplace_back(std::round(x * 10) / 10);
            links.rows.push_back(std::move(row));
        }
        io::Layer dead{"dead_ends", io::Layer::Point, {}, {}};
        dead.fields = {{"dead_end", io::Field::String},
                       {"status", io::Field::String},
                       {"blocked_by", io::Field::String},
                       {"rank", io::Field::Int}};
        for (std::size_t i = 0; i < cands.size(); ++i) {
            const LinkCandidate& c = cands[i];
            io::Row row;
            row.point = c.from;
            row.values = {"n" + std::to_string(g.vertex_key(c.dead_end)),
                          std::string(scenarios::refusal_name(c.refusal)),
                          c.blocked_by.empty() ? io::Value{} : io::Value{c.blocked_by},
                          rank_of[i] ? io::Value{rank_of[i]} : io::Value{}};
            dead.rows.push_back(std::move(row));
        }
        io::write_gpkg(out.stage("deadends.gpkg"), {&links, &dead});
        io::Layer table = links;
        table.geometry = io::Layer::None;
        for (auto& r : table.rows) r.line.clear();
        io::write_csv_bom(out.stage("deadends.csv"), table);
        io::write_file_atomic(out.stage("deadends_top.toml"), scenarios::scenario_toml(top, base));

        // top_links.csv: the city rows of `lc15 scenario`'s community_changes.csv.
        std::vector<std::vector<io::Value>> rows;
        if (together) {
            for (std::uint32_t k = 0; k < rules.size(); ++k) {
                const auto& c = together->city[k];
                rows.push_back({rules[k].id, rules[k].name_zh, num(c.covered_before, 1),
                                num(c.covered_after, 1), num(c.gained, 1), num(c.lost, 1),
                                num(c.share_before, 4), num(c.share_after, 4)});
            }
        }
        io::write_csv_bom(out.stage("top_links.csv"),
                          {"category", "category_zh", "covered_before", "covered_after", "gained",
                           "lost", "share_before", "share_after"},
                          rows);
    }

    void print_summary(const io::City& city, const std::vector<LinkCandidate>& cands,
                       const std::vector<LinkGain>& gains, const std::vector<LinkGain>& added,
                       const std::vector<std::size_t>& order,
                       const std::optional<scenarios::ScenarioOutcome>& together, double rank_s,
                       double total_s) const {
        const WalkGraph& g = city.osm.graph;
        std::size_t n[5] = {0, 0, 0, 0, 0};
        for (const auto& c : cands) ++n[static_cast<int>(c.refusal)];
        std::printf(
            "%s — %zu dead ends: %zu can be joined within %.0f m (%zu of them facing another), "
            "%zu behind a building, water, railway or street, %zu already a short walk from every "
            "street in reach, %zu with no street in reach; ranked in %.3f s\n",
            city.config.name.c_str(), cands.size(), n[0] + n[4], max_link_m_, n[4], n[2], n[3],
            n[1], rank_s);
        std::printf("%4s  %-14s %-14s %7s %10s %11s %10s\n", "rank", "dead end", "to way", "link m",
                    "added res.", "added score", "alone res.");
        int shown = 0;
        for (std::size_t i : order) {
            if (cands[i].refusal != LinkRefusal::kNone || shown >= 10) break;
            ++shown;
            std::printf("%4d  %-14s %-14s %7.1f %10.0f %11.4f %10.0f\n", shown,
                        ("n" + std::to_string(g.vertex_key(cands[i].dead_end))).c_str(),
                        ("w" + std::to_string(g.edge_source_id(cands[i].to_edge))).c_str(),
                        cands[i].length_m, added[i].residents, added[i].score_gain,
                        gains[i].residents);
        }
        if (together) {
            std::printf("top %zu together: city score %.2f -> %.2f\n", together->log.size(),
                        together->city_score_before, together->city_score_after);
        }
        std::printf(
            "%.2f s in all; outputs in %s: deadends.csv deadends.gpkg deadends_top.toml "
            "top_links.csv\n",
            total_s, out_dir.c_str());
    }

    double max_link_m_ = 150;
    int top_ = 10;
};

}  // namespace

std::unique_ptr<Command> make_deadends_command() { return std::make_unique<DeadendsCommand>(); }

}  // namespace lc15::cli
