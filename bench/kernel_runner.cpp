// lc15_kernel — runs one benchmark kernel on a graph CSV, timed around the computation only,
// and writes its answers so bench/peers/compare.py can check them against other tools.
//
//   lc15_kernel generate --vertices 1000000 -o graph/      # a grid city as graph CSV
//   lc15_kernel facilities --graph graph/ -o fac.csv       # 8 categories, seeded
//   lc15_kernel nearest --graph graph/ --facilities fac.csv -j 1 --out nearest.u32
//   lc15_kernel count   --graph graph/ --facilities fac.csv -j 2 --out count.u32
//
// nearest: kernel 1, distance (cm) from every vertex to its category's nearest facility;
// count: kernel 2, facilities of the category within its radius. The answers file is
// little-endian uint32, [category][vertex row of vertices.csv], 0xFFFFFFFF for unreachable.
// One JSON line on stdout: load and compute seconds (best of --repeat), sizes, settled count.
#include <oneapi/tbb/global_control.h>
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "bench/grid_city.hpp"
#include "engine/error.hpp"
#include "io/files.hpp"
#include "io/graph_export.hpp"
#include "io/graph_import.hpp"

namespace {

using namespace lc15;
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

std::vector<bench::BenchCategory> read_facilities(const std::filesystem::path& path,
                                                  const io::ImportedGraph& in) {
    io::require_readable(path, "facilities (CSV)");
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);
    if (line != "category,radius_m,vertex") {
        throw InputError(path.string() + ":1", "header is '" + line + "'",
                         "expected 'category,radius_m,vertex'");
    }
    std::vector<bench::BenchCategory> cats;
    std::map<std::string, std::size_t> index;
    for (int no = 2; std::getline(f, line); ++no) {
        if (line.empty()) continue;
        std::istringstream ss(line);
        std::string id, radius, vertex;
        std::getline(ss, id, ',');
        std::getline(ss, radius, ',');
        std::getline(ss, vertex, ',');
        std::uint32_t row = 0;
        try {
            row = static_cast<std::uint32_t>(std::stoul(vertex));
        } catch (const std::exception&) {
            row = kInvalidId;
        }
        if (row >= in.vertex_of_row.size() || in.vertex_of_row[row] == kInvalidId) {
            throw InputError(path.string() + ":" + std::to_string(no),
                             "vertex '" + vertex + "' is not in the graph",
                             "vertex is a row id of vertices.csv that has an edge");
        }
        auto [it, fresh] = index.emplace(id, cats.size());
        if (fresh) cats.push_back({id, std::stod(radius), 0, {}});
        cats[it->second].facilities.push_back(in.vertex_of_row[row]);
    }
    return cats;
}

template <class T>
void write_answers(const std::filesystem::path& path, const std::vector<std::vector<T>>& by_cat,
                   const io::ImportedGraph& in) {
    std::vector<std::uint32_t> out;
    out.reserve(by_cat.size() * in.vertex_of_row.size());
    for (const auto& values : by_cat) {
        for (VertexId v : in.vertex_of_row)
            out.push_back(v == kInvalidId ? kInfDistance : values[v]);
    }
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(out.data()),
            std::streamsize(out.size() * sizeof(std::uint32_t)));
    if (!f)
        throw InputError(path.string(), "cannot write the answers",
                         "check the folder exists and is writable");
}

