#include "io/sites_file.hpp"

#include "engine/error.hpp"
#include "io/files.hpp"
#include "io/vector_reader.hpp"
#include "io/vector_writer.hpp"

namespace lc15::io {

std::vector<Site> read_sites(const std::filesystem::path& path, const Crs& crs,
                             const std::string& where) {
    if (!std::filesystem::exists(path)) {
        throw InputError(where, "the sites file " + path.string() + " does not exist",
                         "write it with lc15 optimize --out (it writes sites.csv), or fix the path "
                         "(relative to the scenario file)");
    }
    require_readable(path, "sites file");
    VectorSource src;
    src.path = path;
    src.crs = crs;
    src.crs_declared = true;
    std::vector<Site> out;
    for (const Feature& f : read_features(src, nullptr)) out.push_back({f.point, f.name});
    if (out.empty()) {
        throw InputError(where, "the sites file " + path.string() + " lists no sites",
                         "give one site per line: lon,lat[,name]");
    }
    return out;
}

void write_sites_csv(const std::filesystem::path& path, const std::vector<SiteRow>& rows,
                     bool served) {
    std::vector<std::vector<Value>> cells;
    cells.reserve(rows.size());
    for (const SiteRow& r : rows) {
        cells.push_back({std::int64_t{r.rank}, fixed(r.pos.lon, 7), fixed(r.pos.lat, 7), r.name,
                         fixed(r.gain, 1), fixed(r.covered, 1), fixed(r.share, 4)});
    }
    write_csv_bom(path,
                  {"rank", "lon", "lat", "name", "gain", served ? "served" : "covered",
                   served ? "gap_share" : "share"},
                  cells);
}

}  // namespace lc15::io
