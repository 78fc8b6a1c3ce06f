// lc15 bus — bus stop coverage (the three 500 m figures, the gap list, the walking service
// area) and walk + bus access to the config's [bus] categories (docs/TRANSIT.md).
#include <chrono>
#include <cstdio>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "engine/catchment.hpp"
#include "engine/transit.hpp"
#include "io/bus_lines.hpp"
#include "io/city.hpp"
#include "io/files.hpp"
#include "io/gtfs.hpp"
#include "io/vector_writer.hpp"

namespace lc15::cli {
namespace {

int parse_hhmm(const std::string& s, const std::string& what) {
    int h = 0, m = 0;
    char colon = 0;
    if (std::sscanf(s.c_str(), "%d%c%d", &h, &colon, &m) != 3 || colon != ':' || h < 0 || m < 0 ||
        m > 59) {
        throw InputError("--window", what + " '" + s + "' is not HH:MM",
                         "write the window like 07:00-09:00");
    }
    return h * 3600 + m * 60;
}

class BusCommand : public Command, ThreadsOption {
  public:
    const char* name() const override { return "bus"; }
    const char* description() const override {
        return "Bus stop coverage (500 m: land, population straight and walked), gaps, and walk + "
               "bus access";
    }
    void setup(CLI::App& app) override {
        app.add_option("-c,--config", config_,
                       "City config (TOML), e.g. configs/zhuhai_xiangzhou.toml")
            ->required();
        app.add_option("-o,--out", out_,
                       "Output folder (created; files replaced only when the run succeeds)")
            ->required();
        app.add_option("--profile", profile_,
                       "Walker profile: adult, elderly, barrier_free (default: the config's)");
        app.add_option("--radius", radius_m_,
                       "Stop catchment radius in metres (GB 50220-95: 300 and 500)")
            ->check(CLI::PositiveNumber);
        app.add_option("--window", window_,
                       "GTFS time window for headways, HH:MM-HH:MM (default 07:00-09:00)");
        app.add_flag("-q,--quiet", quiet_, "No progress or summary on the terminal");
        add_threads_option(app);
        app.footer("Example:\n  lc15 bus --config configs/zhuhai_xiangzhou.toml --out out/bus");
    }

