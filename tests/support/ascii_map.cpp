#include "tests/support/ascii_map.hpp"
#include "io/files.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace lc15::test {
namespace {

const char* highway_of(char c) {
    switch (c) {
        case '-':
        case '|':
            return "footway";
        case '=':
            return "steps";
        case '#':
            return "residential";
        default:
            return nullptr;
    }
}

double round7(double v) { return std::round(v * 1e7) / 1e7; }

void append_tags(std::ostringstream& o, const Tags& tags) {
    for (const auto& [k, v] : tags)
        o << "  <tag k=\"" << io::escape_xml(k) << "\" v=\"" << io::escape_xml(v) << "\"/>\n";
}

constexpr const char* kStamp = "version=\"1\" timestamp=\"2024-05-01T00:00:00Z\"";

}  // namespace

AsciiMap::AsciiMap(std::string_view drawing, double grid_m, LonLat origin) {
    std::vector<std::string> rows;
    std::string line;
    for (char c : drawing) {
        if (c == '\n') {
            rows.push_back(line);
            line.clear();
        } else {
            line += c;
        }
    }
    rows.push_back(line);
    const LocalProjection proj(origin);
    auto at = [&](int r, int c) -> char {
        if (r < 0 || r >= static_cast<int>(rows.size())) return ' ';
        if (c < 0 || c >= static_cast<int>(rows[r].size())) return ' ';
        return rows[r][c];
    };
    for (int r = 0; r < static_cast<int>(rows.size()); ++r) {
        for (int c = 0; c < static_cast<int>(rows[r].size()); ++c) {
            const char ch = rows[r][c];
            if (!std::isalnum(static_cast<unsigned char>(ch))) continue;
            for (const Node& n : nodes_)
                if (n.name == ch)
                    throw std::invalid_argument(std::string("ascii map: node drawn twice: ") + ch);
            const LonLat p = proj.inverse(c * grid_m, -r * grid_m);
            nodes_.push_back({ch,
                              r,
                              c,
                              1000 + static_cast<std::int64_t>(nodes_.size()),
                              {round7(p.lon), round7(p.lat)},
                              {}});
        }
    }
    auto is_letter = [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)) != 0; };
    // Runs along one direction: from each letter, follow connection characters to the next
    // letter; extend while the character stays the same.
    for (int dir = 0; dir < 2; ++dir) {  // 0: horizontal, 1: vertical
        const int dr = dir == 1 ? 1 : 0, dc = dir == 0 ? 1 : 0;
        // Visit letters so that runs are found from their first letter.
        std::vector<const Node*> order;
        for (const Node& n : nodes_) order.push_back(&n);
        if (dir == 1) {
            std::stable_sort(order.begin(), order.end(), [](const Node* a, const Node* b) {
                return a->col != b->col ? a->col < b->col : a->row < b->row;
            });
        }
        for (const Node* start : order) {
            if (!is_letter(start->name)) continue;
            const char before = at(start->row - dr, start->col - dc);
            const char first = at(start->row + dr, start->col + dc);
            if (!highway_of(first)) continue;
            if (dir == 0 && first == '|') continue;
            if (dir == 1 && first == '-') continue;
            if (before == first) continue;  // not the start of this run
            std::string letters(1, start->name);
            int r = start->row, c = start->col;
            for (;;) {
                const char conn = at(r + dr, c + dc);
                if (conn != first) break;
                r += dr;
                c += dc;
                while (at(r, c) == first) {
                    r += dr;
                    c += dc;
                }
                const char end = at(r, c);
                if (!is_letter(end))
                    throw std::invalid_argument(std::string("ascii map: dangling line from ") +
                                                start->name);
                letters += end;
            }
            ways_.push_back({static_cast<std::int64_t>(ways_.size() + 1),
                             letters,
                             {{"highway", highway_of(first)}}});
        }
    }
}

const AsciiMap::Node& AsciiMap::node(char c) const {
    for (const Node& n : nodes_)
        if (n.name == c) return n;
    throw std::invalid_argument(std::string("ascii map: no node ") + c);
}

