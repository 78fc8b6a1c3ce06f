// lc15 optimize — where should the next K facilities of a category go: the sites covering the
// most residents not yet within the category's radius (maximal covering location, lazy greedy;
// docs/SCENARIOS.md).
//
// Candidates are generated every 100 m along the streets near homes, or read from a point file
// (--candidates, any format io/vector_reader reads; --candidate-crs when it does not say).
// With --capacity C every site holds C places and the objective is the 2SFCA place gap closed
// (docs/METHOD.md): the columns say served / gap_share instead of covered / share, and the
// scenario.toml written beside the sites loads them with the same capacity, so that
// `lc15 scenario` reports the same total (place_gap_closed). Equal gains go to the site
// farthest from those already chosen. --exact also solves the integer programme with CBC
// (--time-limit, default 30 s) and reports its bound, gap and the greedy/exact ratio.
// Outputs (written together at the end, nothing on error):
//   DIR/sites.csv      rank,lon,lat,name,gain,covered,share — what a scenario's sites = loads
//   DIR/sites.geojson  the same, for web maps
//   DIR/curve.csv      k,gain,covered,share: the coverage curve for K = 1..N
//   DIR/scenario.toml  the scenario adding the sites (with capacity = C under --capacity)
//   DIR/exact_sites.csv, exact_sites.geojson, exact_curve.csv  (--exact) the exact sites
//   DIR/exact.csv      method,total,bound,gap,ratio,optimal,seconds: greedy beside exact
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "engine/capacity.hpp"
#include "engine/error.hpp"
#include "io/city.hpp"
#include "io/coverage_output.hpp"
#include "io/files.hpp"
#include "io/sites_file.hpp"
#include "io/vector_reader.hpp"
#include "io/vector_writer.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/siting.hpp"

namespace lc15::cli {
namespace {

namespace fs = std::filesystem;

std::string point_text(LonLat p) { return io::fixed(p.lon, 6) + ", " + io::fixed(p.lat, 6); }

class OptimizeCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "optimize"; }
    const char* description() const override {
        return "Choose where the next K facilities of a category cover the most residents "
               "(maximal covering, lazy greedy)";
    }
    void setup(CLI::App& app) override {
        add_config_option(app);
        app.add_option("--category", category_, "Category id, e.g. pocket_park, kindergarten")
            ->required();
        app.add_option("-k,--add", k_, "Number of sites to choose (K >= 1)")
            ->required()
            ->check(
                number_check("--add", {"a number of new sites", 0, 2147483647, true, true, "30"}));
        app.add_option("--candidates", candidates_,
                       "Point file of candidate sites (CSV lon/lat, GeoJSON, GPKG, SHP); default: "
                       "points every 100 m along streets within 100 m of homes");
        app.add_option("--candidate-crs", candidate_crs_,
                       "CRS of --candidates when the file does not say: WGS84, GCJ-02, BD-09, "
                       "EPSG:n");
        app.add_option("--max-candidates", max_candidates_,
                       "Ceiling on the candidate sites (default 100000): more is refused "
                       "before any work")
            ->check(number_check("--max-candidates",
                                 {"a number of candidate sites", 1, 1e8, false, true, "100000"}));
        app.add_option("--min-spacing", min_spacing_m_,
                       "No two sites (nor a site and an existing facility) closer than this, "
                       "metres straight-line (default 0: none)")
            ->check(number_check("--min-spacing",
                                 {"a spacing in metres", 0, 1e308, false, false, "200"}));
        app.add_option("--capacity", capacity_,
                       "Places of every new site (e.g. 270 for a 9-class kindergarten): maximise "
                       "the place gap closed (2SFCA) instead of residents covered; the category "
                       "needs a demand group in the rules")
            ->check(
                number_check("--capacity", {"a number of places", 0, 1e308, true, false, "270"}));
        app.add_flag("--exact", exact_,
                     "Also solve exactly (integer programme, CBC) and report the gap beside "
                     "the greedy answer");
        app.add_option("--time-limit", time_limit_s_,
                       "Seconds CBC may take with --exact (default 30); the gap says how far "
                       "from proven the answer is when the limit stops it")
            ->check(
                number_check("--time-limit", {"a number of seconds", 0, 1e308, true, false, "30"}));
        add_profile_option(app);
        add_out_option(app, /*required=*/false)
            ->description(
                "Output folder for sites.csv, sites.geojson, curve.csv (default: print only)");
        add_quiet_option(app, "table");
        add_threads_option(app);
        app.footer(
            "Example:\n  lc15 optimize --config configs/zhuhai_xiangzhou.toml --category "
            "pocket_park --add 30 \\\n    --out scenarios/examples/pocket_parks");
    }

