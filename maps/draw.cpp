// lc15 maps — the drawing kit (maps/draw.hpp): surfaces, text, page layout, basemap, service
// areas, labels.
#include "maps/draw.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <png.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

#include "engine/search.hpp"
#include "lc15_version.hpp"
#include "maps/sea.hpp"

namespace lc15::maps {
namespace detail {

Rgb hex(std::uint32_t v) {
    return {((v >> 16) & 0xff) / 255.0, ((v >> 8) & 0xff) / 255.0, (v & 0xff) / 255.0};
}
void set_colour(cairo_t* cr, Rgb c, double alpha) {
    if (alpha >= 1.0) {
        cairo_set_source_rgb(cr, c.r, c.g, c.b);
    } else {
        cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha);
    }
}

const Rgb kSequential[5] = {hex(0xffffcc), hex(0xa1dab4), hex(0x41b6c4), hex(0x2c7fb8),
                            hex(0x253494)};
const Rgb kDiverging[5] = {hex(0xe66101), hex(0xfdb863), hex(0xf7f7f7), hex(0xb2abd2),
                           hex(0x5e3c99)};
const Rgb kNoPeople = hex(0xd9d9d9);
const Rgb kPaper = hex(0xf5f4f0);
const Rgb kInk = hex(0x222222);
const Rgb kUncovered = hex(0xe6550d);
const Rgb kService = hex(0x7a0177);
const Rgb kFacility = hex(0xb10026);
const Rgb kWater = hex(0xa9cfe8);

int share_class(double share) {
    if (share >= 1.0) return 4;
    if (share >= 0.75) return 3;
    if (share >= 0.5) return 2;
    if (share >= 0.25) return 1;
    return 0;
}
int score_class(double score) {
    return std::clamp(static_cast<int>(std::floor(score / 20.0)), 0, 4);
}

std::string percent(double share, int decimals) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f %%", decimals, 100.0 * share);
    return buf;
}

// --- Canvas ---

namespace {
cairo_status_t append_bytes(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}
constexpr double kPointsPerMm = 72.0 / 25.4;
}  // namespace

namespace {
/// An RGB24 image surface as PNG with libpng: one filter (Sub) and zlib level 2 instead of
/// cairo's adaptive filtering at the default level, which spent two thirds of a 300 dpi map's
/// time choosing filters; flat map colours compress well with Sub alone. pHYs holds the dpi.
void write_png(cairo_surface_t* s, double dpi, std::string& out) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) throw std::runtime_error("png: out of memory");
    const int w = cairo_image_surface_get_width(s), h = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    std::vector<unsigned char> row(static_cast<std::size_t>(w) * 3);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw std::runtime_error("png: encoding failed");
    }
    png_set_write_fn(
        png, &out,
        [](png_structp p, png_bytep d, png_size_t n) {
            static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<char*>(d), n);
        },
        nullptr);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    const auto ppm = static_cast<png_uint_32>(std::lround(dpi / 0.0254));
    png_set_pHYs(png, info, ppm, ppm, PNG_RESOLUTION_METER);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
    png_set_compression_level(png, 2);
    png_write_info(png, info);
    for (int y = 0; y < h; ++y) {
        const auto* px = reinterpret_cast<const std::uint32_t*>(data + std::size_t(y) * stride);
        for (int x = 0; x < w; ++x) {
            row[3 * x] = static_cast<unsigned char>(px[x] >> 16);
            row[3 * x + 1] = static_cast<unsigned char>(px[x] >> 8);
            row[3 * x + 2] = static_cast<unsigned char>(px[x]);
        }
        png_write_row(png, row.data());
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
}

/// Cairo names SVG groups "surfaceN" after a process-wide counter: number them in order of
/// appearance instead, so that the same map gives the same bytes in any process or thread.
void renumber_surfaces(std::string& svg) {
    std::map<std::string, std::string> ids;
    std::string out;
    out.reserve(svg.size());
    const std::string key = "surface";
    std::size_t pos = 0;
    while (true) {
        const std::size_t at = svg.find(key, pos);
        if (at == std::string::npos) break;
        std::size_t end = at + key.size();
        while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
        out.append(svg, pos, at + key.size() - pos);
        if (end > at + key.size()) {
            const std::string n = svg.substr(at + key.size(), end - at - key.size());
            auto it = ids.try_emplace(n, std::to_string(ids.size() + 1)).first;
            out += it->second;
        }
        pos = end;
    }
    out.append(svg, pos, std::string::npos);
    svg = std::move(out);
}
}  // namespace

Canvas::Canvas(const MapOptions& options, Format format) : format_(format), dpi_(options.png_dpi) {
    const Paper& p = options.paper;
    w_ = (p.portrait ? std::min(p.width_mm, p.height_mm) : std::max(p.width_mm, p.height_mm)) *
         kPointsPerMm;
    h_ = (p.portrait ? std::max(p.width_mm, p.height_mm) : std::min(p.width_mm, p.height_mm)) *
         kPointsPerMm;
    switch (format) {
        case Format::kPdf:
            surface_ = cairo_pdf_surface_create_for_stream(append_bytes, &bytes_, w_, h_);
            break;
        case Format::kSvg:
            surface_ = cairo_svg_surface_create_for_stream(append_bytes, &bytes_, w_, h_);
            cairo_svg_surface_set_document_unit(surface_, CAIRO_SVG_UNIT_PT);
            break;
        case Format::kPng: {
            check_png_size(options);
            const double k = options.png_dpi / 72.0;
            surface_ =
                cairo_image_surface_create(CAIRO_FORMAT_RGB24, static_cast<int>(std::ceil(w_ * k)),
                                           static_cast<int>(std::ceil(h_ * k)));
            break;
        }
    }
    if (cairo_surface_status(surface_) != CAIRO_STATUS_SUCCESS)
        throw std::runtime_error(std::string("cairo surface: ") +
                                 cairo_status_to_string(cairo_surface_status(surface_)));
    cr_ = cairo_create(surface_);
    if (format == Format::kPng) {
        const double k = options.png_dpi / 72.0;
        cairo_scale(cr_, k, k);
    }
    cairo_set_source_rgb(cr_, 1, 1, 1);
    cairo_paint(cr_);
}

