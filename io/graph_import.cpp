#include "io/graph_import.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "engine/error.hpp"
#include "io/files.hpp"

namespace lc15::io {
namespace {

std::string slurp(const std::filesystem::path& path, const char* what) {
    require_readable(path, what);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return std::move(ss).str();
}

/// Walks a CSV file line by line and field by field (no quoting: the format has none).
class CsvCursor {
  public:
    CsvCursor(const std::filesystem::path& path, std::string text)
        : path_(path.string()), text_(std::move(text)) {}

    bool next_line() {
        if (pos_ >= text_.size()) return false;
        std::size_t end = text_.find('\n', pos_);
        if (end == std::string::npos) end = text_.size();
        line_ = std::string_view(text_).substr(pos_, end - pos_);
        if (!line_.empty() && line_.back() == '\r') line_.remove_suffix(1);
        pos_ = end + 1;
        ++line_no_;
        field_ = 0;
        return true;
    }
    bool line_empty() const { return line_.empty(); }
    std::string_view line() const { return line_; }

    std::string_view field() {
        if (field_ > 0 && line_.empty())
            fail("too few columns", "each row needs every column of the header");
        const std::size_t comma = line_.find(',');
        const std::string_view f = line_.substr(0, comma);
        line_ = comma == std::string_view::npos ? std::string_view{} : line_.substr(comma + 1);
        ended_ = comma == std::string_view::npos;
        ++field_;
        return f;
    }
    void end_of_row() {
        if (!ended_) fail("too many columns", "rows must have exactly the header's columns");
    }

    template <class T>
    T number(const char* column) {
        const std::string_view f = field();
        T value{};
        const auto [p, ec] = std::from_chars(f.data(), f.data() + f.size(), value);
        if (ec != std::errc{} || p != f.data() + f.size() || f.empty()) {
            fail("bad " + std::string(column) + " '" + std::string(f) + "'",
                 "write a plain number (as `lc15 graph export --format csv` does)");
        }
        return value;
    }

    /// "123.45" -> 12345 (exactly; at most two decimals).
    Distance centimetres(const char* column) {
        const std::string_view f = field();
        const std::size_t dot = f.find('.');
        const std::string_view whole = f.substr(0, dot);
        std::string_view frac =
            dot == std::string_view::npos ? std::string_view{} : f.substr(dot + 1);
        std::uint64_t w = 0, c = 0;
        bool ok = !whole.empty() && frac.size() <= 2;
        if (ok) {
            auto r = std::from_chars(whole.data(), whole.data() + whole.size(), w);
            ok = r.ec == std::errc{} && r.ptr == whole.data() + whole.size();
        }
        for (char ch : frac) {
            ok = ok && ch >= '0' && ch <= '9';
            c = c * 10 + std::uint64_t(ch - '0');
        }
        if (frac.size() == 1) c *= 10;
        const std::uint64_t cm = w * 100 + c;
        if (!ok || cm > kMaxSearchDistance) {
            fail("bad " + std::string(column) + " '" + std::string(f) + "'",
                 "lengths are metres with at most 2 decimals, e.g. 12.34");
        }
        return static_cast<Distance>(cm);
    }

    void expect_header(std::string_view header) {
        if (!next_line() || line_ != header) {
            fail("header is '" + std::string(line_) + "'",
                 "the first line must be '" + std::string(header) + "'");
        }
    }

    [[noreturn]] void fail(const std::string& what, const std::string& hint) const {
        throw InputError(path_ + ":" + std::to_string(line_no_), what, hint);
    }

