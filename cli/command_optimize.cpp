// lc15 optimize — where should the next K facilities of a category go: the sites covering the
// most residents not yet within the category's radius (maximal covering location, lazy greedy;
// docs/SCENARIOS.md).
//
// Candidates are generated every 100 m along the streets near homes, or read from a point file
// (--candidates, any format io/vector_reader reads; --candidate-crs when it does not say).
// Outputs (written together at the end, nothing on error):
//   DIR/sites.csv      rank,lon,lat,name,gain,covered,share — what a scenario's sites = loads
//   DIR/sites.geojson  the same, for web maps
//   DIR/curve.csv      k,gain,covered,share: the coverage curve for K = 1..N
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "engine/error.hpp"
#include "io/city.hpp"
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

class OptimizeCommand : public Command, ThreadsOption {
  public:
    const char* name() const override { return "optimize"; }
    const char* description() const override {
        return "Choose where the next K facilities of a category cover the most residents "
               "(maximal covering, lazy greedy)";
    }
    void setup(CLI::App& app) override {
        app.add_option("-c,--config", config_, "City config (TOML)")->required();
        app.add_option("--category", category_, "Category id, e.g. pocket_park, kindergarten")
            ->required();
        app.add_option("-k,--add", k_, "Number of sites to choose (K >= 1)")->required();
        app.add_option("--candidates", candidates_,
                       "Point file of candidate sites (CSV lon/lat, GeoJSON, GPKG, SHP); default: "
                       "points every 100 m along streets within 100 m of homes");
        app.add_option("--candidate-crs", candidate_crs_,
                       "CRS of --candidates when the file does not say: WGS84, GCJ-02, BD-09, "
                       "EPSG:n");
        app.add_option("--min-spacing", min_spacing_m_,
                       "No two sites (nor a site and an existing facility) closer than this, "
                       "metres straight-line (default 0: none)");
        app.add_option("--capacity", capacity_,
                       "Residents one site can serve (e.g. kindergarten places); default: no "
                       "limit");
        app.add_option("--profile", profile_, "Walker profile (default: the config's)");
        app.add_option("-o,--out", out_,
                       "Output folder for sites.csv, sites.geojson, curve.csv (default: print "
                       "only)");
        app.add_flag("-q,--quiet", quiet_, "No progress or table on the terminal");
        add_threads_option(app);
        app.footer(
            "Example:\n  lc15 optimize --config configs/zhuhai_xiangzhou.toml --category "
            "pocket_park --add 30 \\\n    --out scenarios/examples/pocket_parks");
    }