void Canvas::set_metadata(const std::string& title, const std::string& date) {
    if (format_ != Format::kPdf) return;
    cairo_surface_t* s = surface_;
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "lc15 " LC15_VERSION);
    const std::string iso = date + "T00:00:00Z";
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, iso.c_str());
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_MOD_DATE, iso.c_str());
}

Canvas::~Canvas() {
    if (cr_) cairo_destroy(cr_);
    if (surface_) cairo_surface_destroy(surface_);
}

std::string Canvas::finish() {
    cairo_show_page(cr_);
    if (format_ == Format::kPng) {
        cairo_surface_flush(surface_);
        write_png(surface_, dpi_, bytes_);
    }
    cairo_destroy(cr_);
    cr_ = nullptr;
    cairo_surface_finish(surface_);
    const cairo_status_t st = cairo_surface_status(surface_);
    cairo_surface_destroy(surface_);
    surface_ = nullptr;
    if (st != CAIRO_STATUS_SUCCESS)
        throw std::runtime_error(std::string("cairo: ") + cairo_status_to_string(st));
    if (format_ == Format::kSvg) renumber_surfaces(bytes_);
    return std::move(bytes_);
}

}  // namespace detail

// --- walking service area ---

std::vector<EdgeSpan> reach_spans(const WalkGraph& g, const std::vector<SnapResult>& points,
                                  Distance radius_cm, bool access_legs,
                                  std::uint8_t forbidden_flags) {
    std::vector<SearchSource> src;
    for (std::uint32_t i = 0; i < points.size(); ++i) {
        if (!points[i].ok()) continue;
        for (const SearchSource& s : points[i].sources(g, i, access_legs)) src.push_back(s);
    }
    std::vector<EdgeSpan> spans;
    if (src.empty()) return spans;
    MultiSourceDijkstra search(g);
    search.run(
        src, radius_cm, [](VertexId, Distance, std::uint32_t) {}, forbidden_flags);
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (g.edge_flags(e) & forbidden_flags) continue;
        const Distance len = g.edge_length(e);
        const Distance dt = search.distance(g.edge_tail(e)), dh = search.distance(g.edge_head(e));
        const Distance rt = dt == kInfDistance ? 0 : radius_cm - dt;
        const Distance rh = dh == kInfDistance ? 0 : radius_cm - dh;
        if (dt == kInfDistance && dh == kInfDistance) continue;
        if (rt + rh >= len) {
            spans.push_back({e, 0, len});
            continue;
        }
        if (dt != kInfDistance && rt > 0) spans.push_back({e, 0, rt});
        if (dh != kInfDistance && rh > 0) spans.push_back({e, len - rh, len});
    }
    // The stretch around each point along its own edge.
    for (const SnapResult& s : points) {
        if (!s.ok() || (g.edge_flags(s.edge) & forbidden_flags)) continue;
        const Distance acc = access_legs ? s.access : 0;
        if (acc > radius_cm) continue;
        const Distance r = radius_cm - acc;
        const Distance from = s.off_tail > r ? s.off_tail - r : 0;
        const Distance to = std::min<Distance>(g.edge_length(s.edge), s.off_tail + r);
        spans.push_back({s.edge, from, to});
    }
    std::sort(spans.begin(), spans.end(), [](const EdgeSpan& a, const EdgeSpan& b) {
        return std::tie(a.edge, a.from_cm, a.to_cm) < std::tie(b.edge, b.from_cm, b.to_cm);
    });
    return spans;
}

Pixels decode_png(const std::string& png) {
    struct Reader {
        const std::string* s;
        std::size_t pos = 0;
    } rd{&png};
    auto read = [](void* closure, unsigned char* data, unsigned int length) -> cairo_status_t {
        auto* r = static_cast<Reader*>(closure);
        if (r->pos + length > r->s->size()) return CAIRO_STATUS_READ_ERROR;
        std::copy_n(r->s->data() + r->pos, length, data);
        r->pos += length;
        return CAIRO_STATUS_SUCCESS;
    };
    cairo_surface_t* s = cairo_image_surface_create_from_png_stream(read, &rd);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        throw std::runtime_error("not a PNG");
    }
    Pixels px;
    px.width = cairo_image_surface_get_width(s);
    px.height = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    px.rgb.resize(static_cast<std::size_t>(px.width) * px.height);
    for (int y = 0; y < px.height; ++y) {
        const auto* row = reinterpret_cast<const std::uint32_t*>(data + y * stride);
        for (int x = 0; x < px.width; ++x)
            px.rgb[std::size_t(y) * px.width + x] = row[x] & 0xffffff;
    }
    cairo_surface_destroy(s);
    return px;
}