  private:
    std::string path_;
    std::string text_;
    std::size_t pos_ = 0;
    std::string_view line_;
    std::size_t line_no_ = 0;
    int field_ = 0;
    bool ended_ = false;
};

struct CsvEdge {
    VertexId source, target;
    Distance length;
    std::uint8_t flags;
    std::int64_t source_id;
};

/// Builder's length of the way a -> p -> b (same arithmetic as GraphBuilder::build).
Distance bent_length(LonLat a, LonLat p, LonLat b) {
    double len_m = 0.0;
    len_m += haversine_m(a, p);
    len_m += haversine_m(p, b);
    return std::max<Distance>(metres_to_cm(len_m), 1);
}

/// A point beside the midpoint of ab such that a -> p -> b is exactly `length` cm long, or
/// nothing if none is found (the caller then keeps the straight line).
bool bend_point(LonLat a, LonLat b, Distance length, LonLat* out) {
    const LocalProjection proj(a);
    // Plain variables, not a structured binding: the lambda below captures them (clang 14).
    const std::pair<double, double> b_xy = proj.forward(b);
    const double bx = b_xy.first, by = b_xy.second;
    const double chord = std::hypot(bx, by);
    double nx = 0.0, ny = 1.0;  // perpendicular; north for a loop
    if (chord > 1e-9) {
        nx = -by / chord;
        ny = bx / chord;
    }
    auto at = [&](double h) { return proj.inverse(bx / 2 + nx * h, by / 2 + ny * h); };
    const double half = cm_to_metres(length) / 2;
    double h = std::sqrt(std::max(0.0, half * half - chord * chord / 4));
    double lo = 0.0, hi = std::max(1.0, 2 * h);
    while (bent_length(a, at(hi), b) < length) {
        hi *= 2;
        if (hi > 1e7) return false;
    }
    for (int i = 0; i < 200; ++i) {
        const Distance got = bent_length(a, at(h), b);
        if (got == length) {
            *out = at(h);
            return true;
        }
        (got < length ? lo : hi) = h;
        h = (lo + hi) / 2;
    }
    return false;
}

}  // namespace

ImportedGraph read_graph_csv(const std::filesystem::path& dir) {
    // Vertices.
    std::vector<LonLat> pos;
    std::vector<std::uint64_t> key;
    {
        CsvCursor csv(dir / "vertices.csv", slurp(dir / "vertices.csv", "graph vertices (CSV)"));
        csv.expect_header("id,lon,lat,key");
        while (csv.next_line()) {
            if (csv.line_empty()) continue;
            const auto id = csv.number<std::uint32_t>("id");
            if (id != pos.size()) {
                csv.fail(
                    "vertex id " + std::to_string(id) + " out of order",
                    "ids must be 0, 1, 2, ... in row order, as `lc15 graph export` writes them");
            }
            const auto lon = csv.number<double>("lon");
            const auto lat = csv.number<double>("lat");
            if (!(lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90)) {
                csv.fail("coordinate out of range",
                         "lon in [-180, 180], lat in [-90, 90] (WGS84 degrees)");
            }
            key.push_back(csv.number<std::uint64_t>("key"));
            csv.end_of_row();
            pos.push_back({lon, lat});
        }
    }
    // Edges.
    std::vector<CsvEdge> edges;
    {
        CsvCursor csv(dir / "edges.csv", slurp(dir / "edges.csv", "graph edges (CSV)"));
        csv.expect_header("id,source,target,length_m,flags,source_id");
        while (csv.next_line()) {
            if (csv.line_empty()) continue;
            const auto id = csv.number<std::uint32_t>("id");
            if (id != edges.size()) {
                csv.fail("edge id " + std::to_string(id) + " out of order",
                         "ids must be 0, 1, 2, ... in row order");
            }
            CsvEdge e{};
            e.source = csv.number<VertexId>("source");
            e.target = csv.number<VertexId>("target");
            if (e.source >= pos.size() || e.target >= pos.size()) {
                csv.fail("edge refers to a vertex not in vertices.csv",
                         "source and target are ids of vertices.csv rows");
            }
            e.length = csv.centimetres("length_m");
            e.flags = csv.number<std::uint8_t>("flags");
            e.source_id = csv.number<std::int64_t>("source_id");
            csv.end_of_row();
            edges.push_back(e);
        }
    }

    // Vertex keys must be unique; synthetic shape points take keys no vertex has.
    std::vector<std::pair<std::uint64_t, std::uint32_t>> by_key(key.size());
    for (std::uint32_t i = 0; i < key.size(); ++i) by_key[i] = {key[i], i};
    std::sort(by_key.begin(), by_key.end());
    for (std::size_t i = 1; i < by_key.size(); ++i) {
        if (by_key[i].first == by_key[i - 1].first) {
            throw InputError(
                (dir / "vertices.csv").string() + ":" + std::to_string(by_key[i].second + 2),
                "key " + std::to_string(by_key[i].first) + " repeats the key of vertex " +
                    std::to_string(by_key[i - 1].second),
                "every vertex needs its own key");
        }
    }
    std::uint64_t next_shape_key = (std::uint64_t{1} << 63) | (std::uint64_t{1} << 62);
    auto shape_key = [&] {
        while (std::binary_search(by_key.begin(), by_key.end(), std::make_pair(next_shape_key, 0u),
                                  [](const auto& x, const auto& y) { return x.first < y.first; })) {
            ++next_shape_key;
        }
        return next_shape_key++;
    };

    ImportedGraph result;
    GraphBuilder b;
    std::vector<WayNode> nodes;
    for (const CsvEdge& e : edges) {
        const LonLat a = pos[e.source], z = pos[e.target];
        nodes.clear();
        nodes.push_back({key[e.source], a});
        double len_m = 0.0;
        len_m += haversine_m(a, z);
        const Distance straight = std::max<Distance>(metres_to_cm(len_m), 1);
        LonLat p;
        if ((straight < e.length || e.source == e.target) && bend_point(a, z, e.length, &p)) {
            nodes.push_back({shape_key(), p});
        } else if (straight != e.length || e.source == e.target) {
            ++result.length_mismatches;
            if (e.source == e.target) continue;  // a loop without a bend cannot be rebuilt
        }
        nodes.push_back({key[e.target], z});
        b.add_way(e.source_id, nodes, e.flags);
    }
    result.graph = std::move(b).build();

    const WalkGraph& g = result.graph;
    result.vertex_of_row.assign(pos.size(), kInvalidId);
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        const auto it =
            std::lower_bound(by_key.begin(), by_key.end(), std::make_pair(g.vertex_key(v), 0u));
        if (it == by_key.end() || it->first != g.vertex_key(v)) {
            throw std::logic_error("read_graph_csv: rebuilt vertex with an unknown key");
        }
        result.vertex_of_row[it->second] = v;
    }
    // Ways were added in row order and each became one edge (shape points are no junctions),
    // except loops that could not be rebuilt.
    result.edge_of_row.assign(edges.size(), kInvalidId);
    EdgeId next = 0;
    for (std::uint32_t i = 0; i < edges.size(); ++i) {
        if (next >= g.num_edges()) break;
        const VertexId t = result.vertex_of_row[edges[i].source],
                       h = result.vertex_of_row[edges[i].target];
        if (g.edge_tail(next) == t && g.edge_head(next) == h) result.edge_of_row[i] = next++;
    }
    if (next != g.num_edges())
        throw std::logic_error("read_graph_csv: edges were not rebuilt one by one");
    return result;
}

}  // namespace lc15::io