    int run() override {
        const auto limit = limit_threads();
        TerminalProgress progress(quiet_);
        const auto start = std::chrono::steady_clock::now();

        // 1. Arguments and files, before the city is loaded.
        if (k_ <= 0) {
            throw InputError("--add", "K = " + std::to_string(k_) + ": nothing to choose",
                             "give the number of new sites, e.g. --add 30");
        }
        if (min_spacing_m_ < 0 || !std::isfinite(min_spacing_m_)) {
            throw InputError("--min-spacing", "must be >= 0 metres", "e.g. --min-spacing 200");
        }
        if (capacity_ && (!(*capacity_ > 0) || std::isnan(*capacity_))) {
            throw InputError("--capacity", "must be > 0 residents",
                             "e.g. --capacity 270 (a 9-class kindergarten)");
        }
        const io::CityConfig config = io::load_city_config(config_);
        const std::uint32_t cat = config.rules.index_of(category_, "--category");
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
        if (!out_.empty()) {
            std::error_code ec;
            if (fs::exists(out_, ec) && !fs::is_directory(out_, ec)) {
                throw InputError(out_, "output path exists and is not a folder",
                                 "give a folder name for --out");
            }
        }

        // 2. The city and the candidates.
        const io::City city = io::load_city(config, profile_, &progress);
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
        if (static_cast<std::size_t>(k_) > snaps.size()) {
            throw InputError("--add",
                             "K = " + std::to_string(k_) + " but there are only " +
                                 std::to_string(snaps.size()) + " candidates (" + source + ")",
                             "ask for at most " + std::to_string(snaps.size()) +
                                 " sites, or give more candidates with --candidates");
        }

        // 3. Coverage sets and lazy greedy.
        SitingOptions opt = in.options;
        opt.k = static_cast<std::uint32_t>(k_);
        opt.min_spacing_m = min_spacing_m_;
        if (capacity_) opt.capacity.assign(snaps.size(), *capacity_);
        std::vector<LonLat> positions;
        for (const SnapResult& s : snaps) positions.push_back(s.on_edge);
        CoverageSets sets;
        {
            ProgressStep step(&progress, "coverage sets", 0);
            sets = build_coverage_sets(g, snaps, in.homes, in.existing, opt);
        }
        SitingResult r;
        {
            ProgressStep step(&progress, "lazy greedy", 0);
            r = greedy_siting(sets, positions, opt, in.existing_pos);
        }

        // 4. Outputs.
        const auto& rule = config.rules.categories[cat].rule;
        std::vector<io::SiteRow> rows;
        for (std::size_t i = 0; i < r.steps.size(); ++i) {
            const SitingStep& s = r.steps[i];
            const std::string name = names[s.candidate].empty()
                                         ? category_ + " " + std::to_string(i + 1)
                                         : names[s.candidate];
            rows.push_back({static_cast<std::uint32_t>(i + 1), out_pos[s.candidate], name, s.gain,
                            s.covered, s.share});
        }
        if (!out_.empty()) {
            io::OutputDir out(out_);
            io::write_sites_csv(out.stage("sites.csv"), rows);
            io::Layer layer{"sites",
                            io::Layer::Point,
                            {{"rank", io::Field::Int},
                             {"name", io::Field::String},
                             {"category", io::Field::String},
                             {"gain", io::Field::Real},
                             {"covered", io::Field::Real},
                             {"share", io::Field::Real}},
                            {}};
            std::vector<std::vector<io::Value>> curve;
            for (const io::SiteRow& s : rows) {
                layer.rows.push_back(
                    {s.pos,
                     {},
                     {},
                     {std::int64_t{s.rank}, s.name, category_, s.gain, s.covered, s.share}});
                curve.push_back({std::int64_t{s.rank}, io::fixed(s.gain, 1),
                                 io::fixed(s.covered, 1), io::fixed(s.share, 4)});
            }
            io::write_geojson(out.stage("sites.geojson"), layer);
            io::write_csv_bom(out.stage("curve.csv"), {"k", "gain", "covered", "share"}, curve);
            out.commit();
        }
        if (!quiet_) {
            const double total =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            std::printf("%s — %s (%s), radius %.0f m: %zu candidates %s; %zu existing\n",
                        city.config.name.c_str(), rule.id.c_str(), rule.name_zh.c_str(),
                        rule.radius_m, snaps.size(), source.c_str(), in.existing.size());
            std::printf("covered now %.0f of %.0f residents (%.1f%%)\n", r.base_covered,
                        r.total_population,
                        r.total_population > 0 ? 100.0 * r.base_covered / r.total_population : 0.0);
            std::printf("%4s %12s %11s %8s %10s %7s\n", "rank", "lon", "lat", "gain", "covered",
                        "share");
            for (const io::SiteRow& s : rows) {
                std::printf("%4u %12.7f %11.7f %8.0f %10.0f %6.1f%%\n", s.rank, s.pos.lon,
                            s.pos.lat, s.gain, s.covered, 100.0 * s.share);
            }
            if (r.exhausted) {
                std::printf("only %zu sites add coverage%s; the curve stops there\n",
                            r.steps.size(), min_spacing_m_ > 0 ? " (with the spacing rule)" : "");
            }
            std::printf("%llu gain evaluations (plain greedy: %zu); %.2f s%s\n",
                        static_cast<unsigned long long>(r.evaluations),
                        snaps.size() * r.steps.size(), total,
                        out_.empty() ? "" : ("; outputs in " + out_).c_str());
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

    std::string config_, category_, candidates_, candidate_crs_, profile_, out_;
    int k_ = 0;
    double min_spacing_m_ = 0;
    std::optional<double> capacity_;
    bool quiet_ = false;
};

}  // namespace

std::unique_ptr<Command> make_optimize_command() { return std::make_unique<OptimizeCommand>(); }

}  // namespace lc15::cli