    int run() override {
        const auto limit = limit_threads();
        TerminalProgress progress(quiet);
        const auto start = std::chrono::steady_clock::now();

        // 1. Arguments and files, before the city is loaded.
        // The numbers were checked as they were parsed (number_check in setup()).
        const io::CityConfig config = io::load_city_config(config_file);
        const std::uint32_t cat = config.rules.index_of(category_, "--category");
        const DemandRule& demand = config.rules.categories[cat].demand;
        if (capacity_ && !demand.enabled()) {
            throw InputError("--capacity",
                             "category '" + category_ +
                                 "' has no demand group in the rules, so places would change "
                                 "nothing",
                             "drop --capacity (maximal covering of residents), or give the "
                             "category a demand table (docs/METHOD.md)");
        }
        std::vector<io::Feature> file_candidates;
        if (!candidates_.empty()) {
            io::VectorSource src;
            src.path = candidates_;
            if (!candidate_crs_.empty()) {
                src.crs = io::Crs::parse(candidate_crs_, "--candidate-crs");
                src.crs_declared = true;
            }
            std::vector<std::string> warnings;
            file_candidates = io::read_features(src, &warnings);
            for (const auto& w : warnings) std::cerr << "lc15 optimize: warning: " << w << "\n";
            if (file_candidates.empty()) {
                throw InputError(candidates_, "no candidate points in the file",
                                 "give one point per row (lon, lat columns)");
            }
        } else if (!candidate_crs_.empty()) {
            throw InputError("--candidate-crs", "given without --candidates",
                             "add --candidates FILE, or drop --candidate-crs");
        }
        if (!out_dir.empty()) {
            std::error_code ec;
            if (fs::exists(out_dir, ec) && !fs::is_directory(out_dir, ec)) {
                throw InputError(out_dir, "output path exists and is not a folder",
                                 "give a folder name for --out");
            }
        }

        // 2. The city and the candidates.
        const io::City city = io::load_city(config, profile, &progress);
        scenarios::SitingInputs in = scenarios::make_siting_inputs(city, cat);
        const WalkGraph& g = city.osm.graph;
        std::vector<SnapResult> snaps;
        std::vector<LonLat> out_pos;  // written to sites.csv: re-snaps to the same place
        std::vector<std::string> names;
        std::string source;
        if (file_candidates.empty()) {
            CandidateOptions co;
            co.forbidden_flags = in.options.forbidden_flags;
            Candidates c;
            {
                ProgressStep step(&progress, "candidates", 0);
                c = generate_candidates(g, co, in.home_points, in.residential);
            }
            // Only inside the city's bounds: scenarios refuse points outside them.
            const auto b = scenarios::city_bbox(city);
            for (const SnapResult& s : c.snaps) {
                const LonLat p = s.on_edge;
                if (p.lon < b[0] || p.lon > b[2] || p.lat < b[1] || p.lat > b[3]) continue;
                snaps.push_back(s);
                out_pos.push_back(p);
            }
            names.assign(snaps.size(), {});
            source = "generated every " + io::fixed(co.spacing_m, 0) + " m along streets within " +
                     io::fixed(co.near_m, 0) + " m of homes, inside the city's bounds";
        } else {
            take_file_candidates(city, file_candidates, snaps, out_pos, names);
            source = "from " + candidates_;
        }
        // The ceiling on the work the candidates multiply (each one's coverage set, and every
        // greedy round), checked before any coverage set is built.
        if (static_cast<double>(snaps.size()) > max_candidates_) {
            throw InputError("--candidates",
                             std::to_string(snaps.size()) + " candidates (" + source +
                                 "), more than the ceiling of " +
                                 std::to_string(static_cast<long long>(max_candidates_)),
                             "give fewer candidate sites (thin the file, or keep those in the "
                             "area that matters), or raise the ceiling with --max-candidates " +
                                 std::to_string(snaps.size()) +
                                 " (memory grows with candidates x homes within the radius)");
        }
        if (static_cast<std::size_t>(k_) > snaps.size()) {
            throw InputError("--add",
                             "K = " + std::to_string(k_) + " but there are only " +
                                 std::to_string(snaps.size()) + " candidates (" + source + ")",
                             "ask for at most " + std::to_string(snaps.size()) +
                                 " sites, or give more candidates with --candidates");
        }

        // 3. Coverage sets, the place gap (capacitated), lazy greedy, and CBC (--exact).
        SitingOptions opt = in.options;
        opt.k = static_cast<std::uint32_t>(k_);
        opt.min_spacing_m = min_spacing_m_;
        if (capacity_) opt.capacity.assign(snaps.size(), *capacity_);
        opt.decay = config.places_decay;
        std::vector<LonLat> positions;
        for (const SnapResult& s : snaps) positions.push_back(s.on_edge);
        CoverageSets sets;
        {
            ProgressStep step(&progress, "coverage sets", 0);
            sets = build_coverage_sets(g, snaps, in.homes, in.existing, opt);
        }
        PlaceGap gap;
        if (capacity_) {
            ProgressStep step(&progress, "place gap", 0);
            CoverageModel model = io::make_coverage_model(city);
            model.compute();
            const auto places = io::city_places(city, model, config.places_decay);
            const auto nc = static_cast<std::uint32_t>(city.communities.size());
            for (const CommunityPlaces& c : places[cat].report.communities)
                gap.gap.push_back(c.gap);
            for (const io::HomeRecord& h : city.homes) {
                gap.demand.push_back(h.population * demand.share);
                gap.slot.push_back(h.community < nc ? h.community : nc);
            }
        }
        const PlaceGap* gap_ptr = capacity_ ? &gap : nullptr;
        SitingResult r;
        {
            ProgressStep step(&progress, "lazy greedy", 0);
            r = greedy_siting(sets, positions, opt, in.existing_pos, gap_ptr);
        }
        std::optional<ExactSiting> exact;
        if (exact_) {
            ProgressStep step(&progress, "exact (CBC)", 0);
            exact = ilp_siting(sets, positions, opt, in.existing_pos, gap_ptr, time_limit_s_);
        }

        // 4. Outputs.
        const auto& rule = config.rules.categories[cat].rule;
        const bool served = capacity_.has_value();
        auto rows_of = [&](const SitingResult& res) {
            std::vector<io::SiteRow> rows;
            for (std::size_t i = 0; i < res.steps.size(); ++i) {
                const SitingStep& s = res.steps[i];
                const std::string name = names[s.candidate].empty()
                                             ? category_ + " " + std::to_string(i + 1)
                                             : names[s.candidate];
                rows.push_back({static_cast<std::uint32_t>(i + 1), out_pos[s.candidate], name,
                                s.gain, s.covered, s.share});
            }
            return rows;
        };
        const std::vector<io::SiteRow> rows = rows_of(r);
        if (!out_dir.empty()) {
            io::OutputDir out(out_dir);
            write_sites(out, "", rows, served);
            if (exact) {
                write_sites(out, "exact_", rows_of(exact->result), served);
                const double ratio = exact->value > 0 ? r.covered() / exact->value : 1.0;
                io::write_csv_bom(
                    out.stage("exact.csv"),
                    {"method", "total", "bound", "gap", "ratio", "optimal", "seconds"},
                    {{std::string("greedy"), io::fixed(r.covered(), 1), io::fixed(exact->bound, 1),
                      io::fixed(exact->bound > 0 ? 1 - r.covered() / exact->bound : 0.0, 6),
                      io::fixed(ratio, 6), std::string(""), std::string("")},
                     {std::string("exact (CBC)"), io::fixed(exact->value, 1),
                      io::fixed(exact->bound, 1), io::fixed(exact->gap, 6), std::string("1"),
                      std::int64_t{exact->optimal}, io::fixed(exact->seconds, 2)}});
            }
            {
                std::ofstream f(out.stage("scenario.toml"), std::ios::binary);
                std::error_code ec;
                const fs::path abs_out = fs::absolute(out_dir);
                fs::path base = fs::relative(fs::absolute(config_file), abs_out, ec);
                if (ec || base.empty()) base = fs::absolute(config_file);
                f << "# Written by lc15 optimize: the " << rows.size() << " sites of sites.csv as "
                  << "a scenario (lc15 scenario --scenario this file); its total equals "
                  << "the optimiser's\n"
                  << "name = \"" << category_ << " x " << rows.size() << " (lc15 optimize)\"\n"
                  << "base = \"" << base.generic_string() << "\"\n\n[[edit]]\n"
                  << "type = \"add_facility\"\ncategory = \"" << category_ << "\"\n"
                  << "sites = \"sites.csv\"\n";
                if (capacity_) f << "capacity = " << io::fixed(*capacity_, 6) << "\n";
                if (!f)
                    throw InputError(out_dir, "cannot write scenario.toml",
                                     "free disk space or choose another --out");
            }
            out.commit();
        }
        if (!quiet) {
            const double total =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::printf("%s — %s (%s), radius %.0f m: %zu candidates %s; %zu existing\n",
                        city.config.name.c_str(), rule.id.c_str(), rule.name_zh.c_str(),
                        rule.radius_m, snaps.size(), source.c_str(), in.existing.size());
            if (served) {
                std::printf(
                    "place gap now %.0f places (%s, %s places per site; served = place "
                    "gap closed, 2SFCA)\n",
                    r.total_population, demand.group.c_str(), io::fixed(*capacity_, 0).c_str());
            } else {
                std::printf(
                    "covered now %.0f of %.0f residents (%.1f%%)\n", r.base_covered,
                    r.total_population,
                    r.total_population > 0 ? 100.0 * r.base_covered / r.total_population : 0.0);
            }
            std::printf("%4s %12s %11s %8s %10s %7s\n", "rank", "lon", "lat", "gain",
                        served ? "served" : "covered", served ? "gap" : "share");
            for (const io::SiteRow& s : rows) {
                std::printf("%4u %12.7f %11.7f %8.0f %10.0f %6.1f%%\n", s.rank, s.pos.lon,
                            s.pos.lat, s.gain, s.covered, 100.0 * s.share);
            }
            if (r.exhausted) {
                std::printf("only %zu sites add coverage%s; the curve stops there\n",
                            r.steps.size(), min_spacing_m_ > 0 ? " (with the spacing rule)" : "");
            }
            if (exact) {
                std::printf(
                    "exact (CBC): %.1f, bound %.1f, gap %.4f%%, %s in %.2f s; greedy %.1f "
                    "= %.4f of it\n",
                    exact->value, exact->bound, 100.0 * exact->gap,
                    exact->optimal      ? "proven optimal"
                    : exact->time_limit ? "stopped by the time limit"
                                        : "not proven",
                    exact->seconds, r.covered(),
                    exact->value > 0 ? r.covered() / exact->value : 1.0);
            }
            std::printf("%llu gain evaluations (plain greedy: %zu); %.2f s%s\n",
                        static_cast<unsigned long long>(r.evaluations),
                        snaps.size() * r.steps.size(), total,
                        out_dir.empty() ? "" : ("; outputs in " + out_dir).c_str());
        }
        return kExitOk;
    }

