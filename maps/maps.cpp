// lc15 maps — the map kinds (overview, category, bus, atlas, scenario), paper sizes, fonts and
// write_maps.
#include "maps/maps.hpp"

#include <fontconfig/fontconfig.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>
#include <variant>

#include "engine/error.hpp"
#include "io/network_figures.hpp"
#include "maps/draw.hpp"
#include "scenarios/scenario_report.hpp"

namespace lc15::maps {

using namespace detail;

const char* extension(Format f) {
    switch (f) {
        case Format::kPdf:
            return "pdf";
        case Format::kPng:
            return "png";
        case Format::kSvg:
            return "svg";
    }
    return "";
}

Paper paper_size(const std::string& name, bool portrait) {
    std::string n = name;
    for (char& ch : n) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    Paper p;
    p.name = n;
    p.portrait = portrait;
    if (n == "A4") {
        p.width_mm = 297;
        p.height_mm = 210;
    } else if (n == "A3") {
        p.width_mm = 420;
        p.height_mm = 297;
    } else if (n == "A1") {
        p.width_mm = 841;
        p.height_mm = 594;
    } else {
        throw InputError("--paper " + name, "unknown paper size",
                         "use A4, A3 or A1 (add --portrait for upright pages)");
    }
    return p;
}

void check_png_size(const MapOptions& options) {
    const Paper& p = options.paper;
    const double k = options.png_dpi / 25.4;  // pixels per mm
    const double w = std::ceil(std::max(p.width_mm, p.height_mm) * k);
    const double h = std::ceil(std::min(p.width_mm, p.height_mm) * k);
    const double kCairoSide = 32767;  // cairo_image_surface_create's limit on either side
    // The dpi at which the page fits both limits (whole dots per inch, rounded down).
    const double fits =
        std::floor(std::min(std::sqrt(options.max_png_pixels / (p.width_mm * p.height_mm)) * 25.4,
                            kCairoSide / std::max(p.width_mm, p.height_mm) * 25.4));
    auto num = [](double v) { return std::to_string(static_cast<long long>(v)); };
    const std::string size =
        p.name + " at " + num(options.png_dpi) + " dpi is " + num(w) + " x " + num(h) + " pixels";
    if (w > kCairoSide) {
        throw InputError("--dpi " + num(options.png_dpi),
                         size + ", wider than the 32,767 pixels a PNG page can have here",
                         "lower --dpi to " + num(fits) +
                             " or less, or use a smaller --paper (PDF and SVG have no limit)");
    }
    if (w * h > options.max_png_pixels) {
        throw InputError("--dpi " + num(options.png_dpi),
                         size + " (" + num(w * h / 1e6) + " million), more than the ceiling of " +
                             num(options.max_png_pixels / 1e6) + " million (4 bytes each)",
                         "lower --dpi to " + num(fits) +
                             " or less, use a smaller --paper, or raise the ceiling with "
                             "--max-pixels " +
                             num(w * h) + " (PDF and SVG have no limit)");
    }
}

void require_fonts() {
    FcConfig* config = FcInitLoadConfigAndFonts();
    bool found = false;
    if (config) {
        FcPattern* pat = FcNameParse(reinterpret_cast<const FcChar8*>("Noto Sans CJK SC"));
        FcObjectSet* os = FcObjectSetBuild(FC_FAMILY, nullptr);
        FcFontSet* fs = FcFontList(config, pat, os);
        found = fs && fs->nfont > 0;
        if (fs) FcFontSetDestroy(fs);
        FcObjectSetDestroy(os);
        FcPatternDestroy(pat);
        FcConfigDestroy(config);
    }
    if (!found)
        throw InputError("font \"Noto Sans CJK SC\"",
                         "not installed (fontconfig finds no such font), so Chinese labels "
                         "cannot be drawn",
                         "install Debian's fonts-noto-cjk (sudo apt-get install fonts-noto-cjk, "
                         "or run scripts/setup)");
}

std::string map_date(const io::City& city, const MapOptions& options) {
    std::string d = options.date;
    if (d.empty()) d = city.config.maps.date;
    if (d.empty()) d = city.osm.timestamp.substr(0, 10);
    if (d.empty()) d = "1970-01-01";
    return d;
}

namespace {

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string walker_text(const io::City& city, const MapOptions& opt) {
    const auto& w = opt.walker ? *opt.walker : city.walker;
    std::string who = w.name == "adult"          ? "成人"
                      : w.name == "elderly"      ? "老年人"
                      : w.name == "barrier_free" ? "无障碍（轮椅、婴儿车）"
                                                 : w.name;
    return "步行者：" + who + " " + fmt("%.1f km/h", w.speed_m_per_s * 3.6) +
           (w.exclude_steps ? "，不走台阶" : "");
}

std::string osm_date(const io::City& city) {
    const std::string d = city.osm.timestamp.substr(0, 10);
    return d.empty() ? "未知" : d;
}

/// Residents per community (from the report), the label priority.
std::vector<double> residents(const CoverageReport& report) {
    std::vector<double> w;
    for (const auto& c : report.communities)
        w.push_back(c.by_category.empty() ? 0.0 : c.by_category[0].population);
    return w;
}

void fill_communities(const Page& page, const io::City& city,
                      const std::function<Rgb(std::uint32_t)>& colour) {
    cairo_t* cr = page.cr();
    cairo_save(cr);
    page.clip_to_frame();
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    for (std::uint32_t c = 0; c < city.communities.size(); ++c) {
        const auto& rec = city.communities[c];
        if (rec.area.empty()) continue;
        auto [lo, hi] = bounds(rec.area);
        if (!page.visible(lo, hi)) continue;
        page.path_multipolygon(rec.area);
        set_colour(cr, colour(c));
        cairo_fill(cr);
    }
    cairo_restore(cr);
}

void outline_communities(const Page& page, const io::City& city) {
    cairo_t* cr = page.cr();
    cairo_save(cr);
    page.clip_to_frame();
    for (const auto& rec : city.communities) {
        if (rec.area.empty()) continue;
        auto [lo, hi] = bounds(rec.area);
        if (!page.visible(lo, hi)) continue;
        page.path_multipolygon(rec.area);
    }
    cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
    cairo_set_line_width(cr, 0.6 * page.unit());
    cairo_stroke(cr);
    cairo_restore(cr);
}

/// The dropped labels, as many as the panel holds, then how many more.
void list_dropped(Page& page, const std::vector<std::string>& dropped) {
    if (dropped.empty()) {
        page.legend_text("所有社区名称均已标注。", 0.95);
        return;
    }
    page.legend_heading("未标注的社区（" + std::to_string(dropped.size()) + " 个，图上放不下）");
    // About 2.2 lines of 8 pt per 20 names on a 60 mm panel: cut to what the panel holds.
    std::string text;
    std::size_t shown = 0;
    const double per_char = 0.9;  // rough area of a character in line-units, for the cut
    const double capacity = page.panel_remaining() / (10.5 * page.unit()) *
                            (page.frame_w() > 0 ? 1 : 1) * 24 * per_char;
    for (const std::string& n : dropped) {
        const double chars = double(text.size()) / 3 + double(n.size()) / 3 + 1;
        if (chars > capacity - 12) break;
        if (!text.empty()) text += "、";
        text += n;
        ++shown;
    }
    if (shown < dropped.size())
        text += (text.empty() ? "" : "；") + std::string("另 ") +
                std::to_string(dropped.size() - shown) + " 个见 communities.csv";
    page.legend_text(text, 0.9);
}

void draw_homes(const Page& page, const io::City& city, const CoverageModel& model,
                std::uint32_t k) {
    cairo_t* cr = page.cr();
    cairo_save(cr);
    page.clip_to_frame();
    const double r = (city.homes.size() > 20000 ? 0.9 : 1.7) * page.unit();
    for (int pass = 0; pass < 2; ++pass) {  // covered first, the uncovered drawn on top
        for (HomeId h = 0; h < city.homes.size(); ++h) {
            const bool cov = model.covered(k, h);
            if (cov != (pass == 0)) continue;
            auto [x, y] = page.pt(city.homes[h].pos);
            if (x < page.frame_x() || x > page.frame_x() + page.frame_w() || y < page.frame_y() ||
                y > page.frame_y() + page.frame_h())
                continue;
            cairo_new_sub_path(cr);
            cairo_arc(cr, x, y, r, 0, 2 * kPi);
        }
        if (pass == 0) {
            cairo_set_source_rgb(cr, 1, 1, 1);
        } else {
            set_colour(cr, kUncovered);
        }
        cairo_fill_preserve(cr);
        set_colour(cr, kInk);
        cairo_set_line_width(cr, 0.35 * page.unit());
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

void draw_facility(cairo_t* cr, double x, double y, double u) {
    cairo_move_to(cr, x, y - 5 * u);
    cairo_line_to(cr, x + 5 * u, y + 4 * u);
    cairo_line_to(cr, x - 5 * u, y + 4 * u);
    cairo_close_path(cr);
    set_colour(cr, kFacility);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 0.8 * u);
    cairo_stroke(cr);
}

/// The network indicators of a community or the city (io::network_figures, the numbers of
/// communities.csv and summary.json) as table rows: figure, value.
std::vector<std::vector<std::string>> network_rows(const NetworkMetrics& m) {
    const bool area = m.area_km2 > 0;
    auto per_km2 = [&](double v, const char* f) { return area ? fmt(f, v) : std::string("—"); };
    return {{"指标", "数值"},
            {"步行街道密度", per_km2(m.walk_density(), "%.2f km/km²")},
            {"机动车道路密度（参考 ≥ 8）", per_km2(m.road_density(), "%.2f km/km²")},
            {"交叉口密度（≥ 3 条路相交）", per_km2(m.intersection_density(), "%.1f 个/km²")},
            {"断头路",
             std::to_string(m.dead_ends) + " 处 · " + per_km2(m.dead_end_density(), "%.1f 个/km²")},
            {"平均街区面积", m.blocks > 0 ? fmt("%.2f ha", m.mean_block_ha()) : "—"},
            {"封闭小区内步行长度占比", m.walk_km > 0 ? percent(m.gated_share()) : "—"}};
}

// The network indicators the inputs carry, else computed into `own`.
const io::NetworkFigures& network_of(const MapInputs& in, std::optional<io::NetworkFigures>& own) {
    return in.network ? *in.network : own.emplace(io::network_figures(*in.city));
}

MapResult overview(const MapInputs& in, const MapOptions& opt, Format format) {
    const io::City& city = *in.city;
    const CoverageReport& report = *in.report;
    const std::string date = map_date(city, opt);
    Canvas cv(opt, format);
    const std::string title = city.config.name + " · 15分钟社区生活圈综合得分";
    cv.set_metadata(title, date);
    Page pg(cv, city, opt, opt.view ? &*opt.view : nullptr);
    MapResult res;
    pg.affine(res);
    pg.title(title, "GB 50180-2018 · " + walker_text(city, opt) + " · OSM 数据 " + osm_date(city) +
                        " · 全市得分 " + fmt("%.1f", report.city_score) + " / 100 · " +
                        std::to_string(city.communities.size()) + " 个社区 · " + date + opt.note);
    pg.sources(source_lines(city, date));
    draw_basemap(pg, city, BasemapLayer::kUnder, &res.warnings);
    fill_communities(pg, city, [&](std::uint32_t c) {
        const auto& m = report.communities[c];
        if (m.by_category.empty() || m.by_category[0].population <= 0) return kNoPeople;
        return kSequential[score_class(m.score)];
    });
    draw_basemap(pg, city, BasemapLayer::kOver);
    outline_communities(pg, city);
    draw_labels(pg, city, residents(report), res);
    pg.finish_frame();

    pg.legend_heading("社区综合得分");
    pg.legend_text("各类设施覆盖比例按权重的加权平均（0–100，见 docs/METHOD.md）", 0.9);
    const char* ranges[] = {"0 – 20", "20 – 40", "40 – 60", "60 – 80", "80 – 100"};
    for (int i = 4; i >= 0; --i) pg.legend_swatch(kSequential[i], ranges[i]);
    pg.legend_swatch(kNoPeople, "无居民");
    pg.legend_gap(4);
    pg.legend_text("全市得分 " + fmt("%.1f", report.city_score) + " / 100（按人口加权）");
    pg.legend_gap(4);
    pg.legend_heading("路网指标（全部社区，见 docs/METHOD.md）");
    std::optional<io::NetworkFigures> own;
    pg.legend_table(network_rows(network_of(in, own).report.city), {0.58, 0.42}, 0.85);
    pg.legend_gap(4);
    list_dropped(pg, res.dropped);
    res.bytes = cv.finish();
    return res;
}

MapResult category_map(const MapInputs& in, std::uint32_t k, const MapOptions& opt, Format format) {
    const io::City& city = *in.city;
    const CoverageModel& model = *in.model;
    const CoverageReport& report = *in.report;
    const CategoryRule& rule = model.rules().at(k);
    const std::string date = map_date(city, opt);
    Canvas cv(opt, format);
    const std::string title = city.config.name + " · " + rule.name_zh + "：" +
                              fmt("%.0f", rule.radius_m) + " m 步行服务范围";
    cv.set_metadata(title, date);
    Page pg(cv, city, opt, opt.view ? &*opt.view : nullptr);
    MapResult res;
    pg.affine(res);
    const auto& cs = report.city.at(k);
    pg.title(title, std::to_string(rule.level_minutes) + " 分钟生活圈 · " + rule.clause + " · " +
                        walker_text(city, opt) + " · OSM 数据 " + osm_date(city) + " · " + date +
                        opt.note);
    pg.sources(source_lines(city, date));
    draw_basemap(pg, city, BasemapLayer::kUnder, &res.warnings);
    fill_communities(pg, city, [&](std::uint32_t c) {
        const auto& m = report.communities[c].by_category[k];
        if (m.population <= 0) return kNoPeople;
        return kSequential[share_class(m.share)];
    });
    draw_basemap(pg, city, BasemapLayer::kOver);
    outline_communities(pg, city);

    // The walking service area: streets within the radius of the category's facilities.
    std::vector<SnapResult> snaps;
    std::vector<LonLat> positions;
    std::vector<std::pair<LonLat, LonLat>> access;  // an area's symbol to where it is reached
    for (FacilityHandle f = 0; f < model.num_facility_handles(); ++f) {
        if (!model.facility_active(f) || model.facility_category(f) != k) continue;
        for (const SnapResult& e : model.facility_entrances(f)) snaps.push_back(e);
    }
    for (const auto& r : in.facilities ? *in.facilities : city.facilities)
        if (r.category == k && r.status == io::FacilityRecord::Status::Used) {
            positions.push_back(r.pos);
            if (r.is_area && r.snap.ok()) access.emplace_back(r.pos, r.snap.on_edge);
        }
    const std::vector<EdgeSpan> spans =
        reach_spans(model.graph(), snaps, metres_to_cm(rule.radius_m), model.options().access_legs,
                    model.options().forbidden_flags);
    {
        cairo_t* cr = pg.cr();
        cairo_save(cr);
        pg.clip_to_frame();
        path_spans(pg, model.graph(), spans);
        set_colour(cr, kService, 0.55);
        cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_set_line_width(cr, std::clamp(pg.scale() / 0.3, 0.35, 1.0) * 3.4 * pg.unit());
        cairo_stroke(cr);
        cairo_restore(cr);
    }
    draw_homes(pg, city, model, k);
    {
        cairo_t* cr = pg.cr();
        cairo_save(cr);
        pg.clip_to_frame();
        for (const auto& [a, b] : access) {
            auto [x0, y0] = pg.pt(a);
            auto [x1, y1] = pg.pt(b);
            cairo_move_to(cr, x0, y0);
            cairo_line_to(cr, x1, y1);
        }
        const double dash[] = {2.5 * pg.unit(), 1.5 * pg.unit()};
        cairo_set_dash(cr, dash, 2, 0);
        set_colour(cr, kFacility);
        cairo_set_line_width(cr, 0.9 * pg.unit());
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
        for (const LonLat& p : positions) {
            auto [x, y] = pg.pt(p);
            draw_facility(cr, x, y, pg.unit());
        }
        cairo_restore(cr);
    }
    draw_labels(pg, city, residents(report), res);
    pg.finish_frame();

    pg.legend_heading(rule.name_zh + "（" + rule.id + "）");
    pg.legend_text("全市覆盖 " + fmt("%.0f", cs.covered_population) + " / " +
                   fmt("%.0f", cs.population) + " 人（" + percent(cs.share) + "）");
    std::size_t pass = 0, with_people = 0;
    for (const auto& c : report.communities) {
        if (c.by_category[k].population <= 0) continue;
        ++with_people;
        pass += c.by_category[k].pass;
    }
    pg.legend_text("达标社区 " + std::to_string(pass) + " / " + std::to_string(with_people) +
                   "（覆盖比例 ≥ " + percent(rule.target_share, 0) + "）");
    pg.legend_gap(4);
    pg.legend_heading("社区覆盖比例");
    const char* ranges[] = {"0 – 25 %", "25 – 50 %", "50 – 75 %", "75 – 100 %（不含）",
                            "100 %（全部覆盖）"};
    for (int i = 4; i >= 0; --i) pg.legend_swatch(kSequential[i], ranges[i]);
    pg.legend_swatch(kNoPeople, "无居民");
    pg.legend_gap(4);
    pg.legend_symbol(Page::Symbol::kFacility, kFacility,
                     rule.name_zh + "（" + std::to_string(positions.size()) + " 处）");
    pg.legend_symbol(
        Page::Symbol::kLine, kService,
        "步行 " + fmt("%.0f", rule.radius_m) + " m 内可达的街道（沿路网，不是直线圆）");
    pg.legend_symbol(Page::Symbol::kDot, hex(0xffffff), "住宅：已覆盖");
    pg.legend_symbol(Page::Symbol::kUncoveredDot, kUncovered, "住宅：未覆盖");
    pg.legend_text("直线很近却未覆盖的住宅：沿街步行超过 " + fmt("%.0f", rule.radius_m) +
                       " m（围墙、河道或没有路相通）。",
                   0.9);
    pg.legend_gap(4);
    list_dropped(pg, res.dropped);
    res.bytes = cv.finish();
    return res;
}

std::string land_text(const CatchmentFigures& f) {
    return f.land_m2 > 0 ? percent(f.land_share) : "—";
}

MapResult bus_map(const MapInputs& in, const MapOptions& opt, Format format) {
    if (!in.bus) throw std::invalid_argument("bus map without a bus analysis");
    const io::City& city = *in.city;
    const io::BusAnalysis& bus = *in.bus;
    const CoverageReport& report = *in.report;
    const std::string date = map_date(city, opt);
    Canvas cv(opt, format);
    const std::string r = fmt("%.0f", bus.radius_m);
    const std::string title = city.config.name + " · 公交站点 " + r + " m 步行服务范围";
    cv.set_metadata(title, date);
    Page pg(cv, city, opt);
    MapResult res;
    pg.affine(res);
    const auto& c = bus.catchment.city;
    pg.title(title, "站点 " + r + " m 覆盖：居住用地 " + land_text(c) + "（直线）· 人口 " +
                        percent(c.straight_share) + "（直线）· 人口 " + percent(c.walk_share) +
                        "（步行）· 线路：" + bus.line_source + " · " + date);
    pg.sources(source_lines(city, date));
    draw_basemap(pg, city, BasemapLayer::kUnder, &res.warnings);
    fill_communities(pg, city, [&](std::uint32_t) { return hex(0xeeeeee); });
    cairo_t* cr = pg.cr();
    {
        cairo_save(cr);
        pg.clip_to_frame();
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        // All tiles in one path: their shared edges cancel in the fill, no seams.
        for (const auto& t : bus.service_area.tiles) pg.path_multipolygon(t.area);
        set_colour(cr, hex(0x6baed6), 0.55);
        cairo_fill(cr);
        cairo_restore(cr);
    }
    draw_basemap(pg, city, BasemapLayer::kOver);
    outline_communities(pg, city);
    cairo_save(cr);
    pg.clip_to_frame();
    const TransitNetwork& net = bus.network;
    // Lines along the course their ride times were measured on (io::LineShape): the route's
    // ways or the GTFS trip's shape solid, hops without a usable course dashed as the straight
    // lines they are.
    std::size_t straight_hops = 0;
    for (int pass = 0; pass < 2; ++pass) {
        const auto wanted = pass == 0 ? io::ShapeSource::kAlongWays : io::ShapeSource::kStraight;
        for (const io::LineShape& shape : bus.line_shapes) {
            for (std::size_t h = 0; h < shape.hop_source.size(); ++h) {
                const bool straight = shape.hop_source[h] == io::ShapeSource::kStraight;
                if (straight != (wanted == io::ShapeSource::kStraight)) continue;
                straight_hops += straight;
                pg.path_points(
                    std::span<const LonLat>(shape.points)
                        .subspan(shape.hop_first[h], shape.hop_end[h] - shape.hop_first[h]),
                    false);
            }
        }
        set_colour(cr, hex(0x54278f), pass == 0 ? 0.35 : 0.5);
        cairo_set_line_width(cr, 0.8 * pg.unit());
        if (pass == 1) {
            const double dash[] = {3 * pg.unit(), 2 * pg.unit()};
            cairo_set_dash(cr, dash, 2, 0);
        }
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
    }
    double max_pop = 1;
    for (const auto& g : bus.catchment.gaps) max_pop = std::max(max_pop, g.population);
    for (const auto& g : bus.catchment.gaps) {
        auto [x, y] = pg.pt(g.centroid);
        cairo_new_sub_path(cr);
        cairo_arc(cr, x, y, std::max(1.5, 12 * std::sqrt(g.population / max_pop)) * pg.unit(), 0,
                  2 * kPi);
    }
    set_colour(cr, kUncovered, 0.7);
    cairo_fill_preserve(cr);
    set_colour(cr, kInk);
    cairo_set_line_width(cr, 0.4 * pg.unit());
    cairo_stroke(cr);
    for (StopId s = 0; s < net.num_stops(); ++s) {
        auto [x, y] = pg.pt(net.stop(s).pos);
        cairo_rectangle(cr, x - 2.2 * pg.unit(), y - 2.2 * pg.unit(), 4.4 * pg.unit(),
                        4.4 * pg.unit());
    }
    set_colour(cr, hex(0x08306b));
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 0.5 * pg.unit());
    cairo_stroke(cr);
    cairo_restore(cr);
    draw_labels(pg, city, residents(report), res);
    pg.finish_frame();

    pg.legend_heading("公交站点 " + r + " m");
    pg.legend_text("居住用地（直线 " + r + " m）：" + land_text(c));
    pg.legend_text("人口（直线 " + r + " m）：" + percent(c.straight_share));
    pg.legend_text("人口（步行 " + r + " m）：" + percent(c.walk_share));
    pg.legend_gap(4);
    pg.legend_swatch(hex(0x6baed6), "步行 " + r + " m 内可达的街道两侧（服务范围）");
    pg.legend_symbol(Page::Symbol::kStop, hex(0x08306b),
                     "公交站点（" + std::to_string(net.num_stops()) + "）");
    pg.legend_symbol(Page::Symbol::kLine, hex(0x54278f),
                     "公交线路（" + std::to_string(net.num_lines()) + "，沿线路走向）");
    if (straight_hops > 0)
        pg.legend_symbol(Page::Symbol::kDashedLine, hex(0x54278f),
                         "无线路走向的区间：站间直线（" + std::to_string(straight_hops) + " 段）");
    pg.legend_symbol(Page::Symbol::kGap, kUncovered,
                     "步行 " + r + " m 外的居民（200 m 格，面积与人数成比例）");
    pg.legend_gap(4);
    std::vector<std::vector<std::string>> rows{{"盲区（人数最多）", "人", "步行到站"}};
    for (std::size_t i = 0; i < bus.catchment.gaps.size() && i < 8; ++i) {
        const auto& g = bus.catchment.gaps[i];
        const std::string where =
            g.community < city.communities.size() && !city.communities[g.community].name.empty()
                ? city.communities[g.community].name
                : fmt("%.5f", g.centroid.lon) + ", " + fmt("%.5f", g.centroid.lat);
        rows.push_back({where, fmt("%.0f", g.population),
                        g.walk_to_stop_m < 0 ? "> 3 km" : fmt("%.0f m", g.walk_to_stop_m)});
    }
    pg.legend_table(rows, {0.55, 0.2, 0.25});
    list_dropped(pg, res.dropped);
    res.bytes = cv.finish();
    return res;
}

MapResult atlas(const MapInputs& in, const MapOptions& opt, Format format) {
    const io::City& city = *in.city;
    const CoverageModel& model = *in.model;
    const CoverageReport& report = *in.report;
    const auto& rules = model.rules();
    const std::string date = map_date(city, opt);
    Canvas cv(opt, format);
    cv.set_metadata(city.config.name + " · 社区生活圈图集", date);
    MapResult res;
    std::optional<io::NetworkFigures> own;
    const io::NetworkFigures& network = network_of(in, own);
    const std::uint32_t n = static_cast<std::uint32_t>(city.communities.size());
    const std::uint32_t pages = format == Format::kPdf ? n : std::min<std::uint32_t>(n, 1);
    for (std::uint32_t c = 0; c < pages; ++c) {
        if (c > 0) cairo_show_page(cv.cr());
        const auto& rec = city.communities[c];
        const auto& m = report.communities[c];
        std::pair<LonLat, LonLat> box =
            rec.area.empty()
                ? std::pair<LonLat, LonLat>{city.homes.empty() ? LonLat{} : city.homes[0].pos,
                                            city.homes.empty() ? LonLat{} : city.homes[0].pos}
                : bounds(rec.area);
        Page pg(cv, city, opt, &box);
        if (c == 0) pg.affine(res);
        const std::string name = rec.name.empty() ? rec.id : rec.name;
        std::size_t pass = 0;
        for (const auto& cm : m.by_category) pass += cm.pass;
        const double people = m.by_category.empty() ? 0 : m.by_category[0].population;
        pg.title(
            name + " · 社区生活圈体检（" + std::to_string(c + 1) + " / " + std::to_string(n) + "）",
            city.config.name + " · 居民 " + fmt("%.0f", people) + " · 综合得分 " +
                fmt("%.1f", m.score) + " / 100 · 达标 " + std::to_string(pass) + " / " +
                std::to_string(rules.size()) + " 类 · GB 50180-2018 · " + walker_text(city, opt) +
                " · " + date);
        pg.sources(source_lines(city, date));
        draw_basemap(pg, city, BasemapLayer::kUnder, &res.warnings);
        fill_communities(pg, city, [&](std::uint32_t o) {
            if (o != c) return hex(0xeeeeee);
            const auto& om = report.communities[o];
            if (om.by_category.empty() || om.by_category[0].population <= 0) return kNoPeople;
            return kSequential[score_class(om.score)];
        });
        draw_basemap(pg, city, BasemapLayer::kOver);
        outline_communities(pg, city);
        MapResult labels;
        draw_labels(pg, city, residents(report), labels);
        if (c == 0) {
            res.labelled = labels.labelled;
            res.dropped = labels.dropped;
            res.label_boxes = labels.label_boxes;
        }
        pg.finish_frame();
        pg.legend_heading("各类设施（GB 50180-2018）");
        std::vector<std::vector<std::string>> rows{{"类别", "覆盖", "中位距离", "达标", "条文"}};
        for (std::uint32_t k = 0; k < rules.size() && k < m.by_category.size(); ++k) {
            const auto& cm = m.by_category[k];
            rows.push_back({rules[k].name_zh + "（" + fmt("%.0f", rules[k].radius_m) + " m）",
                            cm.population > 0 ? percent(cm.share, 0) : "—",
                            cm.median_m < 0 ? "—" : fmt("%.0f m", cm.median_m), cm.pass ? "✓" : "✗",
                            rules[k].clause});
        }
        pg.legend_table(rows, {0.30, 0.11, 0.13, 0.07, 0.39}, 0.8);
        pg.legend_swatch(kSequential[score_class(m.score)],
                         "本社区综合得分 " + fmt("%.1f", m.score) + " / 100");
        if (c < network.report.communities.size()) {
            pg.legend_heading("路网指标（窄马路、密路网）");
            pg.legend_table(network_rows(network.report.communities[c]), {0.58, 0.42}, 0.8);
        }
    }
    res.bytes = cv.finish();
    return res;
}

/// What a scenario edit is called on the map.
const char* edit_type_zh(const std::string& type) {
    if (type == "add_facility") return "新增设施";
    if (type == "move_facility") return "迁移设施";
    if (type == "close_facility") return "关闭设施";
    if (type == "add_stop") return "新增公交站";
    if (type == "remove_stop") return "撤销公交站";
    if (type == "add_link") return "新建连接";
    if (type == "close_way") return "封闭道路";
    if (type == "close_link") return "封闭连接";
    if (type == "set_population") return "调整人口";
    return "调整";
}

std::string cell(const io::Value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) return io::fixed(*d, 1);
    return "";
}

MapResult scenario_map(const MapInputs& in, const MapOptions& opt, Format format) {
    if (!in.scenario || !in.scenario->scenario || !in.scenario->outcome || !in.scenario->city)
        throw std::invalid_argument("scenario map without a scenario");
    const io::City& city = *in.city;
    const CoverageReport& report = *in.report;
    const scenarios::Scenario& sn = *in.scenario->scenario;
    const scenarios::ScenarioOutcome& o = *in.scenario->outcome;
    const scenarios::ScenarioCity& sc = *in.scenario->city;
    const std::string date = map_date(city, opt);
    Canvas cv(opt, format);
    const std::string title = city.config.name + " · 情景前后对比：" + o.name;
    cv.set_metadata(title, date);
    Page pg(cv, city, opt);
    MapResult res;
    pg.affine(res);
    pg.title(title, "新增覆盖减去失去覆盖的居民（各类设施合计，人次）· 全市得分 " +
                        fmt("%.1f", o.city_score_before) + " → " + fmt("%.1f", o.city_score_after) +
                        " · " + walker_text(city, opt) + " · OSM 数据 " + osm_date(city) + " · " +
                        date);
    pg.sources(source_lines(city, date));

    // Per community: residents newly covered and no longer covered, summed over categories.
    const std::size_t n = std::min(city.communities.size(), o.communities.size());
    std::vector<double> gained(n, 0), lost(n, 0);
    double most = 0;
    for (std::size_t c = 0; c < n; ++c) {
        for (const auto& k : o.communities[c].by_category) {
            gained[c] += k.gained;
            lost[c] += k.lost;
        }
        most = std::max(most, std::abs(gained[c] - lost[c]));
    }
    // Classes: no change below the CSV's 0.1 resolution; "strong" from half the largest change.
    const double strong = std::max(1.0, std::ceil(most / 2));
    auto cls = [&](std::size_t c) {
        const double net = gained[c] - lost[c];
        if (std::abs(net) < 0.05) return 2;
        if (net > 0) return net >= strong ? 4 : 3;
        return net <= -strong ? 0 : 1;
    };
    auto people = [&](std::uint32_t c) {
        const auto& m = report.communities[c];
        return !m.by_category.empty() && m.by_category[0].population > 0;
    };
    draw_basemap(pg, city, BasemapLayer::kUnder, &res.warnings);
    fill_communities(pg, city, [&](std::uint32_t c) {
        if (c >= n) return kNoPeople;
        const int k = cls(c);
        if (k == 2 && !people(c)) return kNoPeople;
        return kDiverging[k];
    });
    {  // losses hatched
        cairo_t* cr = pg.cr();
        cairo_save(cr);
        pg.clip_to_frame();
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        for (std::uint32_t c = 0; c < n; ++c) {
            if (cls(c) >= 2 || city.communities[c].area.empty()) continue;
            pg.path_multipolygon(city.communities[c].area);
        }
        hatch(cr, 4 * pg.unit(), 0.6 * pg.unit());
        cairo_restore(cr);
    }
    draw_basemap(pg, city, BasemapLayer::kOver);
    outline_communities(pg, city);
    draw_labels(pg, city, residents(report), res);

    // The edits, as changes.gpkg holds them: lines (links, moves, closed ways), then points
    // numbered by edit and named.
    const auto [points, lines] = scenarios::edit_layers(sn, sc);
    const Rgb edit_ink = hex(0x111111);
    cairo_t* cr = pg.cr();
    cairo_save(cr);
    pg.clip_to_frame();
    for (const io::Row& r : lines.rows) {
        const bool closed = cell(r.values[1]).rfind("close", 0) == 0;
        pg.path_line(r.line);
        const double dash[] = {4 * pg.unit(), 2.5 * pg.unit()};
        cairo_set_dash(cr, dash, closed ? 2 : 0, 0);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 4.2 * pg.unit());
        cairo_stroke_preserve(cr);
        set_colour(cr, closed ? kUncovered : edit_ink);
        cairo_set_line_width(cr, 2.2 * pg.unit());
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
    }
    std::vector<std::pair<std::string, std::string>> listed;  // "n 类型", name
    std::set<std::int64_t> seen;
    auto note = [&](const io::Row& r) {
        const std::int64_t idx = std::get<std::int64_t>(r.values[0]);
        if (!seen.insert(idx).second) return;
        std::string what = edit_type_zh(cell(r.values[1]));
        const std::string cat = cell(r.values[2]);
        for (const auto& rule : sc.rules)
            if (rule.id == cat) what += " " + rule.name_zh;
        listed.emplace_back(std::to_string(idx) + " " + what, cell(r.values[3]));
    };
    for (const io::Row& r : lines.rows) note(r);
    const TextStyle num_style{7 * pg.unit(), true, hex(0xffffff), -1, 0};
    const TextStyle name_style{8 * pg.unit(), true, edit_ink, -1, 1.6 * pg.unit()};
    for (const io::Row& r : points.rows) {
        note(r);
        const bool closed =
            cell(r.values[1]).rfind("close", 0) == 0 || cell(r.values[1]) == "remove_stop";
        auto [x, y] = pg.pt(r.point);
        const double rad = 6 * pg.unit();
        cairo_new_path(cr);
        cairo_arc(cr, x, y, rad, 0, 2 * kPi);
        set_colour(cr, closed ? kUncovered : edit_ink);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, 1.2 * pg.unit());
        cairo_stroke(cr);
        const std::string label = std::to_string(std::get<std::int64_t>(r.values[0]));
        const auto [tw, th] = measure(cr, label, num_style);
        draw_text(cr, x - tw / 2, y - th / 2, label, num_style);
        draw_text(cr, x + rad + 2 * pg.unit(), y - 5 * pg.unit(), cell(r.values[3]), name_style);
    }
    for (const io::Row& r : lines.rows) {  // a line's name at its middle
        if (r.line.empty()) continue;
        auto [x, y] = pg.pt(r.line[r.line.size() / 2]);
        draw_text(cr, x + 3 * pg.unit(), y - 5 * pg.unit(),
                  std::to_string(std::get<std::int64_t>(r.values[0])) + " " + cell(r.values[3]),
                  name_style);
    }
    cairo_restore(cr);
    pg.finish_frame();

    // The legend and `lc15 scenario`'s figures (the city rows of community_changes.csv).
    pg.legend_heading("社区居民覆盖变化（人次）");
    const std::string s = fmt("%.0f", strong);
    pg.legend_swatch(kDiverging[4], "新增 ≥ " + s);
    pg.legend_swatch(kDiverging[3], "新增 < " + s);
    pg.legend_swatch(kDiverging[2], "无变化");
    pg.legend_swatch(kDiverging[1], "减少 < " + s + "（斜线）", true, true);
    pg.legend_swatch(kDiverging[0], "减少 ≥ " + s + "（斜线）", true, true);
    pg.legend_swatch(kNoPeople, "无居民");
    pg.legend_gap(4);
    pg.legend_heading("情景修改（" + std::to_string(listed.size()) + " 项）");
    std::vector<std::vector<std::string>> edits{{"修改", "名称"}};
    for (const auto& [what, name] : listed) edits.push_back({what, name});
    pg.legend_table(edits, {0.45, 0.55}, 0.85);
    pg.legend_gap(4);
    pg.legend_heading("全市变化（lc15 scenario）");
    pg.legend_text(
        "全市得分 " + io::fixed(o.city_score_before, 3) + " → " + io::fixed(o.city_score_after, 3),
        0.95);
    std::vector<std::vector<std::string>> table{{"类别", "之前", "之后", "新增", "失去"}};
    const auto header = scenarios::community_changes_header();
    auto col = [&](const char* name) {
        return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) -
                                        header.begin());
    };
    for (const auto& row : scenarios::community_changes_rows(o, sc.rules)) {
        if (cell(row[col("community")]) != scenarios::kCityRowName) continue;
        const std::string g = cell(row[col("gained")]), l = cell(row[col("lost")]);
        if (g == "0" && l == "0") continue;
        table.push_back({cell(row[col("category_zh")]), cell(row[col("covered_before")]),
                         cell(row[col("covered_after")]), g, l});
    }
    if (table.size() == 1) table.push_back({"（无变化）", "", "", "", ""});
    pg.legend_table(table, {0.32, 0.19, 0.19, 0.15, 0.15}, 0.85);
    pg.legend_text("同 community_changes.csv 的全市行；各社区见该文件。", 0.85);
    pg.legend_gap(4);
    list_dropped(pg, res.dropped);
    res.bytes = cv.finish();
    return res;
}

}  // namespace