    int run() override {
        const auto parallelism = limit_threads();
        TerminalProgress progress(quiet_);
        const auto start = std::chrono::steady_clock::now();
        io::GtfsOptions gopt;
        if (!window_.empty()) {
            const auto dash = window_.find('-');
            if (dash == std::string::npos) {
                throw InputError("--window", "'" + window_ + "' has no '-'",
                                 "write the window like 07:00-09:00");
            }
            gopt.window_start_s = parse_hhmm(window_.substr(0, dash), "start");
            gopt.window_end_s = parse_hhmm(window_.substr(dash + 1), "end");
        }
        const io::CityConfig config = io::load_city_config(config_);
        io::OutputDir out(out_);
        const io::City city = io::load_city(config, profile_, &progress);
        const WalkGraph& g = city.osm.graph;
        std::vector<std::string> warnings;

        // Lines: the GTFS feed when the config names one, else the OSM route relations.
        io::BusLines lines;
        std::string line_source;
        if (!config.gtfs.empty()) {
            io::GtfsFeed feed = io::read_gtfs(config.gtfs, gopt);
            lines.stops = std::move(feed.stops);
            lines.lines = std::move(feed.lines);
            lines.warnings = std::move(feed.warnings);
            line_source = "GTFS " + config.gtfs.filename().string();
        } else {
            io::BusLineOptions bopt;
            bopt.bus_speed_kmh = config.bus_speed_kmh;
            bopt.default_headway_min = config.default_headway_min;
            lines = io::bus_lines_from_osm(city.osm, *city.snapper, bopt);
            line_source = "OSM route relations";
        }
        warnings.insert(warnings.end(), lines.warnings.begin(), lines.warnings.end());
        TransitOptions topt;
        topt.walk_speed_m_per_s = city.walker.speed_m_per_s;
        topt.forbidden_flags = city.forbidden_flags;
        topt.access_legs = config.access_legs;
        topt.budget_s = config.bus_budget_min * 60.0;
        const Snapper stop_snapper(g, city.forbidden_flags);
        const TransitNetwork net = build_transit(g, stop_snapper, lines.stops, lines.lines, topt);
        warnings.insert(warnings.end(), net.warnings().begin(), net.warnings().end());

        // Catchment over the city's stops and the lines' snapped stops.
        std::vector<LonLat> stop_pos;
        std::vector<SnapResult> stop_snaps;
        for (const auto& s : city.stops) {
            stop_pos.push_back(s.pos);
            stop_snaps.push_back(s.snap);
        }
        for (StopId s = 0; s < net.num_stops(); ++s) {
            if (!net.stop(s).snap.ok() || net.stop_lines(s).empty()) continue;
            stop_pos.push_back(net.stop(s).pos);
            stop_snaps.push_back(net.stop(s).snap);
        }
        std::vector<CatchmentHome> homes;
        for (const auto& h : city.homes)
            homes.push_back({h.pos, h.snap, h.population, h.community});
        std::vector<MultiPolygon> community_areas;
        for (const auto& c : city.communities) community_areas.push_back(c.area);
        const PolygonIndex communities(community_areas);
        std::vector<ResidentialLand> land;
        for (const auto& f : city.osm.features) {
            auto it = f.tags.find("landuse");
            if (!f.is_area() || it == f.tags.end() || it->second != "residential") continue;
            land.push_back({f.area, communities.find(centroid(f.area))});
        }
        CatchmentOptions copt;
        copt.radius_m = radius_m_;
        copt.access_legs = config.access_legs;
        copt.forbidden_flags = city.forbidden_flags;
        const auto ncom = static_cast<std::uint32_t>(city.communities.size());
        CatchmentResult catchment;
        MultiPolygon area;
        {
            ProgressStep step(&progress, "bus stop catchment", 0);
            catchment = compute_catchment(g, stop_pos, stop_snaps, homes, land, ncom, copt);
            area = walking_service_area(g, stop_snaps, copt);
        }

        // Walk + bus to each [bus] category.
        struct Access {
            std::string category;
            std::vector<double> pop, walk, bus;  // per community, then the city at [ncom]
        };
        std::vector<Access> access;
        std::vector<SnapResult> home_snaps;
        for (const auto& h : city.homes) home_snaps.push_back(h.snap);
        for (const std::string& id : config.bus_categories) {
            const std::uint32_t k =
                config.rules.index_of(id, config.path.string() + ": [bus] categories");
            std::vector<SnapResult> fac;
            for (const auto& f : city.facilities) {
                if (f.category == k && f.status == io::FacilityRecord::Status::Used)
                    fac.push_back(f.snap);
            }
            ProgressStep step(&progress, "walk + bus: " + id, 0);
            const TransitAccess a = walk_bus_seconds(net, home_snaps, fac, topt);
            Access r{id, std::vector<double>(ncom + 1, 0), std::vector<double>(ncom + 1, 0),
                     std::vector<double>(ncom + 1, 0)};
            for (std::size_t h = 0; h < city.homes.size(); ++h) {
                const double p = city.homes[h].population;
                for (std::uint32_t c : {city.homes[h].community, ncom}) {
                    if (c > ncom) continue;
                    r.pop[c] += p;
                    if (a.walk_s[h] <= topt.budget_s) r.walk[c] += p;
                    if (a.walk_bus_s[h] <= topt.budget_s) r.bus[c] += p;
                }
            }
            access.push_back(std::move(r));
        }
        write_outputs(out, city, net, catchment, area, access, warnings, ncom, stop_pos.size());
        out.commit();

        const double total =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (!quiet_) {
            const auto& c = catchment.city;
            std::printf("%s — %u lines (%s), %zu stops for coverage, profile %s\n",
                        city.config.name.c_str(), net.num_lines(), line_source.c_str(),
                        stop_pos.size(), city.walker.name.c_str());
            std::printf(
                "within %.0f m of a stop: land %.1f %% (straight, the official indicator), "
                "people %.1f %% straight, %.1f %% walking\n",
                radius_m_, 100 * c.land_share, 100 * c.straight_share, 100 * c.walk_share);
            std::printf("%zu gap cells; largest: %.0f people\n", catchment.gaps.size(),
                        catchment.gaps.empty() ? 0.0 : catchment.gaps.front().population);
            for (const auto& a : access) {
                const double p = a.pop[ncom] > 0 ? a.pop[ncom] : 1;
                std::printf("%-16s within %.0f min: walking %.1f %%, walk + bus %.1f %%\n",
                            a.category.c_str(), config.bus_budget_min, 100 * a.walk[ncom] / p,
                            100 * a.bus[ncom] / p);
            }
            std::printf("%zu warnings (bus_warnings.txt); %.2f s; outputs in %s\n", warnings.size(),
                        total, out_.c_str());
        }
        return kExitOk;
    }