int run(int argc, char** argv) {
    CLI::App app{"lc15_kernel: benchmark kernels of lc15 on a graph CSV"};
    app.require_subcommand(1);
    std::string graph_dir, out, fac_path;
    std::uint32_t vertices = 10000;
    std::uint64_t seed = 20261127;
    int threads = 0, repeat = 1;

    auto* gen = app.add_subcommand("generate", "Write a grid city as graph CSV");
    gen->add_option("--vertices", vertices, "About this many vertices")->required();
    gen->add_option("--seed", seed);
    gen->add_option("-o,--output", out, "Folder for vertices.csv and edges.csv")->required();

    auto* fac = app.add_subcommand("facilities", "Pick the benchmark's facilities on a graph");
    fac->add_option("--graph", graph_dir)->required();
    fac->add_option("--seed", seed);
    fac->add_option("-o,--output", out, "CSV: category,radius_m,vertex")->required();

    auto* info = app.add_subcommand("info", "Sizes of the graph in memory");
    info->add_option("--graph", graph_dir)->required();

    std::vector<CLI::App*> kernels;
    for (const char* name : {"nearest", "count"}) {
        auto* k = app.add_subcommand(name, std::string(name) == "nearest"
                                               ? "Kernel 1: nearest facility of each category"
                                               : "Kernel 2: facilities within the radius");
        k->add_option("--graph", graph_dir)->required();
        k->add_option("--facilities", fac_path)->required();
        k->add_option("-j,--threads", threads, "Worker threads (0: all cores)");
        k->add_option("--repeat", repeat, "Run this often, report the fastest");
        k->add_option("--out", out, "Answers, uint32 [category][vertex row]");
        kernels.push_back(k);
    }
    CLI11_PARSE(app, argc, argv);

    if (gen->parsed()) {
        const WalkGraph g = bench::make_grid_city(bench::grid_city_for(vertices, seed));
        io::write_graph_csv(g, out);
        std::printf("{\"vertices\":%u,\"edges\":%u}\n", g.num_vertices(), g.num_edges());
        return 0;
    }

    const auto t_load = Clock::now();
    const io::ImportedGraph in = io::read_graph_csv(graph_dir);
    const double load_s = seconds_since(t_load);
    const WalkGraph& g = in.graph;
    if (in.length_mismatches > 0) {
        std::fprintf(stderr, "lc15_kernel: %u edge lengths differ from the CSV\n",
                     in.length_mismatches);
    }

    if (fac->parsed()) {
        const auto cats = bench::pick_facilities(g, seed);
        std::vector<std::uint32_t> row_of(g.num_vertices(), kInvalidId);
        for (std::uint32_t r = 0; r < in.vertex_of_row.size(); ++r) {
            if (in.vertex_of_row[r] != kInvalidId) row_of[in.vertex_of_row[r]] = r;
        }
        std::ostringstream s;
        s << "category,radius_m,vertex\n";
        for (const auto& c : cats) {
            for (VertexId v : c.facilities)
                s << c.id << ',' << c.radius_m << ',' << row_of[v] << '\n';
        }
        io::write_file_atomic(out, s.str());
        return 0;
    }
    char sizes[256];
    std::snprintf(
        sizes, sizeof sizes,
        "\"vertices\":%u,\"arcs\":%u,\"core_bytes\":%zu,\"bytes_per_arc\":%.2f,\"total_bytes\":%zu,"
        "\"length_mismatches\":%u,\"load_s\":%.3f",
        g.num_vertices(), g.num_arcs(), g.core_bytes(), double(g.core_bytes()) / g.num_arcs(),
        g.total_bytes(), in.length_mismatches, load_s);
    if (info->parsed()) {
        std::printf("{%s}\n", sizes);
        return 0;
    }

    const auto cats = read_facilities(fac_path, in);
    std::unique_ptr<tbb::global_control> limit;
    if (threads > 0) {
        limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                      static_cast<std::size_t>(threads));
    }
    const bool nearest = kernels[0]->parsed();
    double best = 1e300;
    std::uint64_t settled = 0;
    std::size_t facilities = 0;
    for (const auto& c : cats) facilities += c.facilities.size();
    for (int r = 0; r < std::max(repeat, 1); ++r) {
        const auto t = Clock::now();
        if (nearest) {
            const auto answers = bench::nearest_by_category(g, cats, &settled);
            best = std::min(best, seconds_since(t));
            if (r == 0 && !out.empty()) write_answers(out, answers, in);
        } else {
            const auto answers = bench::count_within_by_category(g, cats, &settled);
            best = std::min(best, seconds_since(t));
            if (r == 0 && !out.empty()) write_answers(out, answers, in);
        }
    }
    std::printf(
        "{\"tool\":\"lc15\",\"kernel\":\"%s\",\"threads\":%d,\"categories\":%zu,\"facilities\":%zu,"
        "\"compute_s\":%.4f,\"settled\":%llu,%s}\n",
        nearest ? "nearest" : "count", threads, cats.size(), facilities, best,
        static_cast<unsigned long long>(settled), sizes);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const lc15::InputError& e) {
        std::cerr << "lc15_kernel: " << e.what() << '\n';
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "lc15_kernel: internal error: " << e.what() << '\n';
        return 2;
    }
}