namespace detail {

// --- text ---

namespace {
PangoLayout* make_layout(cairo_t* cr, const std::string& text, const TextStyle& st) {
    PangoLayout* layout = pango_cairo_create_layout(cr);
    PangoContext* ctx = pango_layout_get_context(layout);
    cairo_font_options_t* fo = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(ctx, fo);
    cairo_font_options_destroy(fo);
    pango_context_set_language(ctx, pango_language_from_string("zh-cn"));
    pango_layout_context_changed(layout);
    PangoFontDescription* fd = pango_font_description_new();
    pango_font_description_set_family(fd, "Noto Sans CJK SC");
    pango_font_description_set_weight(fd, st.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_absolute_size(fd, st.size * PANGO_SCALE);
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
    PangoAttrList* attrs = pango_attr_list_new();
    pango_attr_list_insert(attrs, pango_attr_language_new(pango_language_from_string("zh-cn")));
    pango_layout_set_attributes(layout, attrs);
    pango_attr_list_unref(attrs);
    if (st.width > 0) {
        pango_layout_set_width(layout, static_cast<int>(st.width * PANGO_SCALE));
        pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    }
    pango_layout_set_text(layout, text.c_str(), static_cast<int>(text.size()));
    return layout;
}
}  // namespace

std::pair<double, double> measure(cairo_t*, const std::string& text, const TextStyle& style) {
    // Measured on one unscaled context per thread, so that label placement (which labels fit)
    // is the same in the PDF, the SVG and a PNG of any dpi.
    struct Measurer {
        cairo_surface_t* s = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, nullptr);
        cairo_t* cr = cairo_create(s);
        ~Measurer() {
            cairo_destroy(cr);
            cairo_surface_destroy(s);
        }
    };
    thread_local Measurer m;
    PangoLayout* layout = make_layout(m.cr, text, style);
    int w = 0, h = 0;
    pango_layout_get_size(layout, &w, &h);
    g_object_unref(layout);
    return {double(w) / PANGO_SCALE, double(h) / PANGO_SCALE};
}

double draw_text(cairo_t* cr, double x, double y, const std::string& text, const TextStyle& style) {
    PangoLayout* layout = make_layout(cr, text, style);
    int w = 0, h = 0;
    pango_layout_get_size(layout, &w, &h);
    cairo_save(cr);
    if (style.halo > 0) {
        cairo_move_to(cr, x, y);
        pango_cairo_layout_path(cr, layout);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
        cairo_set_line_width(cr, 2 * style.halo);
        cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        cairo_stroke(cr);
    }
    cairo_move_to(cr, x, y);
    set_colour(cr, style.colour);
    pango_cairo_show_layout(cr, layout);
    cairo_restore(cr);
    cairo_new_path(cr);  // no current point left for the next arc or line
    g_object_unref(layout);
    return double(h) / PANGO_SCALE;
}

// --- page ---

namespace {
Extent city_extent(const io::City& city, const LocalProjection& proj) {
    Extent e{1e300, 1e300, -1e300, -1e300};
    auto add = [&](LonLat p) {
        auto [x, y] = proj.forward(p);
        e.minx = std::min(e.minx, x);
        e.maxx = std::max(e.maxx, x);
        e.miny = std::min(e.miny, y);
        e.maxy = std::max(e.maxy, y);
    };
    if (city.config.bbox) {
        const auto& b = *city.config.bbox;
        add({b[0], b[1]});
        add({b[2], b[3]});
        return e;
    }
    for (const auto& c : city.communities) {
        if (c.area.empty()) continue;
        auto [lo, hi] = bounds(c.area);
        add(lo);
        add(hi);
    }
    for (const auto& h : city.homes) add(h.pos);
    if (e.minx > e.maxx) {
        const WalkGraph& g = city.osm.graph;
        for (VertexId v = 0; v < g.num_vertices(); ++v) add(g.coord(v));
    }
    if (e.minx > e.maxx) e = {-500, -500, 500, 500};
    return e;
}

LonLat extent_centre(const io::City& city) {
    if (city.config.bbox) {
        const auto& b = *city.config.bbox;
        return {(b[0] + b[2]) / 2, (b[1] + b[3]) / 2};
    }
    const LocalProjection p0({0, 0});
    double lo_lon = 1e300, lo_lat = 1e300, hi_lon = -1e300, hi_lat = -1e300;
    auto add = [&](LonLat p) {
        lo_lon = std::min(lo_lon, p.lon);
        hi_lon = std::max(hi_lon, p.lon);
        lo_lat = std::min(lo_lat, p.lat);
        hi_lat = std::max(hi_lat, p.lat);
    };
    for (const auto& c : city.communities) {
        if (c.area.empty()) continue;
        auto [lo, hi] = bounds(c.area);
        add(lo);
        add(hi);
    }
    for (const auto& h : city.homes) add(h.pos);
    if (lo_lon > hi_lon) {
        const WalkGraph& g = city.osm.graph;
        for (VertexId v = 0; v < g.num_vertices(); ++v) add(g.coord(v));
    }
    if (lo_lon > hi_lon) return {0, 0};
    return {(lo_lon + hi_lon) / 2, (lo_lat + hi_lat) / 2};
}
}  // namespace

Page::Page(Canvas& canvas, const io::City& city, const MapOptions&,
           const std::pair<LonLat, LonLat>* focus)
    : cr_(canvas.cr()) {
    pw_ = canvas.width();
    ph_ = canvas.height();
    unit_ = std::clamp(std::min(pw_, ph_) / (297 * kPointsPerMm), 0.7, 2.0);
    const double m = 10 * kPointsPerMm * std::min(unit_, 1.3);
    const double title_h = 50 * unit_;
    pwid_ = std::clamp(0.24 * pw_, 62 * kPointsPerMm * std::min(1.0, unit_), 160 * kPointsPerMm);
    const double gap = 5 * kPointsPerMm;
    fx_ = m;
    fy_ = m + title_h;
    fw_ = pw_ - 2 * m - pwid_ - gap;
    fh_ = ph_ - m - fy_;
    px_ = fx_ + fw_ + gap;
    py_ = fy_;
    panel_bottom_ = ph_ - m;

    double pad = 0.02;
    if (focus) {
        proj_ = LocalProjection({(focus->first.lon + focus->second.lon) / 2,
                                 (focus->first.lat + focus->second.lat) / 2});
        auto [x0, y0] = proj_.forward(focus->first);
        auto [x1, y1] = proj_.forward(focus->second);
        ext_ = {std::min(x0, x1), std::min(y0, y1), std::max(x0, x1), std::max(y0, y1)};
        pad = 0.15;
    } else {
        proj_ = LocalProjection(extent_centre(city));
        ext_ = city_extent(city, proj_);
    }
    const double margin_m = focus ? 20 : 1;
    const double padx = pad * (ext_.maxx - ext_.minx) + margin_m,
                 pady = pad * (ext_.maxy - ext_.miny) + margin_m;
    ext_.minx -= padx;
    ext_.maxx += padx;
    ext_.miny -= pady;
    ext_.maxy += pady;
    const double dx = ext_.maxx - ext_.minx, dy = ext_.maxy - ext_.miny;
    scale_ = std::min(fw_ / dx, fh_ / dy);
    ox_ = (fw_ - dx * scale_) / 2;
    oy_ = (fh_ - dy * scale_) / 2;

    set_colour(cr_, kPaper);
    cairo_rectangle(cr_, fx_, fy_, fw_, fh_);
    cairo_fill(cr_);
}

std::pair<double, double> Page::pt(LonLat p) const {
    auto [x, y] = proj_.forward(p);
    return {fx_ + ox_ + (x - ext_.minx) * scale_, fy_ + oy_ + (ext_.maxy - y) * scale_};
}

void Page::affine(MapResult& r) const {
    const LonLat o = proj_.origin();
    const auto p0 = pt(o), px = pt({o.lon + 1, o.lat}), py = pt({o.lon, o.lat + 1});
    r.bx = px.first - p0.first;
    r.by = py.second - p0.second;
    r.ax = p0.first - r.bx * o.lon;
    r.ay = p0.second - r.by * o.lat;
}

bool Page::visible(LonLat a, LonLat b) const {
    auto [x0, y0] = pt(a);
    auto [x1, y1] = pt(b);
    return std::max(x0, x1) >= fx_ && std::min(x0, x1) <= fx_ + fw_ && std::max(y0, y1) >= fy_ &&
           std::min(y0, y1) <= fy_ + fh_;
}

std::pair<LonLat, LonLat> Page::frame_bounds() const {
    // Page point (fx + ox + (x - minx) s, fy + oy + (maxy - y) s) back to local metres.
    const double x0 = ext_.minx - ox_ / scale_, x1 = ext_.minx + (fw_ - ox_) / scale_;
    const double y1 = ext_.maxy + oy_ / scale_, y0 = ext_.maxy - (fh_ - oy_) / scale_;
    const LonLat a = proj_.inverse(x0, y0), b = proj_.inverse(x1, y1);
    return {{std::min(a.lon, b.lon), std::min(a.lat, b.lat)},
            {std::max(a.lon, b.lon), std::max(a.lat, b.lat)}};
}

void Page::clip_to_frame() const {
    cairo_rectangle(cr_, fx_, fy_, fw_, fh_);
    cairo_clip(cr_);
}

void Page::path_points(std::span<const LonLat> points, bool close) const {
    // Points closer than a tenth of a millimetre to the last one drawn add nothing visible
    // but bytes and time (a whole city's streets on one page): skipped, the last one kept.
    constexpr double kMinStep = 0.3;  // points
    double lx = 0, ly = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        auto [x, y] = pt(points[i]);
        if (i == 0) {
            cairo_move_to(cr_, x, y);
        } else if (std::abs(x - lx) >= kMinStep || std::abs(y - ly) >= kMinStep ||
                   i + 1 == points.size()) {
            cairo_line_to(cr_, x, y);
        } else {
            continue;
        }
        lx = x;
        ly = y;
    }
    if (close && !points.empty()) cairo_close_path(cr_);
}

