// lc15 maps — printable maps (PDF, PNG, SVG with Cairo + Pango) and the offline one-file page,
// drawn from the results every other output shows.
//
//   MapInputs in{&city, &model, &report, &bus};          // bus may be null
//   MapOptions opt;                                      // A3 landscape, PNG at 300 dpi
//   opt.paper = paper_size("A3", /*portrait=*/false);    // InputError for an unknown size
//   require_fonts();                                     // InputError naming fonts-noto-cjk
//   MapResult m = render_map(in, MapSpec{MapKind::kCategory, k}, opt, Format::kPdf);
//   m.bytes;                                             // the file; m.dropped: unlabelled
//   std::string html = render_page(in, opt);             // the offline page
//   OutputDir out(dir);
//   write_maps(out, in, plan, opt);                      // stages map_*.pdf|png|svg, map.html
//   out.commit();
//
// Semantics (docs/MAPS.md): a thin front end. Every share, count and class comes from the
// CoverageReport (and the BusAnalysis); per-home colours from CoverageModel::covered. The one
// thing drawn that no report holds is the walking service area of a category: the streets
// within its radius of its facilities, from a bounded multi-source search over the city's
// graph (engine/search.hpp) with the model's access-leg and forbidden-edge options, so that
// a home on a drawn street is exactly a home the model covers (save for its own access leg).
// Text is Pango (HarfBuzz) with "Noto Sans CJK SC" and language zh-cn (Han forms of mainland
// China); community labels never overlap each other: what does not fit is dropped and listed
// in the legend box. Palettes are ColorBrewer classes (YlGnBu sequential), legible for
// colour-blind readers and in grey scale. No administrative boundaries unless the config's
// [maps] boundaries = true. The basemap is drawn from the extract (io::OsmBasemap, buildings).
// Same inputs, same bytes: the PDF's creation date is pinned to the map's date, SVG ids are
// Cairo's per-document counters, and nothing depends on the thread count.
// Cost: linear in homes, buildings and street edges per map, plus one bounded search per
// category map; the page holds the communities, home cells (100 m) and facilities.
// Thread safety: pure functions of their inputs; render_map may run on several threads.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/coverage.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/files.hpp"
#include "io/network_figures.hpp"
#include "scenarios/scenario.hpp"

