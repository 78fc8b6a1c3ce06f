#include "io/census.hpp"

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "engine/error.hpp"
#include "io/numbers.hpp"

namespace lc15::io {

namespace {

// One CSV record (RFC 4180: quoted fields may hold commas, quotes doubled, line breaks).
bool next_record(std::istream& in, std::vector<std::string>& fields, int& line) {
    fields.clear();
    std::string field;
    bool quoted = false, any = false;
    char ch;
    while (in.get(ch)) {
        any = true;
        if (quoted) {
            if (ch == '"') {
                if (in.peek() == '"') {
                    in.get(ch);
                    field += '"';
                } else {
                    quoted = false;
                }
            } else {
                if (ch == '\n') ++line;
                field += ch;
            }
        } else if (ch == '"') {
            quoted = true;
        } else if (ch == ',') {
            fields.push_back(std::move(field));
            field.clear();
        } else if (ch == '\n') {
            ++line;
            break;
        } else if (ch != '\r') {
            field += ch;
        }
    }
    if (!any) return false;
    fields.push_back(std::move(field));
    return true;
}

std::string last_word(const std::string& s) {
    const auto p = s.find_last_of(' ');
    return p == std::string::npos ? s : s.substr(p + 1);
}

}  // namespace

std::vector<CensusFigure> read_census(const CensusSource& source) {
    const std::string file = source.path.string();
    std::ifstream in(source.path, std::ios::binary);
    if (!in)
        throw InputError(file, "cannot open the census file",
                         "check [population.census] path (relative to the config)");
    if (in.peek() == 0xEF) {  // UTF-8 BOM
        char bom[3];
        in.read(bom, 3);
    }
    int line = 1;
    std::vector<std::string> header;
    if (!next_record(in, header, line))
        throw InputError(file, "the census file is empty",
                         "give a CSV with a header, e.g. name,population");
    auto column = [&](const std::string& name, const char* key) {
        for (std::size_t i = 0; i < header.size(); ++i)
            if (header[i] == name) return static_cast<int>(i);
        std::string cols;
        for (const auto& h : header) cols += (cols.empty() ? "" : ", ") + h;
        throw InputError(
            file + ": line 1", "no column '" + name + "' (" + key + ")",
            "set [population.census] " + std::string(key) + " to one of the columns: " + cols);
    };
    const int name_col = column(source.name_field, "name_field");
    const int pop_col = column(source.population_field, "population_field");
    const int code_col = source.code_field.empty() ? -1 : column(source.code_field, "code_field");
    std::vector<std::pair<int, std::string>> filters;
    for (const auto& [k, v] : source.only) filters.push_back({column(k, "only"), v});

    std::vector<CensusFigure> out;
    std::vector<std::string> row;
    while (true) {
        const int at_line = line;
        if (!next_record(in, row, line)) break;
        if (row.size() == 1 && row[0].empty()) continue;  // blank line
        auto cell = [&](int c) { return c >= 0 && c < int(row.size()) ? row[c] : std::string(); };
        bool keep = true;
        for (const auto& [c, v] : filters) keep = keep && cell(c) == v;
        if (!keep) continue;
        CensusFigure f;
        f.line = at_line;
        f.name = cell(name_col);
        f.code = cell(code_col);
        const std::string where = file + ": line " + std::to_string(at_line);
        if (f.name.empty() && f.code.empty())
            throw InputError(where, "a census row without a name",
                             "fill column '" + source.name_field + "' or remove the row");
        f.population = parse_number(
            cell(pop_col), Range::closed(0, 1e8, "residents"), where, "population",
            "give residents as a number from 0 to 1e8 in column '" + source.population_field + "'");
        out.push_back(std::move(f));
    }
    if (out.empty())
        throw InputError(file, "no census row kept",
                         source.only.empty() ? "add rows: name,population"
                                             : "check [population.census] only: no row holds "
                                               "those values");
    return out;
}

CensusMatch match_census(const std::vector<CensusFigure>& figures,
                         const std::vector<std::pair<std::string, std::string>>& communities,
                         const CensusSource& source) {
    CensusMatch m;
    m.figure_of.assign(communities.size(), std::nullopt);
    std::multimap<std::string, std::size_t> by_id, by_name;
    for (std::size_t c = 0; c < communities.size(); ++c) {
        by_id.insert({communities[c].first, c});
        by_name.insert({communities[c].second, c});
    }
    const std::string file = source.path.string();
    for (std::size_t r = 0; r < figures.size(); ++r) {
        const CensusFigure& f = figures[r];
        std::vector<std::size_t> hits;
        if (!f.code.empty()) {
            auto [a, b] = by_id.equal_range(f.code);
            for (auto it = a; it != b; ++it) hits.push_back(it->second);
        }
        if (hits.empty() && !f.name.empty()) {
            auto [a, b] = by_name.equal_range(f.name);
            for (auto it = a; it != b; ++it) hits.push_back(it->second);
            if (hits.empty()) {
                auto [c, d] = by_name.equal_range(last_word(f.name));
                for (auto it = c; it != d; ++it) hits.push_back(it->second);
            }
        }
        if (hits.empty()) {
            m.unmatched.push_back(r);
            continue;
        }
        for (std::size_t c : hits) {
            if (m.figure_of[c]) {
                throw InputError(file + ": line " + std::to_string(f.line),
                                 "community " + communities[c].first + " (" +
                                     communities[c].second + ") has two census rows (lines " +
                                     std::to_string(figures[*m.figure_of[c]].line) + " and " +
                                     std::to_string(f.line) + ")",
                                 "keep one row per community, or narrow the rows with "
                                 "[population.census] only = { level = \"street\" }");
            }
            m.figure_of[c] = r;
        }
    }
    return m;
}

ScaleResult scale_to_totals(std::vector<HomePoint>& homes,
                            const std::vector<std::optional<double>>& given) {
    const std::size_t n = given.size();
    ScaleResult s;
    s.estimate.assign(n, 0.0);
    s.factor.assign(n, std::numeric_limits<double>::quiet_NaN());
    std::vector<std::uint32_t> count(n, 0);
    std::vector<std::size_t> largest(n, 0);
    for (std::size_t i = 0; i < homes.size(); ++i) {
        const CommunityId c = homes[i].community;
        if (c == kInvalidId || c >= n) continue;
        if (count[c] == 0 || homes[i].population > homes[largest[c]].population) largest[c] = i;
        s.estimate[c] += homes[i].population;
        ++count[c];
    }
    for (std::size_t c = 0; c < n; ++c)
        if (given[c] && s.estimate[c] > 0) s.factor[c] = *given[c] / s.estimate[c];
    std::vector<double> placed(n, 0.0);
    for (HomePoint& h : homes) {
        const CommunityId c = h.community;
        if (c == kInvalidId || c >= n || !given[c]) continue;
        h.population = s.estimate[c] > 0 ? h.population * s.factor[c] : *given[c] / count[c];
        placed[c] += h.population;
    }
    // Rounding: the community's largest home takes what the products miss, so the homes sum
    // to the figure (to the last bit in this order of summation).
    for (std::size_t c = 0; c < n; ++c) {
        if (!given[c] || count[c] == 0) continue;
        homes[largest[c]].population += *given[c] - placed[c];
    }
    for (CommunityId c = 0; c < n; ++c)
        if (given[c] && *given[c] > 0 && count[c] == 0) s.unhoused.push_back(c);
    return s;
}

}  // namespace lc15::io
