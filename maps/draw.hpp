// lc15 maps (internal) — the drawing kit the map kinds share: a page with its frame and
// projection, colours, Pango text in Noto Sans CJK SC / zh-cn, the basemap, the walking
// service area of a category, and the legend panel.
//
//   Canvas cv(options, format);                       // a Cairo surface writing into bytes
//   Page pg(cv, city, options);                      // title band, map frame, legend panel
//   draw_basemap(pg, city);
//   ...                                              // thematic layers through pg.view
//   pg.finish_frame();                                // frame border, scale bar, north arrow
//   std::string bytes = cv.finish();
//
// Units are PostScript points (1/72 in) on the page; a PNG is the same page scaled to its
// dpi. Thread safety: one Canvas per thread; Pango's default font map is per thread.
#pragma once

#include <cairo.h>
#include <pango/pangocairo.h>

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/geo.hpp"
#include "engine/polygon.hpp"
#include "io/city.hpp"
#include "maps/maps.hpp"

namespace lc15::maps::detail {

struct Rgb {
    double r = 0, g = 0, b = 0;
};
Rgb hex(std::uint32_t rgb);
void set_colour(cairo_t* cr, Rgb c, double alpha = 1.0);

/// ColorBrewer YlGnBu, 5 classes (light to dark); colour-blind safe, print friendly.
extern const Rgb kSequential[5];
/// ColorBrewer PuOr, 5 classes (loss to gain).
extern const Rgb kDiverging[5];
extern const Rgb kNoPeople, kPaper, kInk, kUncovered, kService, kFacility, kWater;

/// The five share classes of category maps: [0,.25) [.25,.5) [.5,.75) [.75,1) [1].
int share_class(double share);
/// The five score classes of the overview: [0,20) ... [80,100].
int score_class(double score);

class Canvas {
  public:
    Canvas(const MapOptions& options, Format format);
    ~Canvas();
    Canvas(const Canvas&) = delete;
    Canvas& operator=(const Canvas&) = delete;
    cairo_t* cr() const { return cr_; }
    double width() const { return w_; }  ///< points
    double height() const { return h_; }
    /// PDF title, creator and the creation date pinned to `date` (YYYY-MM-DD); no-op otherwise.
    void set_metadata(const std::string& title, const std::string& date);
    /// Ends the document and returns its bytes.
    std::string finish();

  private:
    Format format_;
    double dpi_;
    double w_, h_;
    std::string bytes_;
    cairo_surface_t* surface_ = nullptr;
    cairo_t* cr_ = nullptr;
};

/// Pango text: family "Noto Sans CJK SC", language zh-cn, unhinted metrics (the same layout in
/// PDF, SVG and PNG).
struct TextStyle {
    double size = 9;  ///< points
    bool bold = false;
    Rgb colour{};
    double width = -1;  ///< wrap width in points (-1: one line)
    double halo = 0;    ///< white outline width (points), for labels over the map
};
/// Text extents {width, height} in points.
std::pair<double, double> measure(cairo_t* cr, const std::string& text, const TextStyle& style);
/// Draws text with its top-left corner at (x, y); returns its height.
double draw_text(cairo_t* cr, double x, double y, const std::string& text, const TextStyle& style);

struct Extent {
    double minx = 0, miny = 0, maxx = 0, maxy = 0;  ///< local metres
};

/// The page layout and the map projection (north up, local equirectangular metres).
class Page {
  public:
    /// `focus` (lo, hi corners): the map shows that area (with 15 % around it) instead of the
    /// city's (the atlas page of one community).
    Page(Canvas& canvas, const io::City& city, const MapOptions& options,
         const std::pair<LonLat, LonLat>* focus = nullptr);
    cairo_t* cr() const { return cr_; }
    double unit() const { return unit_; }  ///< text scale of the paper (1 on A3)
    /// Page point of a position.
    std::pair<double, double> pt(LonLat p) const;
    /// Points per metre on the ground.
    double scale() const { return scale_; }
    bool visible(LonLat a, LonLat b) const;  ///< a bounding box touches the frame
    /// The lon/lat corners (lo, hi) of what the frame shows.
    std::pair<LonLat, LonLat> frame_bounds() const;
    void clip_to_frame() const;
    /// A polyline (closed when `close`), points closer than 0.3 pt to the last drawn skipped.
    void path_points(std::span<const LonLat> points, bool close) const;
    /// An open line's points as path_points keeps them, drawn last to first if `reversed`;
    /// with `joined` they continue the current subpath, which ends at the first point drawn.
    void path_line_part(std::span<const LonLat> points, bool reversed, bool joined) const;
    void path_ring(const Ring& ring) const;
    void path_multipolygon(const MultiPolygon& mp) const;
    void path_line(const std::vector<LonLat>& line) const;