std::size_t AsciiMap::way_index(std::string_view way) const {
    if (way.size() != 2)
        throw std::invalid_argument("ascii map: name a way by two consecutive letters");
    for (std::size_t i = 0; i < ways_.size(); ++i) {
        const std::string& l = ways_[i].letters;
        for (std::size_t k = 0; k + 1 < l.size(); ++k) {
            if ((l[k] == way[0] && l[k + 1] == way[1]) || (l[k] == way[1] && l[k + 1] == way[0]))
                return i;
        }
    }
    throw std::invalid_argument("ascii map: no way through " + std::string(way));
}

void AsciiMap::tag_way(std::string_view way, const Tags& tags) {
    Tags& t = ways_[way_index(way)].tags;
    for (const auto& [k, v] : tags) {
        if (v.empty())
            t.erase(k);
        else
            t[k] = v;
    }
}

void AsciiMap::tag_node(char c, const Tags& tags) {
    for (Node& n : nodes_)
        if (n.name == c) {
            for (const auto& [k, v] : tags) n.tags[k] = v;
            return;
        }
    throw std::invalid_argument(std::string("ascii map: no node ") + c);
}

std::int64_t AsciiMap::add_relation(const Tags& tags, const std::vector<AsciiMember>& members) {
    relations_.push_back({static_cast<std::int64_t>(relations_.size() + 1), tags, members});
    return relations_.back().id;
}

LonLat AsciiMap::pos(char c) const { return node(c).pos; }
std::int64_t AsciiMap::node_id(char c) const { return node(c).id; }
std::int64_t AsciiMap::way_id(std::string_view way) const { return ways_[way_index(way)].id; }

std::string AsciiMap::xml() const {
    std::ostringstream o;
    o << "<?xml version='1.0' encoding='UTF-8'?>\n<osm version=\"0.6\" generator=\"lc15 "
         "ascii_map\">\n";
    char buf[160];
    for (const Node& n : nodes_) {
        std::snprintf(buf, sizeof buf, " <node id=\"%lld\" %s lat=\"%.7f\" lon=\"%.7f\"",
                      static_cast<long long>(n.id), kStamp, n.pos.lat, n.pos.lon);
        o << buf;
        if (n.tags.empty()) {
            o << "/>\n";
        } else {
            o << ">\n";
            append_tags(o, n.tags);
            o << " </node>\n";
        }
    }
    for (const Way& w : ways_) {
        o << " <way id=\"" << w.id << "\" " << kStamp << ">\n";
        for (char c : w.letters) o << "  <nd ref=\"" << node(c).id << "\"/>\n";
        append_tags(o, w.tags);
        o << " </way>\n";
    }
    for (const Relation& r : relations_) {
        o << " <relation id=\"" << r.id << "\" " << kStamp << ">\n";
        for (const AsciiMember& m : r.members) {
            std::int64_t ref = 0;
            if (!m.ref.empty() && m.ref[0] == '!')
                ref = std::stoll(m.ref.substr(1));
            else
                ref = m.type == 'n' ? node(m.ref.at(0)).id : way_id(m.ref);
            const char* type = m.type == 'n' ? "node" : (m.type == 'w' ? "way" : "relation");
            o << "  <member type=\"" << type << "\" ref=\"" << ref << "\" role=\""
              << io::escape_xml(m.role) << "\"/>\n";
        }
        append_tags(o, r.tags);
        o << " </relation>\n";
    }
    o << "</osm>\n";
    return o.str();
}

void AsciiMap::write(const std::filesystem::path& file) const {
    std::ofstream f(file, std::ios::binary);
    f << xml();
    if (!f) throw std::runtime_error("ascii map: cannot write " + file.string());
}

io::OsmData AsciiMap::read(const io::OsmReadOptions& options) const {
    TempDir dir;
    const auto file = dir / "map.osm";
    write(file);
    return io::read_osm(file, options);
}

TempDir::TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("lc15-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

}  // namespace lc15::test
