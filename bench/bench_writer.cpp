// Writing result layers: coverage.gpkg's shapes at city size through io::GpkgWriter (prepared
// INSERTs of up to 32 rows each, the R*Tree packed after, its rowid table 500 rows a
// statement). Rows: 100 m squares like homes_grid's cells with 40 reals each, and points like
// the entrances layer with four strings. Items: rows per second. The file goes to the system's
// temp folder and is removed after.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "io/vector_writer.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;

// Writes n rows of `header` per iteration, each filled in place by fill(i, row).
template <typename Fill>
void write_rows(benchmark::State& state, const io::Layer& header, Fill&& fill) {
    const int n = static_cast<int>(state.range(0));
    const fs::path path = fs::temp_directory_path() / ("lc15_bench_" + header.name + ".gpkg");
    for (auto _ : state) {
        fs::remove(path);
        io::GpkgWriter w(path);
        w.begin(header);
        io::Row row;  // reused, as the writers of lc15 coverage do
        for (int i = 0; i < n; ++i) {
            row.values.clear();
            fill(i, row);
            w.row(row);
        }
        w.close();
    }
    fs::remove(path);
    state.SetItemsProcessed(state.iterations() * n);
}

void BM_GpkgSquareCells(benchmark::State& state) {
    io::Layer header{"cells", io::Layer::Polygon, {}, {}};
    for (int f = 0; f < 40; ++f)
        header.fields.push_back({"share_" + std::to_string(f), io::Field::Real});
    write_rows(state, header, [](int i, io::Row& row) {
        const double x = 122.0 + 0.0012 * (i % 1000), y = 40.0 + 0.0009 * (i / 1000);
        row.area.resize(1);
        row.area[0].outer = {{x, y}, {x + 0.0012, y}, {x + 0.0012, y + 0.0009}, {x, y + 0.0009}};
        for (int f = 0; f < 40; ++f) row.values.emplace_back(double((i + f) % 97) / 97.0);
    });
}
BENCHMARK(BM_GpkgSquareCells)->Arg(200000)->Unit(benchmark::kMillisecond)->Iterations(3);

void BM_GpkgEntrancePoints(benchmark::State& state) {
    const io::Layer header{"entrances",
                           io::Layer::Point,
                           {{"facility_row", io::Field::Int},
                            {"category", io::Field::String},
                            {"source", io::Field::String},
                            {"id", io::Field::String},
                            {"status", io::Field::String},
                            {"access_cm", io::Field::Int},
                            {"snap_lon", io::Field::Real},
                            {"snap_lat", io::Field::Real}},
                           {}};
    write_rows(state, header, [](int i, io::Row& row) {
        row.point = {122.0 + 0.0007 * (i % 1400), 40.0 + 0.0005 * (i / 1400)};
        row.values.emplace_back(std::int64_t{i / 2});
        row.values.emplace_back(std::string("kindergarten"));
        row.values.emplace_back(std::string("osm"));
        row.values.emplace_back("n" + std::to_string(1000000 + i));
        row.values.emplace_back(std::string("used"));
        row.values.emplace_back(std::int64_t{i % 3000});
        row.values.emplace_back(row.point.lon + 1e-5);
        row.values.emplace_back(row.point.lat - 1e-5);
    });
}
BENCHMARK(BM_GpkgEntrancePoints)->Arg(300000)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
}  // namespace lc15