  private:
    template <class Access>
    void write_outputs(io::OutputDir& out, const io::City& city, const TransitNetwork& net,
                       const CatchmentResult& r, const MultiPolygon& area,
                       const std::vector<Access>& access, const std::vector<std::string>& warnings,
                       std::uint32_t ncom, std::size_t stops) {
        using io::Field;
        using io::Value;
        auto share_row = [](const std::string& id, const std::string& name,
                            const CatchmentFigures& f) {
            return std::vector<Value>{
                id, name, f.population, f.land_m2, f.land_share, f.straight_share, f.walk_share};
        };
        std::vector<std::vector<Value>> rows{share_row("", "city", r.city)};
        for (std::uint32_t c = 0; c < ncom; ++c) {
            rows.push_back(
                share_row(city.communities[c].id, city.communities[c].name, r.communities[c]));
        }
        io::write_csv_bom(
            out.stage("bus_catchment.csv"),
            {"community_id", "community", "population", "residential_land_m2",
             "land_share_straight", "population_share_straight", "population_share_walk"},
            rows);

        io::Layer gaps{"gaps",
                       io::Layer::Point,
                       {{"rank", Field::Int},
                        {"population", Field::Real},
                        {"homes", Field::Int},
                        {"walk_to_stop_m", Field::Real},
                        {"community", Field::String}},
                       {}};
        for (std::size_t i = 0; i < r.gaps.size(); ++i) {
            const CatchmentGap& g = r.gaps[i];
            gaps.rows.push_back({g.centroid,
                                 {},
                                 {},
                                 {std::int64_t(i + 1), g.population, std::int64_t(g.homes),
                                  g.walk_to_stop_m >= 0 ? Value(g.walk_to_stop_m) : Value{},
                                  g.community < ncom ? city.communities[g.community].name : ""}});
        }
        io::write_csv_bom(out.stage("bus_gaps.csv"), gaps);

        std::vector<std::vector<Value>> arows;
        for (const auto& a : access) {
            for (std::uint32_t c = 0; c <= ncom; ++c) {
                const double p = a.pop[c];
                arows.push_back({c < ncom ? city.communities[c].name : std::string("city"),
                                 a.category, p, p > 0 ? Value(a.walk[c] / p) : Value{},
                                 p > 0 ? Value(a.bus[c] / p) : Value{}});
            }
        }
        io::write_csv_bom(out.stage("bus_access.csv"),
                          {"community", "category", "population", "share_walk", "share_walk_bus"},
                          arows);

        io::Layer service{"service_area",
                          io::Layer::MultiPolygon,
                          {{"radius_m", Field::Real}, {"stops", Field::Int}},
                          {}};
        if (!area.empty()) service.rows.push_back({{}, {}, area, {radius_m_, std::int64_t(stops)}});
        io::Layer line_layer{
            "lines",
            io::Layer::LineString,
            {{"id", Field::String}, {"name", Field::String}, {"headway_s", Field::Real}},
            {}};
        for (std::uint32_t l = 0; l < net.num_lines(); ++l) {
            io::Row row;
            for (StopId s : net.line_stops(l)) row.line.push_back(net.stop(s).pos);
            row.values = {net.line(l).id, net.line(l).name, net.line(l).headway_seconds};
            line_layer.rows.push_back(std::move(row));
        }
        io::write_gpkg(out.stage("bus.gpkg"), {service, gaps, line_layer});
        std::string text;
        for (const auto& w : warnings) text += w + "\n";
        io::write_file_atomic(out.stage("bus_warnings.txt"), text);
    }

    std::string config_, out_, profile_, window_;
    double radius_m_ = 500;
    bool quiet_ = false;
};

}  // namespace

std::unique_ptr<Command> make_bus_command() { return std::make_unique<BusCommand>(); }

}  // namespace lc15::cli