MapResult render_map(const MapInputs& inputs, const MapSpec& spec, const MapOptions& options,
                     Format format) {
    if (!inputs.city || !inputs.model || !inputs.report)
        throw std::invalid_argument("render_map: city, model and report are required");
    switch (spec.kind) {
        case MapKind::kOverview:
            return overview(inputs, options, format);
        case MapKind::kCategory:
            return category_map(inputs, spec.category, options, format);
        case MapKind::kBus:
            return bus_map(inputs, options, format);
        case MapKind::kAtlas:
            return atlas(inputs, options, format);
        case MapKind::kScenario:
            return scenario_map(inputs, options, format);
    }
    throw std::invalid_argument("render_map: unknown kind");
}

std::vector<std::string> write_maps(io::OutputDir& out, const MapInputs& inputs,
                                    const MapPlan& plan, const MapOptions& options,
                                    std::vector<std::string>* warnings) {
    struct Job {
        MapSpec spec;
        Format format;
        std::string name;
    };
    std::vector<Job> jobs;
    auto add = [&](MapSpec s, const std::string& stem) {
        for (Format f : plan.formats) jobs.push_back({s, f, stem + "." + extension(f)});
    };
    if (plan.overview) add({MapKind::kOverview, 0}, "map_overview");
    for (std::uint32_t k : plan.categories)
        add({MapKind::kCategory, k}, "map_" + inputs.model->rules().at(k).id);
    if (plan.bus && inputs.bus) add({MapKind::kBus, 0}, "map_bus");
    if (!plan.scenario_stem.empty() && inputs.scenario)
        add({MapKind::kScenario, 0}, plan.scenario_stem);
    if (plan.atlas && !inputs.city->communities.empty() &&
        std::find(plan.formats.begin(), plan.formats.end(), Format::kPdf) != plan.formats.end())
        jobs.push_back({{MapKind::kAtlas, 0}, Format::kPdf, "map_atlas.pdf"});
    // The overview and the atlas show the network indicators: computed once for both.
    MapInputs in = inputs;
    std::optional<io::NetworkFigures> own;
    if (!in.network && std::any_of(jobs.begin(), jobs.end(), [](const Job& j) {
            return j.spec.kind == MapKind::kOverview || j.spec.kind == MapKind::kAtlas;
        }))
        in.network = &own.emplace(io::network_figures(*in.city));
    std::vector<MapResult> results(jobs.size());
    tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t i) {
        results[i] = render_map(in, jobs[i].spec, options, jobs[i].format);
    });
    std::vector<std::string> names;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        io::write_file_atomic(out.stage(jobs[i].name), results[i].bytes);
        names.push_back(jobs[i].name);
        if (!warnings) continue;
        for (const std::string& w : results[i].warnings) {
            if (std::find(warnings->begin(), warnings->end(), w) == warnings->end())
                warnings->push_back(w);
        }
    }
    if (plan.page) {
        io::write_file_atomic(out.stage("map.html"), render_page(in, options));
        names.push_back("map.html");
    }
    return names;
}

}  // namespace lc15::maps