  private:
    // Snaps the file's candidates; those outside the city or off the network are listed and
    // left out (all of them: an error).
    void take_file_candidates(const io::City& city, const std::vector<io::Feature>& features,
                              std::vector<SnapResult>& snaps, std::vector<LonLat>& out_pos,
                              std::vector<std::string>& names) const {
        const auto bbox = scenarios::city_bbox(city);
        const double max_m = city.config.max_snap_m;
        std::vector<std::string> refused;
        for (const io::Feature& f : features) {
            const LonLat p = f.point;
            const std::string label = f.id + (f.name.empty() ? "" : " (" + f.name + ")");
            if (p.lon < bbox[0] || p.lon > bbox[2] || p.lat < bbox[1] || p.lat > bbox[3]) {
                refused.push_back(label + " at " + point_text(p) + ": outside the city's bounds [" +
                                  point_text({bbox[0], bbox[1]}) + " – " +
                                  point_text({bbox[2], bbox[3]}) + "]");
                continue;
            }
            const SnapResult s = city.snapper->snap(p, max_m);
            if (!s.ok()) {
                refused.push_back(label + " at " + point_text(p) + ": " +
                                  io::fixed(city.snapper->nearest_metres(p), 0) +
                                  " m from the nearest walkable street (limit " +
                                  io::fixed(max_m, 0) + " m)");
                continue;
            }
            snaps.push_back(s);
            out_pos.push_back(p);
            names.push_back(f.name);
        }
        if (refused.empty()) return;
        std::string list;
        for (std::size_t i = 0; i < refused.size() && i < 20; ++i) list += "\n  " + refused[i];
        if (refused.size() > 20)
            list += "\n  ... and " + std::to_string(refused.size() - 20) + " more";
        if (snaps.empty()) {
            throw InputError(
                candidates_,
                "none of the " + std::to_string(features.size()) + " candidates is usable:" + list,
                "check the coordinates and --candidate-crs (Amap points are "
                "GCJ-02)");
        }
        std::cerr << "lc15 optimize: warning: " << refused.size() << " of " << features.size()
                  << " candidates in " << candidates_ << " left out:" << list << "\n";
    }