    void title(const std::string& title, const std::string& subtitle);
    /// Frame border, scale bar (metres), north arrow. Call after the map layers.
    void finish_frame();

    // --- legend panel (right of the map), filled from the top ---
    void legend_heading(const std::string& text);
    /// `hatched`: with the diagonal lines of hatch() over the fill.
    void legend_swatch(Rgb fill, const std::string& text, bool outline = true,
                       bool hatched = false);
    enum class Symbol { kDot, kUncoveredDot, kFacility, kLine, kDashedLine, kStop, kGap };
    void legend_symbol(Symbol s, Rgb colour, const std::string& text);
    void legend_text(const std::string& text, double size_factor = 1.0);
    void legend_gap(double points);
    /// A table in the panel: rows of cells, column widths in fractions of the panel.
    void legend_table(const std::vector<std::vector<std::string>>& rows,
                      const std::vector<double>& widths, double size_factor = 1.0);
    /// The sources block at the panel's foot: data, population, "© OpenStreetMap
    /// contributors", producing unit, date, program.
    void sources(const std::vector<std::string>& lines);
    double panel_remaining() const;

    /// The page's linear lon/lat -> point map into a MapResult (ax, bx, ay, by).
    void affine(MapResult& r) const;
    double frame_x() const { return fx_; }
    double frame_y() const { return fy_; }
    double frame_w() const { return fw_; }
    double frame_h() const { return fh_; }

  private:
    cairo_t* cr_;
    double pw_, ph_, unit_;
    double fx_, fy_, fw_, fh_;  // map frame
    double px_, py_, pwid_;     // legend panel: x, cursor y, width
    double panel_bottom_;
    LocalProjection proj_;
    double scale_ = 1, ox_ = 0, oy_ = 0;  // page = (fx + (x - minx) * scale + ox, ...)
    Extent ext_;
};

/// The basemap in two layers around the thematic fills: kUnder = paper, green space, water,
/// rivers; kOver = buildings (a light shade), streets by class, administrative boundaries
/// only when the config asks for them.
/// The sea (maps/sea.hpp, from the coastlines for the frame's extent) is the first fill of
/// kUnder; its warnings (a broken coastline) are appended to `warnings` when given.
enum class BasemapLayer { kUnder, kOver };
void draw_basemap(const Page& page, const io::City& city, BasemapLayer layer,
                  std::vector<std::string>* warnings = nullptr);

/// Diagonal lines (45°, `spacing` apart, ink at 55 %) over the current path, which is
/// consumed: how a grey-scale print tells a loss from a gain of the same lightness.
void hatch(cairo_t* cr, double spacing, double width);

/// Draws the spans as polylines (stroke set by the caller).
void path_spans(const Page& page, const WalkGraph& g, const std::vector<EdgeSpan>& spans);

/// A point inside the (largest polygon of the) community, for its label.
LonLat label_point(const MultiPolygon& mp);

/// Places community labels by descending weight (residents; ties by index), never
/// overlapping each other; returns {drawn, dropped}. Unnamed communities and those whose
/// label point lies outside the frame are neither.
/// Fills result.labelled, dropped and label_boxes.
void draw_labels(const Page& page, const io::City& city, const std::vector<double>& weight,
                 MapResult& result);

/// The standard lines of the sources block for a city.
std::vector<std::string> source_lines(const io::City& city, const std::string& date);

std::string percent(double share, int decimals = 1);

}  // namespace lc15::maps::detail