namespace lc15::maps {

enum class Format : std::uint8_t { kPdf, kPng, kSvg };
/// "pdf", "png", "svg".
const char* extension(Format f);

struct Paper {
    std::string name = "A3";
    double width_mm = 420, height_mm = 297;
    bool portrait = false;
};
/// A4, A3 or A1 (any case), landscape unless `portrait`. Throws InputError naming the value
/// and the valid sizes.
Paper paper_size(const std::string& name, bool portrait);

struct MapOptions {
    Paper paper{};
    double png_dpi = 300;
    /// The most pixels one PNG page may have (a ceiling on the work --dpi multiplies: A1 at
    /// 1200 dpi is 1.1e9 pixels, 4.5 GB of raster). 4 bytes per pixel: 2e8 is 800 MB.
    double max_png_pixels = 2e8;
    /// Printed as the map's date and pinned as the PDF creation date (YYYY-MM-DD). Empty: the
    /// config's [maps] date, else the day of the OSM data.
    std::string date;
    /// The overview and category maps show this area (lo, hi corners, with 15 % around it)
    /// instead of the whole city: the view a planner is looking at.
    std::optional<std::pair<LonLat, LonLat>> view;
    /// Appended to the subtitle of the overview and category maps (a what-if's name).
    std::string note;
    /// The walker the model measured with when it is not the city's (a what-if's profile
    /// edit): printed in the subtitles instead of the city's.
    std::optional<io::WalkerProfile> walker;
};

/// Refuses (InputError naming --dpi, the page's pixels, the dpi that fits and how to raise the
/// ceiling) a PNG page above options.max_png_pixels or with a side above Cairo's 32,767
/// pixels. `lc15 map` calls it before loading the city; every PNG canvas checks it again.
void check_png_size(const MapOptions& options);

/// A scenario evaluated on the city (scenarios::ScenarioEvaluator, as `lc15 scenario` does):
/// what the before / after map draws. The side table and the edits come from
/// scenarios/scenario_report.hpp, the code that writes community_changes.csv and changes.gpkg.
struct ScenarioMapInputs {
    const scenarios::Scenario* scenario = nullptr;
    const scenarios::ScenarioOutcome* outcome = nullptr;
    const scenarios::ScenarioCity* city = nullptr;
};

struct MapInputs {
    const io::City* city = nullptr;
    const CoverageModel* model = nullptr;  ///< computed (a scenario map: the evaluator's base)
    const CoverageReport* report = nullptr;
    const io::BusAnalysis* bus = nullptr;         ///< optional: the bus map needs it
    const ScenarioMapInputs* scenario = nullptr;  ///< optional: the scenario map needs it
    /// Drawn on the category maps instead of city->facilities (a what-if's facilities, as the
    /// model holds them); null: the city's.
    const std::vector<io::FacilityRecord>* facilities = nullptr;
    /// The city's network indicators (io::network_figures), as the run that wrote the tables
    /// computed them; null: computed once by write_maps (or by render_map, per map).
    const io::NetworkFigures* network = nullptr;
};

enum class MapKind : std::uint8_t {
    kOverview,  ///< communities by living-circle score, labelled
    kCategory,  ///< one category: communities by share, homes, facilities, service area
    kBus,       ///< the 500 m service area of the stops, gap cells, stops and lines
    /// The community atlas: one page per community (its map and its table of every category:
    /// share, median distance, pass, the clause). Several pages in a PDF; the first community
    /// alone in a PNG or SVG.
    kAtlas,
    /// Scenario before / after: communities by residents newly covered minus those no longer
    /// covered (summed over the categories; ColorBrewer PuOr, losses hatched so that a
    /// grey-scale print tells them apart), the edits marked, numbered and named, and
    /// `lc15 scenario`'s city figures per changed category in a side table.
    kScenario,
};

struct MapSpec {
    MapKind kind = MapKind::kOverview;
    std::uint32_t category = 0;  ///< kCategory: index into the model's rules
};

struct MapResult {
    std::string bytes;
    std::vector<std::string> labelled;  ///< community names drawn, in drawing order
    std::vector<std::string> dropped;   ///< names that did not fit (listed in the legend)
    /// Data problems met while drawing (a broken coastline: that stretch of sea not drawn).
    std::vector<std::string> warnings;
    /// The labels' boxes on the page (points: x0, y0, x1, y1), parallel to `labelled`.
    std::vector<std::array<double, 4>> label_boxes;
    /// Where a position lies on the page, in points from the top left (a PNG pixel is this
    /// times dpi / 72): x = ax + bx lon, y = ay + by lat (the projection is equirectangular).
    double ax = 0, bx = 0, ay = 0, by = 0;
    std::pair<double, double> page_point(LonLat p) const {
        return {ax + bx * p.lon, ay + by * p.lat};
    }
};

/// Decoded PNG pixels, 0xRRGGBB row-major, for checking rendered maps (tests, exports).
struct Pixels {
    int width = 0, height = 0;
    std::vector<std::uint32_t> rgb;
    std::uint32_t at(int x, int y) const { return rgb[static_cast<std::size_t>(y) * width + x]; }
};
/// Throws std::runtime_error when the bytes are not a PNG.
Pixels decode_png(const std::string& png);

/// Throws InputError unless fontconfig finds "Noto Sans CJK SC" (Debian's fonts-noto-cjk).
void require_fonts();

/// One map. kBus without inputs.bus, kScenario without inputs.scenario throw
/// std::invalid_argument.
MapResult render_map(const MapInputs& inputs, const MapSpec& spec, const MapOptions& options,
                     Format format);

/// The offline page: one HTML file with Leaflet (Debian's libjs-leaflet) and the data inlined.
/// Throws InputError when libjs-leaflet's files are missing.
std::string render_page(const MapInputs& inputs, const MapOptions& options);
/// Throws the InputError of render_page now (before a long run) when Leaflet is missing.
void require_page_assets();

/// A stretch of an edge within reach: [from_cm, to_cm] along it from its tail.
struct EdgeSpan {
    EdgeId edge;
    Distance from_cm, to_cm;
};
/// The walking service area of points (a category's facilities): the stretches of street
/// within `radius_cm` of them along the graph, entering from each point as the model does
/// (access legs when `access_legs`), never over edges with `forbidden_flags`. The stretch
/// around each point along its own edge is included, so that a point in the middle of an edge
/// longer than the radius still shows its reach. One bounded multi-source search
/// (engine/search.hpp); sorted by edge.
std::vector<EdgeSpan> reach_spans(const WalkGraph& g, const std::vector<SnapResult>& points,
                                  Distance radius_cm, bool access_legs,
                                  std::uint8_t forbidden_flags);

/// What write_maps draws.
struct MapPlan {
    std::vector<std::uint32_t> categories;  ///< category maps (rule indices), in this order
    bool overview = true;
    bool bus = true;    ///< when inputs.bus is given
    bool atlas = true;  ///< map_atlas.pdf, when the formats include PDF
    std::vector<Format> formats{Format::kPdf, Format::kPng};
    bool page = true;
    /// Non-empty (and inputs.scenario given): the scenario map, as <stem>.EXT per format.
    std::string scenario_stem;
};

/// Stages map_overview.EXT, map_<category id>.EXT, map_bus.EXT, <scenario_stem>.EXT for
/// every format,
/// map_atlas.pdf and map.html;
/// returns the file names in order. Maps render in parallel (oneTBB); bytes do not depend on
/// the thread count. The maps' warnings, each once in map order, are appended to `warnings`.
std::vector<std::string> write_maps(io::OutputDir& out, const MapInputs& inputs,
                                    const MapPlan& plan, const MapOptions& options,
                                    std::vector<std::string>* warnings = nullptr);

/// The map date of MapOptions::date's rule (options, config, OSM data), as YYYY-MM-DD.
std::string map_date(const io::City& city, const MapOptions& options);

}  // namespace lc15::maps