void Page::path_line_part(std::span<const LonLat> points, bool reversed, bool joined) const {
    // The points path_points keeps, chosen from the first one whichever way they are drawn.
    constexpr double kMinStep = 0.3;  // points, as in path_points
    thread_local std::vector<std::pair<double, double>> kept;
    kept.clear();
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto [x, y] = pt(points[i]);
        if (i == 0 || std::abs(x - kept.back().first) >= kMinStep ||
            std::abs(y - kept.back().second) >= kMinStep || i + 1 == points.size())
            kept.emplace_back(x, y);
    }
    if (reversed) std::reverse(kept.begin(), kept.end());
    for (std::size_t i = 0; i < kept.size(); ++i) {
        if (i == 0 && joined) continue;  // the current point already
        if (i == 0) {
            cairo_move_to(cr_, kept[i].first, kept[i].second);
        } else {
            cairo_line_to(cr_, kept[i].first, kept[i].second);
        }
    }
}

void Page::path_ring(const Ring& ring) const { path_points(ring, true); }

void Page::path_multipolygon(const MultiPolygon& mp) const {
    for (const Polygon& poly : mp) {
        path_ring(poly.outer);
        for (const Ring& r : poly.inners) path_ring(r);
    }
}

void Page::path_line(const std::vector<LonLat>& line) const { path_points(line, false); }

void Page::title(const std::string& title, const std::string& subtitle) {
    const double m = fx_;
    draw_text(cr_, m, m - 4 * unit_, title, {20 * unit_, true, kInk, pw_ - 2 * m});
    draw_text(cr_, m, m + 25 * unit_, subtitle, {9.5 * unit_, false, hex(0x444444), pw_ - 2 * m});
}

namespace {
double nice_length(double metres) {
    const double p = std::pow(10.0, std::floor(std::log10(metres)));
    for (double f : {5.0, 2.0, 1.0})
        if (f * p <= metres) return f * p;
    return p;
}
std::string metres_text(double m) {
    char buf[32];
    if (m >= 1000) {
        std::snprintf(buf, sizeof buf, "%g km", m / 1000);
    } else {
        std::snprintf(buf, sizeof buf, "%g m", m);
    }
    return buf;
}
}  // namespace

