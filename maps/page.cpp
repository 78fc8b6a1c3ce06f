// lc15 maps — the offline page: one HTML file with Leaflet (Debian's libjs-leaflet) and the
// run's figures inlined, opened from a USB stick by double click (file://, no network).
//
// Data (one JSON script literal, "</" escaped): the categories with their city figures; the
// communities with rings, score and per category share, median, pass and facilities within
// (all from the CoverageReport); homes aggregated to square cells (100 m, 200 m for more
// than 15,000 cells) with residents and residents not covered per category (from
// CoverageModel::covered); facilities; streets by class (paths left out on graphs of more
// than 30,000 edges). Coordinates rounded to 1e-6 degrees (about 0.1 m).
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "engine/error.hpp"
#include "io/files.hpp"
#include "lc15_version.hpp"
#include "maps/draw.hpp"
#include "maps/maps.hpp"

namespace lc15::maps {
namespace {

using nlohmann::json;

const char* kLeafletDir = "/usr/share/javascript/leaflet/";

std::string read_asset(const std::string& name) {
    const std::filesystem::path p = std::filesystem::path(kLeafletDir) / name;
    std::ifstream f(p, std::ios::binary);
    if (!f)
        throw InputError(p.string(), "Leaflet is not installed, so the offline page cannot be made",
                         "install Debian's libjs-leaflet (sudo apt-get install libjs-leaflet, or "
                         "run scripts/setup), or leave html out of --format");
    std::stringstream ss;
    ss << f.rdbuf();
    std::string s = ss.str();
    // No source map: the page must not ask for any other file.
    if (auto pos = s.find("//# sourceMappingURL="); pos != std::string::npos) s.erase(pos);
    if (auto pos = s.find("/*# sourceMappingURL="); pos != std::string::npos) s.erase(pos);
    return s;
}

double r6(double v) { return std::round(v * 1e6) / 1e6; }
json ll(LonLat p) { return json::array({r6(p.lat), r6(p.lon)}); }

const char* kPageScript = R"JS(
(function () {
  const D = JSON.parse(document.getElementById('lc15-data').textContent);
  const seq = ['#ffffcc', '#a1dab4', '#41b6c4', '#2c7fb8', '#253494'];
  const nobody = '#d9d9d9';
  const shareClass = (s) => s >= 1 ? 4 : s >= 0.75 ? 3 : s >= 0.5 ? 2 : s >= 0.25 ? 1 : 0;
  const scoreClass = (s) => Math.max(0, Math.min(4, Math.floor(s / 20)));
  const pct = (s) => (100 * s).toFixed(1) + ' %';
  const map = L.map('map', { preferCanvas: true, zoomSnap: 0.25, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution('© OpenStreetMap contributors · ' + D.producer);
  const renderer = L.canvas({ padding: 0.3 });
  const streetStyle = [
    { color: '#8c8c8c', weight: 3.2 }, { color: '#9e9e9e', weight: 2.4 },
    { color: '#b4b4b4', weight: 1.5 }, { color: '#c4c4c4', weight: 0.8, dashArray: '3 2' }];
  const streets = D.streets.map((lines, c) =>
    L.polyline(lines, Object.assign({ renderer, interactive: false, opacity: 0.95 }, streetStyle[c])));
  let layer = 'score';
  let selected = -1;
  // One polygon per community with an area (a community without one is listed, not drawn).
  const polys = D.communities.map((c, i) => {
    if (!c.rings.length) return null;
    const p = L.polygon(c.rings, { renderer, weight: 1, color: '#444', fillOpacity: 0.85 });
    p.on('click', () => select(i, false));
    p.bindTooltip(c.name || ('#' + (i + 1)), { sticky: true });
    return p;
  });
  const drawn = polys.filter((p) => p);
  const group = L.featureGroup(drawn);
  // The view first: Leaflet's canvas renderer needs one before layers are added.
  if (drawn.length) map.fitBounds(group.getBounds()); else map.setView([D.centre[0], D.centre[1]], 14);
  group.addTo(map);
  streets.forEach((s, c) => { if (D.streets[c].length) s.addTo(map); });
  const cellLayer = L.layerGroup().addTo(map);
  const facLayer = L.layerGroup().addTo(map);
  function colour(i) {
    const c = D.communities[i];
    if (c.pop <= 0) return nobody;
    if (layer === 'score') return seq[scoreClass(c.score)];
    return seq[shareClass(c.cat[layer][0])];
  }
  function draw() {
    polys.forEach((p, i) => p && p.setStyle({ fillColor: colour(i), weight: i === selected ? 3 : 1,
                                          color: i === selected ? '#000' : '#444' }));
    cellLayer.clearLayers();
    facLayer.clearLayers();
    const legend = document.getElementById('legend');
    if (layer === 'score') {
      legend.innerHTML = '<b>社区综合得分</b>' + swatches(['0–20', '20–40', '40–60', '60–80', '80–100']) +
        '<div>全市得分 ' + D.city_score.toFixed(1) + ' / 100</div>';
      return;
    }
    const k = layer;
    const cat = D.categories[k];
    let maxUn = 1;
    D.cells.forEach((c) => { maxUn = Math.max(maxUn, c[3][k]); });
    D.cells.forEach((c) => {
      if (c[3][k] <= 0) return;
      L.circleMarker([c[0], c[1]], { renderer, radius: 2 + 8 * Math.sqrt(c[3][k] / maxUn),
        color: '#222', weight: 0.5, fillColor: '#e6550d', fillOpacity: 0.75, interactive: false })
        .addTo(cellLayer);
    });
    D.facilities.forEach((f) => {
      if (f[0] !== k) return;
      L.circleMarker([f[1], f[2]], { renderer, radius: 5, color: '#fff', weight: 1.5,
        fillColor: '#b10026', fillOpacity: 1 }).bindTooltip(f[3] || cat.name).addTo(facLayer);
    });
    legend.innerHTML = '<b>' + cat.name + '：' + cat.radius + ' m 覆盖比例</b>' +
      swatches(['0–25 %', '25–50 %', '50–75 %', '75–100 %（不含）', '100 %']) +
      '<div><span class="dot" style="background:#e6550d"></span>未覆盖的居民（' + D.cell_m +
      ' m 格）</div><div><span class="dot" style="background:#b10026"></span>' + cat.name +
      '（' + cat.facilities + ' 处）</div><div>全市覆盖 ' + pct(cat.share) + '</div>';
  }
  function swatches(labels) {
    let h = '';
    for (let i = labels.length - 1; i >= 0; --i)
      h += '<div><span class="sw" style="background:' + seq[i] + '"></span>' + labels[i] + '</div>';
    return h + '<div><span class="sw" style="background:' + nobody + '"></span>无居民</div>';
  }
  function select(i, zoom) {
    selected = i;
    const c = D.communities[i];
    let h = '<h3>' + (c.name || ('#' + (i + 1))) + '</h3><div>居民 ' + Math.round(c.pop) +
      ' · 综合得分 ' + c.score.toFixed(1) + '</div><table><tr><th>类别</th><th>覆盖</th>' +
      '<th>中位距离</th><th>达标</th><th>条文</th></tr>';
    D.categories.forEach((cat, k) => {
      const m = c.cat[k];
      h += '<tr><td>' + cat.name + '</td><td>' + pct(m[0]) + '</td><td>' +
        (m[1] < 0 ? '—' : Math.round(m[1]) + ' m') + '</td><td>' + (m[2] ? '✓' : '✗') +
        '</td><td class="clause">' + cat.clause + '</td></tr>';
    });
    document.getElementById('table').innerHTML = h + '</table>';
    if (zoom && polys[i]) map.fitBounds(polys[i].getBounds(), { maxZoom: 17 });
    draw();
  }
  const layers = document.getElementById('layers');
  const opts = [['score', '综合得分']].concat(D.categories.map((c, k) => [k, c.name]));
  opts.forEach(([v, name]) => {
    const l = document.createElement('label');
    const r = document.createElement('input');
    r.type = 'radio'; r.name = 'layer'; r.value = String(v); r.checked = v === 'score';
    r.addEventListener('change', () => { layer = v === 'score' ? 'score' : Number(v); draw(); });
    l.appendChild(r); l.appendChild(document.createTextNode(name));
    layers.appendChild(l);
  });
  const list = document.getElementById('names');
  D.communities.forEach((c) => { if (c.name) { const o = document.createElement('option'); o.value = c.name; list.appendChild(o); } });
  function search(q) {
    q = q.trim();
    if (!q) return -1;
    let i = D.communities.findIndex((c) => c.name === q);
    if (i < 0) i = D.communities.findIndex((c) => c.name && c.name.includes(q));
    document.getElementById('found').textContent = i < 0 ? '没有名称含“' + q + '”的社区' : '';
    if (i >= 0) select(i, true);
    return i;
  }
  const box = document.getElementById('search');
  box.addEventListener('keydown', (e) => { if (e.key === 'Enter') search(box.value); });
  box.addEventListener('change', () => search(box.value));
  L.control.scale({ imperial: false }).addTo(map);
  draw();
  window.lc15 = { communitiesDrawn: drawn.length, categories: D.categories.length, search, select,
                  setLayer: (v) => { layer = v; draw(); } };
  document.body.dataset.communities = String(drawn.length);
})();
)JS";

const char* kPageStyle = R"CSS(
html, body { margin: 0; height: 100%; font-family: "Noto Sans CJK SC", "Noto Sans SC", sans-serif; }
#wrap { display: flex; height: 100%; }
#map { flex: 1; background: #f5f4f0; }
#panel { width: 360px; overflow-y: auto; padding: 10px 14px; box-sizing: border-box; font-size: 13px; border-left: 1px solid #ccc; }
#panel h1 { font-size: 17px; margin: 0 0 4px; }
#panel h3 { margin: 10px 0 4px; font-size: 15px; }
#panel .sub { color: #555; font-size: 12px; margin-bottom: 8px; }
#layers label { display: block; cursor: pointer; }
#search { width: 100%; font-size: 14px; padding: 3px; box-sizing: border-box; }
.sw { display: inline-block; width: 22px; height: 12px; border: 1px solid #666; margin-right: 6px; vertical-align: middle; }
.dot { display: inline-block; width: 10px; height: 10px; border-radius: 5px; border: 1px solid #222; margin: 0 8px 0 6px; vertical-align: middle; }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: 2px 3px; text-align: left; vertical-align: top; }
td.clause { font-size: 10px; color: #555; }
.src { color: #555; font-size: 11px; margin-top: 10px; }
@media (max-width: 700px) {  /* a phone: the map on top, the panel below it */
  #wrap { flex-direction: column; }
  #map { flex: none; height: 62vh; }
  #panel { width: 100%; flex: 1; border-left: none; border-top: 1px solid #ccc; }
}
)CSS";

}  // namespace

void require_page_assets() {
    (void)read_asset("leaflet.min.js");
    (void)read_asset("leaflet.css");
}

std::string render_page(const MapInputs& in, const MapOptions& options) {
    const io::City& city = *in.city;
    const CoverageModel& model = *in.model;
    const CoverageReport& report = *in.report;
    const auto& rules = model.rules();
    const std::string date = map_date(city, options);
    const std::string leaflet_js = read_asset("leaflet.min.js");
    const std::string leaflet_css = read_asset("leaflet.css");

    json d;
    d["title"] = city.config.name;
    d["date"] = date;
    d["city_score"] = report.city_score;
    d["producer"] = city.config.maps.producer.empty() ? std::string("lc15 " LC15_VERSION)
                                                      : city.config.maps.producer;
    json cats = json::array();
    for (std::uint32_t k = 0; k < rules.size(); ++k) {
        std::size_t n = 0;
        for (const auto& r : city.facilities)
            n += r.category == k && r.status == io::FacilityRecord::Status::Used;
        cats.push_back({{"id", rules[k].id},
                        {"name", rules[k].name_zh},
                        {"radius", rules[k].radius_m},
                        {"clause", rules[k].clause},
                        {"share", report.city[k].share},
                        {"facilities", n}});
    }
    d["categories"] = std::move(cats);
    json comms = json::array();
    for (std::uint32_t c = 0; c < city.communities.size(); ++c) {
        const auto& rec = city.communities[c];
        const auto& m = report.communities[c];
        json rings = json::array();  // Leaflet's multipolygon: [[outer, hole, ...], ...]
        for (const Polygon& p : rec.area) {
            if (p.outer.size() < 3) continue;
            json poly = json::array();
            json ring = json::array();
            for (const LonLat& q : p.outer) ring.push_back(ll(q));
            poly.push_back(std::move(ring));
            for (const Ring& in_ring : p.inners) {
                json hole = json::array();
                for (const LonLat& q : in_ring) hole.push_back(ll(q));
                poly.push_back(std::move(hole));
            }
            rings.push_back(std::move(poly));
        }
        json per = json::array();
        for (const auto& cm : m.by_category)
            per.push_back(json::array({cm.share, cm.median_m, cm.pass, cm.facilities_within}));
        comms.push_back({{"name", rec.name},
                         {"pop", m.by_category.empty() ? 0.0 : m.by_category[0].population},
                         {"score", m.score},
                         {"rings", std::move(rings)},
                         {"cat", std::move(per)}});
    }
    d["communities"] = std::move(comms);

    // Homes to cells: residents and residents not covered, per category.
    LonLat centre{0, 0};
    if (!city.homes.empty()) {
        double lon = 0, lat = 0;
        for (const auto& h : city.homes) {
            lon += h.pos.lon;
            lat += h.pos.lat;
        }
        centre = {lon / city.homes.size(), lat / city.homes.size()};
    } else if (city.osm.graph.num_vertices() > 0) {
        centre = city.osm.graph.coord(0);
    }
    d["centre"] = ll(centre);
    const LocalProjection proj(centre);
    double cell_m = 100;
    auto key_of = [&](LonLat p, double size) {
        auto [x, y] = proj.forward(p);
        return std::pair<long, long>{static_cast<long>(std::floor(x / size)),
                                     static_cast<long>(std::floor(y / size))};
    };
    {
        std::map<std::pair<long, long>, int> probe;
        for (const auto& h : city.homes) probe[key_of(h.pos, cell_m)] = 1;
        if (probe.size() > 15000) cell_m = 200;
    }
    struct Cell {
        double pop = 0;
        std::vector<double> uncovered;
    };
    std::map<std::pair<long, long>, Cell> cells;
    for (HomeId h = 0; h < city.homes.size(); ++h) {
        Cell& c = cells[key_of(city.homes[h].pos, cell_m)];
        if (c.uncovered.empty()) c.uncovered.assign(rules.size(), 0.0);
        c.pop += city.homes[h].population;
        for (std::uint32_t k = 0; k < rules.size(); ++k)
            if (!model.covered(k, h)) c.uncovered[k] += city.homes[h].population;
    }
    json jc = json::array();
    for (const auto& [key, c] : cells) {
        const LonLat p = proj.inverse((key.first + 0.5) * cell_m, (key.second + 0.5) * cell_m);
        json un = json::array();
        for (double v : c.uncovered) un.push_back(std::round(v * 10) / 10);
        jc.push_back(json::array({r6(p.lat), r6(p.lon), std::round(c.pop * 10) / 10, un}));
    }
    d["cells"] = std::move(jc);
    d["cell_m"] = cell_m;
    json fac = json::array();
    for (const auto& r : city.facilities) {
        if (r.status != io::FacilityRecord::Status::Used) continue;
        fac.push_back(json::array({r.category, r6(r.pos.lat), r6(r.pos.lon), r.name}));
    }
    d["facilities"] = std::move(fac);
    const WalkGraph& g = city.osm.graph;
    const bool paths = g.num_edges() <= 30000;
    json streets = json::array({json::array(), json::array(), json::array(), json::array()});
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const int c = static_cast<int>(city.osm.basemap.class_of(g.edge_source_id(e)));
        if (c == 3 && !paths) continue;
        if (g.edge_flags(e) & kEdgeCompound) continue;  // a home's way to its gate: no street
        json line = json::array();
        for (const LonLat& p : g.edge_shape(e)) line.push_back(ll(p));
        streets[c].push_back(std::move(line));
    }
    d["streets"] = std::move(streets);

    std::string data = d.dump();
    for (std::size_t pos = 0; (pos = data.find("</", pos)) != std::string::npos; pos += 3)
        data.replace(pos, 2, "<\\/");

    const std::string title = city.config.name + " · 15分钟社区生活圈";
    char score_buf[32];
    std::snprintf(score_buf, sizeof score_buf, "%.1f", report.city_score);
    const std::string score_text = score_buf;
    std::string sources;
    for (const std::string& l : detail::source_lines(city, date))
        sources += "<div>" + io::escape_xml(l) + "</div>";
    std::string html;
    html.reserve(data.size() + leaflet_js.size() + 20000);
    html += "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n";
    html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    html += "<title>" + io::escape_xml(title) + "</title>\n<style>\n" + leaflet_css + "\n" +
            kPageStyle + "</style>\n</head>\n<body>\n<div id=\"wrap\"><div id=\"map\"></div>\n";
    html += "<div id=\"panel\"><h1>" + io::escape_xml(title) + "</h1><div class=\"sub\">" +
            "全市得分 " + score_text + " / 100 · " + io::escape_xml(date) + "</div>\n";
    html +=
        "<input id=\"search\" list=\"names\" placeholder=\"查找社区（输入名称后回车）\">"
        "<datalist id=\"names\"></datalist><div id=\"found\"></div>\n";
    html += "<h3>图层</h3><div id=\"layers\"></div><h3>图例</h3><div id=\"legend\"></div>\n";
    html +=
        "<div id=\"table\"><div class=\"sub\">点击地图上的社区，查看其各类设施的覆盖情况。"
        "</div></div>\n<div class=\"src\">" +
        sources + "</div></div></div>\n";
    html += "<script type=\"application/json\" id=\"lc15-data\">" + data + "</script>\n";
    html += "<script>\n" + leaflet_js + "\n</script>\n<script>" + kPageScript + "</script>\n";
    html += "</body>\n</html>\n";
    return html;
}

}  // namespace lc15::maps