    std::string category_, candidates_, candidate_crs_;
    int k_ = 0;
    double min_spacing_m_ = 0;
    double max_candidates_ = 1e5;
    std::optional<double> capacity_;
    bool exact_ = false;
    double time_limit_s_ = 30;

    // sites.csv, sites.geojson and curve.csv (with a prefix for the exact answer).
    void write_sites(io::OutputDir& out, const std::string& prefix,
                     const std::vector<io::SiteRow>& rows, bool served) const {
        const char* total = served ? "served" : "covered";
        const char* share = served ? "gap_share" : "share";
        io::write_sites_csv(out.stage(prefix + "sites.csv"), rows, served);
        io::Layer layer{"sites",
                        io::Layer::Point,
                        {{"rank", io::Field::Int},
                         {"name", io::Field::String},
                         {"category", io::Field::String},
                         {"gain", io::Field::Real},
                         {total, io::Field::Real},
                         {share, io::Field::Real}},
                        {}};
        std::vector<std::vector<io::Value>> curve;
        for (const io::SiteRow& s : rows) {
            layer.rows.push_back(
                {s.pos,
                 {},
                 {},
                 {std::int64_t{s.rank}, s.name, category_, s.gain, s.covered, s.share}});
            curve.push_back({std::int64_t{s.rank}, io::fixed(s.gain, 1), io::fixed(s.covered, 1),
                             io::fixed(s.share, 4)});
        }
        io::write_geojson(out.stage(prefix + "sites.geojson"), layer);
        io::write_csv_bom(out.stage(prefix + "curve.csv"), {"k", "gain", total, share}, curve);
    }
};

}  // namespace

std::unique_ptr<Command> make_optimize_command() { return std::make_unique<OptimizeCommand>(); }

}  // namespace lc15::cli