void Page::finish_frame() {
    cairo_save(cr_);
    // Scale bar, bottom left inside the frame.
    const double len_m = nice_length(fw_ / 5 / scale_);
    const double len = len_m * scale_;
    const double bx = fx_ + 12 * unit_, by = fy_ + fh_ - 26 * unit_, bh = 4.5 * unit_;
    cairo_set_source_rgba(cr_, 1, 1, 1, 0.85);
    cairo_rectangle(cr_, bx - 6 * unit_, by - 15 * unit_, len + 40 * unit_, 36 * unit_);
    cairo_fill(cr_);
    for (int i = 0; i < 4; ++i) {
        cairo_rectangle(cr_, bx + i * len / 4, by, len / 4, bh);
        if (i % 2 == 0)
            set_colour(cr_, kInk);
        else
            cairo_set_source_rgb(cr_, 1, 1, 1);
        cairo_fill_preserve(cr_);
        set_colour(cr_, kInk);
        cairo_set_line_width(cr_, 0.6 * unit_);
        cairo_stroke(cr_);
    }
    const TextStyle small{7 * unit_, false, kInk};
    auto label_at = [&](double x, const std::string& t) {
        const auto [w, h] = measure(cr_, t, small);
        draw_text(cr_, x - w / 2, by + bh + 1.5 * unit_, t, small);
    };
    label_at(bx, "0");
    const std::string half = metres_text(len_m / 2);
    label_at(bx + len / 2, half.substr(0, half.find(' ')));
    label_at(bx + len, metres_text(len_m));
    draw_text(cr_, bx, by - 13 * unit_, "比例尺（步行距离按路网计）", small);

    // North arrow, top right inside the frame.
    const double ax = fx_ + fw_ - 22 * unit_, ay = fy_ + 14 * unit_, ah = 26 * unit_;
    cairo_set_source_rgba(cr_, 1, 1, 1, 0.85);
    cairo_rectangle(cr_, ax - 14 * unit_, ay - 4 * unit_, 28 * unit_, ah + 22 * unit_);
    cairo_fill(cr_);
    cairo_move_to(cr_, ax, ay);
    cairo_line_to(cr_, ax - 7 * unit_, ay + ah);
    cairo_line_to(cr_, ax, ay + ah * 0.72);
    cairo_close_path(cr_);
    set_colour(cr_, kInk);
    cairo_fill(cr_);
    cairo_move_to(cr_, ax, ay);
    cairo_line_to(cr_, ax + 7 * unit_, ay + ah);
    cairo_line_to(cr_, ax, ay + ah * 0.72);
    cairo_close_path(cr_);
    cairo_set_source_rgb(cr_, 1, 1, 1);
    cairo_fill_preserve(cr_);
    set_colour(cr_, kInk);
    cairo_set_line_width(cr_, 0.6 * unit_);
    cairo_stroke(cr_);
    const TextStyle n{8 * unit_, true, kInk};
    const auto [nw, nh] = measure(cr_, "北 N", n);
    draw_text(cr_, ax - nw / 2, ay + ah + 1 * unit_, "北 N", n);

    // Frame border.
    set_colour(cr_, kInk);
    cairo_set_line_width(cr_, 0.8 * unit_);
    cairo_rectangle(cr_, fx_, fy_, fw_, fh_);
    cairo_stroke(cr_);
    cairo_restore(cr_);
}

void Page::legend_heading(const std::string& text) {
    py_ += draw_text(cr_, px_, py_, text, {10.5 * unit_, true, kInk, pwid_}) + 3 * unit_;
}

void hatch(cairo_t* cr, double spacing, double width) {
    cairo_save(cr);
    cairo_clip(cr);
    double x0, y0, x1, y1;
    cairo_clip_extents(cr, &x0, &y0, &x1, &y1);
    // Lines at 45 degrees, on a grid fixed to the page so that neighbours' hatches line up.
    const double first = std::floor((x0 + y0) / spacing) * spacing;
    for (double c = first; c <= x1 + y1; c += spacing) {
        cairo_move_to(cr, c - y0, y0);
        cairo_line_to(cr, c - y1, y1);
    }
    set_colour(cr, kInk, 0.55);
    cairo_set_line_width(cr, width);
    cairo_stroke(cr);
    cairo_restore(cr);
}

void Page::legend_swatch(Rgb fill, const std::string& text, bool outline, bool hatched) {
    const double sw = 22 * unit_, sh = 12 * unit_;
    set_colour(cr_, fill);
    cairo_rectangle(cr_, px_, py_, sw, sh);
    if (hatched) {
        cairo_fill_preserve(cr_);
        hatch(cr_, 4 * unit_, 0.6 * unit_);
        cairo_rectangle(cr_, px_, py_, sw, sh);
    } else {
        cairo_fill_preserve(cr_);
    }
    set_colour(cr_, outline ? hex(0x666666) : fill);
    cairo_set_line_width(cr_, 0.5 * unit_);
    cairo_stroke(cr_);
    const double h = draw_text(cr_, px_ + sw + 6 * unit_, py_ - 0.5 * unit_, text,
                               {8.5 * unit_, false, kInk, pwid_ - sw - 6 * unit_});
    py_ += std::max(sh, h) + 3 * unit_;
}

void Page::legend_symbol(Symbol s, Rgb colour, const std::string& text) {
    const double sw = 22 * unit_, sh = 12 * unit_;
    const double cx = px_ + sw / 2, cy = py_ + sh / 2;
    cairo_save(cr_);
    cairo_new_path(cr_);
    switch (s) {
        case Symbol::kDot:
        case Symbol::kUncoveredDot:
            cairo_arc(cr_, cx, cy, 2.6 * unit_, 0, 2 * kPi);
            set_colour(cr_, colour);
            cairo_fill_preserve(cr_);
            set_colour(cr_, kInk);
            cairo_set_line_width(cr_, 0.5 * unit_);
            cairo_stroke(cr_);
            break;
        case Symbol::kFacility:
            cairo_move_to(cr_, cx, cy - 5 * unit_);
            cairo_line_to(cr_, cx + 5 * unit_, cy + 4 * unit_);
            cairo_line_to(cr_, cx - 5 * unit_, cy + 4 * unit_);
            cairo_close_path(cr_);
            set_colour(cr_, colour);
            cairo_fill_preserve(cr_);
            cairo_set_source_rgb(cr_, 1, 1, 1);
            cairo_set_line_width(cr_, 0.8 * unit_);
            cairo_stroke(cr_);
            break;
        case Symbol::kLine:
        case Symbol::kDashedLine: {
            const bool dashed = s == Symbol::kDashedLine;  // a hop drawn straight
            const double dash[] = {4 * unit_, 2.5 * unit_};
            if (dashed) cairo_set_dash(cr_, dash, 2, 0);
            cairo_move_to(cr_, px_, cy);
            cairo_line_to(cr_, px_ + sw, cy);
            set_colour(cr_, colour, 0.75);
            cairo_set_line_width(cr_, (dashed ? 2 : 3.5) * unit_);
            cairo_stroke(cr_);
            break;
        }
        case Symbol::kStop:
            cairo_rectangle(cr_, cx - 2.5 * unit_, cy - 2.5 * unit_, 5 * unit_, 5 * unit_);
            set_colour(cr_, colour);
            cairo_fill_preserve(cr_);
            cairo_set_source_rgb(cr_, 1, 1, 1);
            cairo_set_line_width(cr_, 0.6 * unit_);
            cairo_stroke(cr_);
            break;
        case Symbol::kGap:
            cairo_arc(cr_, cx, cy, 5 * unit_, 0, 2 * kPi);
            set_colour(cr_, colour, 0.7);
            cairo_fill_preserve(cr_);
            set_colour(cr_, kInk);
            cairo_set_line_width(cr_, 0.5 * unit_);
            cairo_stroke(cr_);
            break;
    }
    cairo_restore(cr_);
    const double h = draw_text(cr_, px_ + sw + 6 * unit_, py_ - 0.5 * unit_, text,
                               {8.5 * unit_, false, kInk, pwid_ - sw - 6 * unit_});
    py_ += std::max(sh, h) + 3 * unit_;
}

void Page::legend_text(const std::string& text, double size_factor) {
    py_ +=
        draw_text(cr_, px_, py_, text, {8 * unit_ * size_factor, false, kInk, pwid_}) + 2 * unit_;
}

void Page::legend_gap(double points) { py_ += points * unit_; }

double Page::panel_remaining() const { return panel_bottom_ - py_; }

void Page::legend_table(const std::vector<std::vector<std::string>>& rows,
                        const std::vector<double>& widths, double size_factor) {
    const TextStyle st{7.5 * unit_ * size_factor, false, kInk};
    for (std::size_t r = 0; r < rows.size(); ++r) {
        double x = px_, h = 0;
        TextStyle cell = st;
        cell.bold = r == 0;
        for (std::size_t c = 0; c < rows[r].size() && c < widths.size(); ++c) {
            cell.width = widths[c] * pwid_ - 2 * unit_;
            h = std::max(h, draw_text(cr_, x, py_, rows[r][c], cell));
            x += widths[c] * pwid_;
        }
        py_ += h + 1 * unit_;
        if (r == 0) {
            set_colour(cr_, hex(0x888888));
            cairo_set_line_width(cr_, 0.4 * unit_);
            cairo_move_to(cr_, px_, py_);
            cairo_line_to(cr_, px_ + pwid_, py_);
            cairo_stroke(cr_);
            py_ += 1.5 * unit_;
        }
    }
    py_ += 2 * unit_;
}

void Page::sources(const std::vector<std::string>& lines) {
    const TextStyle st{7 * unit_, false, hex(0x444444), pwid_};
    double total = 0;
    std::vector<double> hs;
    for (const auto& l : lines) {
        hs.push_back(measure(cr_, l, st).second);
        total += hs.back() + 1 * unit_;
    }
    double y = panel_bottom_ - total;
    set_colour(cr_, hex(0x888888));
    cairo_set_line_width(cr_, 0.4 * unit_);
    cairo_move_to(cr_, px_, y - 3 * unit_);
    cairo_line_to(cr_, px_ + pwid_, y - 3 * unit_);
    cairo_stroke(cr_);
    panel_bottom_ = y - 6 * unit_;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        draw_text(cr_, px_, y, lines[i], st);
        y += hs[i] + 1 * unit_;
    }
}

// --- basemap ---

void draw_basemap(const Page& page, const io::City& city, BasemapLayer layer,
                  std::vector<std::string>* warnings) {
    cairo_t* cr = page.cr();
    cairo_save(cr);
    page.clip_to_frame();
    const io::OsmBasemap& bm = city.osm.basemap;
    const double u = page.unit();
    // Street widths shrink on maps of large areas (points per metre below ~0.3).
    const double wf = std::clamp(page.scale() / 0.3, 0.12, 1.0) * u;
    auto draw_areas = [&](const std::vector<MultiPolygon>& areas, Rgb c) {
        for (const MultiPolygon& mp : areas) {
            auto [lo, hi] = bounds(mp);
            if (!page.visible(lo, hi)) continue;
            page.path_multipolygon(mp);
        }
        cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
        set_colour(cr, c);
        cairo_fill(cr);
    };
    if (layer == BasemapLayer::kUnder) {
        if (!bm.coastlines.empty()) {
            const auto [lo, hi] = page.frame_bounds();
            const SeaShapes sea =
                sea_shapes(bm.coastlines, lo, hi, bm.extract_box ? &*bm.extract_box : nullptr);
            for (const Ring& r : sea.sea) page.path_ring(r);
            cairo_set_fill_rule(cr, CAIRO_FILL_RULE_WINDING);
            set_colour(cr, kWater);
            cairo_fill(cr);
            for (const Ring& r : sea.land) page.path_ring(r);
            set_colour(cr, kPaper);
            cairo_fill(cr);
            if (warnings)
                warnings->insert(warnings->end(), sea.warnings.begin(), sea.warnings.end());
        }
        draw_areas(bm.green, hex(0xd4e9c4));
        draw_areas(bm.water, kWater);
        for (const auto& line : bm.waterways) page.path_line(line);
        set_colour(cr, hex(0x8dbbe0));
        cairo_set_line_width(cr, 1.6 * wf);
        cairo_stroke(cr);
        cairo_restore(cr);
        return;
    }
    // Buildings: a light shade that keeps the colour of the class beneath.
    for (const io::Feature& f : city.osm.features) {
        if (!f.is_area()) continue;
        auto it = f.tags.find("building");
        if (it == f.tags.end() || it->second == "no") continue;
        auto [lo, hi] = bounds(f.area);
        if (!page.visible(lo, hi)) continue;
        const auto [x0, y0] = page.pt(lo);
        const auto [x1, y1] = page.pt(hi);
        if (std::abs(x1 - x0) < 0.4 && std::abs(y1 - y0) < 0.4) continue;  // below a dot
        page.path_multipolygon(f.area);
    }
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_source_rgba(cr, 0, 0, 0, 0.13);
    cairo_fill(cr);

    // Streets by class: casing then fill, paths thin and grey on top.
    const WalkGraph& g = city.osm.graph;
    std::vector<std::uint8_t> cls(g.num_edges());
    for (EdgeId e = 0; e < g.num_edges(); ++e)
        cls[e] = static_cast<std::uint8_t>(bm.class_of(g.edge_source_id(e)));
    // A class's edges as few subpaths as possible: from each edge not yet drawn (by id), on
    // through the junction it ends at along an edge of the class not yet drawn (the first of
    // the junction's arcs), and so on. With round caps and joins the stroke is the same as
    // edge by edge, and each junction's point is written once instead of twice: a third less
    // of the streets' bytes, which are most of a map's (each PDF compresses them).
    std::vector<std::uint8_t> todo(g.num_edges());
    auto path_edges = [&](io::StreetClass c) {
        bool any = false;
        for (EdgeId e = 0; e < g.num_edges(); ++e) {
            todo[e] = 0;
            if (cls[e] != static_cast<std::uint8_t>(c)) continue;
            if (g.edge_flags(e) & kEdgeCompound) continue;  // a home's way to its gate
            auto shape = g.edge_shape(e);
            if (!page.visible(g.coord(g.edge_tail(e)), g.coord(g.edge_head(e))) &&
                !page.visible(shape[shape.size() / 2], shape[shape.size() / 2]))
                continue;
            todo[e] = 1;
        }
        for (EdgeId first = 0; first < g.num_edges(); ++first) {
            if (!todo[first]) continue;
            EdgeId e = first;
            VertexId at = g.edge_tail(e);
            bool joined = false;
            for (;;) {
                todo[e] = 0;
                const bool reversed = g.edge_tail(e) != at;
                page.path_line_part(g.edge_shape(e), reversed, joined);
                at = reversed ? g.edge_tail(e) : g.edge_head(e);
                joined = true;
                ArcId a = g.first_out(at);
                while (a < g.first_out(at + 1) && !todo[g.arc_edge(a)]) ++a;
                if (a == g.first_out(at + 1)) break;
                e = g.arc_edge(a);
            }
            any = true;
        }
        return any;
    };
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    struct StreetStyle {
        io::StreetClass c;
        double width;
    };
    const StreetStyle styles[] = {{io::StreetClass::kLocal, 1.5},
                                  {io::StreetClass::kMinor, 2.6},
                                  {io::StreetClass::kMajor, 3.6}};
    for (const StreetStyle& s : styles) {
        if (!path_edges(s.c)) continue;
        cairo_set_source_rgb(cr, 0.55, 0.55, 0.55);
        cairo_set_line_width(cr, (s.width + 0.9) * wf);
        cairo_stroke_preserve(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_set_line_width(cr, s.width * wf);
        cairo_stroke(cr);
    }
    if (path_edges(io::StreetClass::kPath)) {
        cairo_set_source_rgb(cr, 0.45, 0.45, 0.45);
        cairo_set_line_width(cr, 0.55 * wf);
        cairo_stroke(cr);
    }
    if (city.config.maps.boundaries) {
        for (const io::Feature& f : city.osm.features) {
            auto it = f.tags.find("boundary");
            if (it == f.tags.end() || it->second != "administrative" || !f.is_area()) continue;
            page.path_multipolygon(f.area);
        }
        const double dash[] = {6 * u, 3 * u};
        cairo_set_dash(cr, dash, 2, 0);
        set_colour(cr, hex(0x6a51a3));
        cairo_set_line_width(cr, 1.2 * u);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

void path_spans(const Page& page, const WalkGraph& g, const std::vector<EdgeSpan>& spans) {
    cairo_t* cr = page.cr();
    for (const EdgeSpan& sp : spans) {
        auto shape = g.edge_shape(sp.edge);
        auto off = g.edge_shape_offsets(sp.edge);
        bool started = false;
        for (std::size_t i = 0; i + 1 < shape.size(); ++i) {
            const Distance a = off[i], b = off[i + 1];
            if (b < sp.from_cm || a > sp.to_cm || b == a) continue;
            const double t0 = std::max(0.0, double(sp.from_cm - a) / double(b - a));
            const double t1 = std::min(1.0, double(sp.to_cm - a) / double(b - a));
            auto [x0, y0] = page.pt(interpolate(shape[i], shape[i + 1], t0));
            auto [x1, y1] = page.pt(interpolate(shape[i], shape[i + 1], t1));
            if (!started) {
                cairo_move_to(cr, x0, y0);
                started = true;
            }
            cairo_line_to(cr, x1, y1);
        }
    }
}

// --- labels ---

LonLat label_point(const MultiPolygon& mp) {
    if (mp.empty()) return {};
    std::size_t best = 0;
    double best_area = -1;
    for (std::size_t i = 0; i < mp.size(); ++i) {
        const double a = area_m2(MultiPolygon{mp[i]});
        if (a > best_area) {
            best_area = a;
            best = i;
        }
    }
    const Polygon& poly = mp[best];
    const LonLat c = centroid(MultiPolygon{poly});
    if (contains(poly, c)) return c;
    // The middle of the widest stretch of the horizontal line through the centroid.
    std::vector<double> xs;
    auto cut = [&](const Ring& r) {
        for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
            const LonLat a = r[j], b = r[i];
            if ((a.lat > c.lat) != (b.lat > c.lat))
                xs.push_back(a.lon + (c.lat - a.lat) / (b.lat - a.lat) * (b.lon - a.lon));
        }
    };
    cut(poly.outer);
    for (const Ring& r : poly.inners) cut(r);
    std::sort(xs.begin(), xs.end());
    double bw = -1;
    LonLat p = poly.outer.empty() ? c : poly.outer[0];
    for (std::size_t i = 0; i + 1 < xs.size(); i += 2) {
        if (xs[i + 1] - xs[i] > bw) {
            bw = xs[i + 1] - xs[i];
            p = {(xs[i] + xs[i + 1]) / 2, c.lat};
        }
    }
    return p;
}

void draw_labels(const Page& page, const io::City& city, const std::vector<double>& weight,
                 MapResult& result) {
    std::vector<std::uint32_t> order(city.communities.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return weight[a] > weight[b]; });
    struct Box {
        double x0, y0, x1, y1;
    };
    std::vector<Box> placed;
    std::vector<std::string>&drawn = result.labelled, &dropped = result.dropped;
    const TextStyle st{7.5 * page.unit(), false, kInk, -1, 1.6 * page.unit()};
    const double pad = 1.5 * page.unit();
    const double fx0 = page.frame_x() + 2, fy0 = page.frame_y() + 2;
    const double fx1 = page.frame_x() + page.frame_w() - 2,
                 fy1 = page.frame_y() + page.frame_h() - 2;
    for (std::uint32_t c : order) {
        const io::CommunityRecord& rec = city.communities[c];
        if (rec.name.empty() || rec.area.empty()) continue;
        auto [ax, ay] = page.pt(label_point(rec.area));
        if (ax < fx0 || ax > fx1 || ay < fy0 || ay > fy1) continue;
        const auto [w, h] = measure(page.cr(), rec.name, st);
        const std::pair<double, double> offsets[] = {
            {0, 0}, {0, -h * 0.8}, {0, h * 0.8}, {w * 0.6, 0}, {-w * 0.6, 0}};
        bool ok = false;
        for (auto [dx, dy] : offsets) {
            const Box b{ax + dx - w / 2 - pad, ay + dy - h / 2 - pad, ax + dx + w / 2 + pad,
                        ay + dy + h / 2 + pad};
            if (b.x0 < fx0 || b.x1 > fx1 || b.y0 < fy0 || b.y1 > fy1) continue;
            bool clash = false;
            for (const Box& o : placed) {
                if (b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1) {
                    clash = true;
                    break;
                }
            }
            if (clash) continue;
            placed.push_back(b);
            result.label_boxes.push_back({b.x0 + pad, b.y0 + pad, b.x1 - pad, b.y1 - pad});
            draw_text(page.cr(), b.x0 + pad, b.y0 + pad, rec.name, st);
            ok = true;
            break;
        }
        (ok ? drawn : dropped).push_back(rec.name);
    }
}

std::vector<std::string> source_lines(const io::City& city, const std::string& date) {
    std::vector<std::string> out;
    std::string facilities = city.config.osm_facilities ? "OSM" : "";
    for (const auto& f : city.config.facility_files) {
        if (!facilities.empty()) facilities += "、";
        facilities += "规划部门清单 " + f.path.filename().string();
    }
    const std::string osm_date = city.osm.timestamp.substr(0, 10);
    out.push_back("底图与路网：OpenStreetMap " + city.config.osm.filename().string() +
                  (osm_date.empty() ? "" : "（数据日期 " + osm_date + "）"));
    if (!facilities.empty()) out.push_back("设施：" + facilities);
    out.push_back("人口：" + city.population_method);
    out.push_back("© OpenStreetMap contributors（ODbL 1.0）");
    out.push_back("编制单位：" + (city.config.maps.producer.empty()
                                      ? std::string("（未填写：配置 [maps] producer）")
                                      : city.config.maps.producer));
    out.push_back("制图日期：" + date + " · lc15 " LC15_VERSION);
    out.push_back(city.config.maps.boundaries
                      ? "含行政区界线（配置 [maps] boundaries = true），公开使用前须送审"
                      : "街区图，未绘行政区界线（配置 [maps] boundaries）");
    return out;
}

}  // namespace detail
}  // namespace lc15::maps
