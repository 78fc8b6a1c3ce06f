#include "io/population_raster.hpp"

#include <gdal_priv.h>
#include <ogr_spatialref.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "engine/error.hpp"
#include "io/gdal_errors.hpp"
#include "io/numbers.hpp"

namespace lc15::io {

namespace {

std::once_flag g_gdal_once;
void ensure_gdal() {
    std::call_once(g_gdal_once, [] { GDALAllRegister(); });
}

constexpr int kLattice = 8;  // land lattice points per cell side

struct Transforms {
    std::unique_ptr<OGRCoordinateTransformation> to_wgs84, from_wgs84;
};

Transforms make_transforms(const std::string& wkt, const std::string& where) {
    OGRSpatialReference src, dst;
    if (src.importFromWkt(wkt.c_str()) != OGRERR_NONE)
        throw InputError(where, "the raster's CRS is not understood",
                         "declare it in the config: [population] crs = \"EPSG:32651\"");
    dst.importFromEPSG(4326);
    src.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    dst.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    Transforms t;
    t.to_wgs84.reset(OGRCreateCoordinateTransformation(&src, &dst));
    t.from_wgs84.reset(OGRCreateCoordinateTransformation(&dst, &src));
    if (!t.to_wgs84 || !t.from_wgs84)
        throw InputError(where, "no coordinate transformation from the raster's CRS to WGS84",
                         "reproject the raster (gdalwarp -t_srs EPSG:4326) or declare its CRS "
                         "with [population] crs = \"EPSG:n\"");
    return t;
}

// Pixel coordinates (fractional col, row) of a point in the raster's CRS.
std::array<double, 2> to_pixel(const std::array<double, 6>& inv, double x, double y) {
    return {inv[0] + x * inv[1] + y * inv[2], inv[3] + x * inv[4] + y * inv[5]};
}

/// The inverse of a raster's geotransform (map position to pixel); read_population_raster has
/// refused a raster whose geotransform has none.
std::array<double, 6> inverse_geotransform(const PopulationRaster& raster) {
    std::array<double, 6> inv{};
    std::array<double, 6> g = raster.geotransform;
    if (!GDALInvGeoTransform(g.data(), inv.data()))
        throw std::logic_error(raster.path.string() + ": geotransform without an inverse");
    return inv;
}

}  // namespace

PopulationRaster read_population_raster(const RasterSource& source,
                                        const std::optional<std::array<double, 4>>& bbox) {
    ensure_gdal();
    const std::string file = source.path.string();
    PopulationRaster out;
    out.path = source.path;
    GdalErrors gdal(file);
    std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
        GDALOpenEx(file.c_str(), GDAL_OF_RASTER | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!ds)
        throw InputError(file, "cannot open the population raster",
                         "check the path (relative to the config) and that GDAL reads the file "
                         "(gdalinfo " +
                             file + ")");
    if (source.band < 1 || source.band > ds->GetRasterCount())
        throw InputError(file,
                         "the raster has " + std::to_string(ds->GetRasterCount()) +
                             " band(s), no band " + std::to_string(source.band),
                         "set [population] band = 1 .. " + std::to_string(ds->GetRasterCount()));
    out.width = ds->GetRasterXSize();
    out.height = ds->GetRasterYSize();
    if (ds->GetGeoTransform(out.geotransform.data()) != CE_None)
        throw InputError(file, "the raster has no georeference (geotransform)",
                         "give a georeferenced raster (a GeoTIFF with its CRS and origin)");
    std::array<double, 6> inv{};
    if (!GDALInvGeoTransform(out.geotransform.data(), inv.data()))
        throw InputError(file, "the raster's geotransform is degenerate", "re-export the raster");
    if (const OGRSpatialReference* srs = ds->GetSpatialRef(); srs && !srs->IsEmpty()) {
        char* w = nullptr;
        srs->exportToWkt(&w);
        out.wkt = w ? w : "";
        CPLFree(w);
        out.crs_name = srs->GetName() ? srs->GetName() : "";
    } else if (!source.crs.empty()) {
        OGRSpatialReference s;
        if (s.SetFromUserInput(source.crs.c_str()) != OGRERR_NONE)
            throw InputError(source.where, "unknown CRS '" + source.crs + "' for the raster",
                             "write crs = \"EPSG:4326\" (or the raster's EPSG code)");
        char* w = nullptr;
        s.exportToWkt(&w);
        out.wkt = w ? w : "";
        CPLFree(w);
        out.crs_name = source.crs;
    } else {
        throw InputError(file, "the raster declares no CRS",
                         "declare it in the config: [population] crs = \"EPSG:4326\" (or the "
                         "raster's EPSG code)");
    }
    const Transforms t = make_transforms(out.wkt, file);

    GDALRasterBand* band = ds->GetRasterBand(source.band);
    int has_nodata = 0;
    const double nodata = band->GetNoDataValue(&has_nodata);
    std::vector<double> values(static_cast<std::size_t>(out.width));
    // Corners of one row of cells: (w + 1) points on its top and bottom edges.
    std::vector<double> xs(out.width + 1), ys(out.width + 1);
    std::vector<int> ok(out.width + 1);
    auto edge = [&](int row, std::vector<LonLat>& pts) {
        const auto& g = out.geotransform;
        for (int c = 0; c <= out.width; ++c) {
            xs[c] = g[0] + c * g[1] + row * g[2];
            ys[c] = g[3] + c * g[4] + row * g[5];
        }
        t.to_wgs84->Transform(out.width + 1, xs.data(), ys.data(), nullptr, ok.data());
        pts.resize(out.width + 1);
        for (int c = 0; c <= out.width; ++c)
            pts[c] = ok[c] ? LonLat{xs[c], ys[c]} : LonLat{NAN, NAN};
    };
    std::vector<LonLat> top, bottom;
    std::size_t first_negative_col = 0, first_negative_row = 0;
    double first_negative = 0;
    std::size_t negatives = 0;
    const Range range = Range::closed(0, 1e7, "people per cell");
    for (int row = 0; row < out.height; ++row) {
        gdal.at(file + ": row " + std::to_string(row + 1));
        if (band->RasterIO(GF_Read, 0, row, out.width, 1, values.data(), out.width, 1, GDT_Float64,
                           0, 0) != CE_None)
            break;
        bool any = false;
        for (double v : values) any |= std::isfinite(v) && v > 0 && !(has_nodata && v == nodata);
        if (row == 0 || any) edge(row, top);
        if (any) edge(row + 1, bottom);
        for (int col = 0; col < out.width; ++col) {
            const double v = values[col];
            if ((has_nodata && (v == nodata || (std::isnan(nodata) && std::isnan(v)))) ||
                std::isnan(v)) {
                ++out.nodata_cells;
                continue;
            }
            if (v < 0) {
                if (negatives++ == 0) {
                    first_negative_col = col;
                    first_negative_row = row;
                    first_negative = v;
                }
                continue;
            }
            if (v == 0) {
                ++out.zero_cells;
                continue;
            }
            const std::string where = file + ": cell (column " + std::to_string(col + 1) +
                                      ", row " + std::to_string(row + 1) + ")";
            check_number(v, range, where, "population",
                         "a cell holds people (0 .. 1e7); check the band and its scale");
            RasterCell cell;
            cell.col = col;
            cell.row = row;
            cell.population = v;
            cell.corners = {top[col], top[col + 1], bottom[col + 1], bottom[col]};
            double cx = out.geotransform[0] + (col + 0.5) * out.geotransform[1] +
                        (row + 0.5) * out.geotransform[2];
            double cy = out.geotransform[3] + (col + 0.5) * out.geotransform[4] +
                        (row + 0.5) * out.geotransform[5];
            int cok = 0;
            t.to_wgs84->Transform(1, &cx, &cy, nullptr, &cok);
            if (!cok || !std::isfinite(cx) || !std::isfinite(cy))
                throw InputError(where, "the cell's centre has no WGS84 position",
                                 "check the raster's CRS (gdalinfo) or declare it with "
                                 "[population] crs = \"EPSG:n\"");
            cell.centre = {cx, cy};
            if (bbox &&
                (cx < (*bbox)[0] || cx > (*bbox)[2] || cy < (*bbox)[1] || cy > (*bbox)[3])) {
                ++out.outside_cells;
                out.outside_population += v;
                continue;
            }
            out.population += v;
            out.cells.push_back(cell);
        }
    }
    gdal.check("copy the raster again from its source");
    if (negatives > 0) {
        out.negative_cells = negatives;
        if (!source.negative_as_nodata) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%g", first_negative);
            throw InputError(file,
                             std::to_string(negatives) +
                                 " cell(s) hold a negative population (first: column " +
                                 std::to_string(first_negative_col + 1) + ", row " +
                                 std::to_string(first_negative_row + 1) + ", " + buf + ")",
                             "set the raster's nodata value to that number (gdal_edit.py "
                             "-a_nodata), or declare [population] negative = \"nodata\" to "
                             "skip such cells");
        }
    }
    return out;
}

std::array<int, 2> raster_cell_of(const PopulationRaster& raster, LonLat p) {
    // One transformation per thread and CRS: creating one costs milliseconds.
    thread_local std::string wkt;
    thread_local Transforms t;
    if (!t.from_wgs84 || wkt != raster.wkt) {
        t = make_transforms(raster.wkt, raster.path.string());
        wkt = raster.wkt;
    }
    const std::array<double, 6> inv = inverse_geotransform(raster);
    double x = p.lon, y = p.lat;
    if (!t.from_wgs84->Transform(1, &x, &y)) return {-1, -1};
    const auto [fc, fr] = to_pixel(inv, x, y);
    const int c = static_cast<int>(std::floor(fc)), r = static_cast<int>(std::floor(fr));
    if (c < 0 || r < 0 || c >= raster.width || r >= raster.height) return {-1, -1};
    return {c, r};
}

RasterSpread spread_raster(const PopulationRaster& raster, const std::vector<Building>& buildings,
                           const std::vector<MultiPolygon>& residential_land,
                           const HomeOptions& options) {
    RasterSpread out;
    if (raster.cells.empty()) return out;
    const Transforms t = make_transforms(raster.wkt, raster.path.string());
    const std::array<double, 6> inv = inverse_geotransform(raster);
    auto key = [&](int c, int r) { return static_cast<long long>(r) * raster.width + c; };
    std::map<long long, std::size_t> cell_of;  // key -> index into raster.cells
    for (std::size_t i = 0; i < raster.cells.size(); ++i)
        cell_of[key(raster.cells[i].col, raster.cells[i].row)] = i;

    // 1. Residential buildings, by the cell their centroid falls in (raster CRS).
    const double per_person =
        options.floor_area_per_person_m2 > 0 ? options.floor_area_per_person_m2 : 35.0;
    std::vector<std::vector<std::pair<LonLat, double>>> in_cell(raster.cells.size());
    for (const Building& b : buildings) {
        if (!b.residential || !(b.footprint_m2 > 0)) continue;
        double x = b.centroid.lon, y = b.centroid.lat;
        if (!t.from_wgs84->Transform(1, &x, &y)) continue;
        const auto [fc, fr] = to_pixel(inv, x, y);
        auto it =
            cell_of.find(key(static_cast<int>(std::floor(fc)), static_cast<int>(std::floor(fr))));
        if (fc < 0 || fr < 0 || fc >= raster.width || fr >= raster.height || it == cell_of.end())
            continue;
        const int levels = b.levels > 0 ? b.levels : std::max(1, options.default_levels);
        in_cell[it->second].push_back({b.centroid, b.footprint_m2 * levels / per_person});
    }

    const PolygonIndex land(residential_land);
    const auto& g = raster.geotransform;
    std::vector<double> xs(kLattice * kLattice), ys(kLattice * kLattice);
    for (std::size_t i = 0; i < raster.cells.size(); ++i) {
        const RasterCell& cell = raster.cells[i];
        auto& bs = in_cell[i];
        double weight = 0;
        for (const auto& [p, w] : bs) weight += w;
        if (weight > 0) {
            ++out.cells_on_buildings;
            for (const auto& [p, w] : bs) out.points.push_back({p, cell.population * (w / weight)});
            continue;
        }
        // 2. Residential land: a lattice of points in the cell, grouped by land polygon.
        if (!residential_land.empty()) {
            for (int a = 0; a < kLattice; ++a)
                for (int b = 0; b < kLattice; ++b) {
                    const double pc = cell.col + (b + 0.5) / kLattice;
                    const double pr = cell.row + (a + 0.5) / kLattice;
                    xs[a * kLattice + b] = g[0] + pc * g[1] + pr * g[2];
                    ys[a * kLattice + b] = g[3] + pc * g[4] + pr * g[5];
                }
            std::vector<int> ok(xs.size());
            t.to_wgs84->Transform(static_cast<int>(xs.size()), xs.data(), ys.data(), nullptr,
                                  ok.data());
            std::map<std::uint32_t, std::vector<LonLat>> by_polygon;  // ascending polygon index
            int hits = 0;
            for (std::size_t k = 0; k < xs.size(); ++k) {
                if (!ok[k]) continue;
                const LonLat p{xs[k], ys[k]};
                const std::uint32_t poly = land.find(p);
                if (poly == kInvalidId) continue;
                by_polygon[poly].push_back(p);
                ++hits;
            }
            if (hits > 0) {
                ++out.cells_on_land;
                for (const auto& [poly, pts] : by_polygon) {
                    double mx = 0, my = 0;
                    for (const LonLat& p : pts) mx += p.lon, my += p.lat;
                    mx /= pts.size();
                    my /= pts.size();
                    LonLat best = pts.front();
                    double bd = 1e300;
                    for (const LonLat& p : pts) {
                        const double d = (p.lon - mx) * (p.lon - mx) + (p.lat - my) * (p.lat - my);
                        if (d < bd) bd = d, best = p;
                    }
                    out.points.push_back(
                        {best, cell.population * (static_cast<double>(pts.size()) / hits)});
                }
                continue;
            }
        }
        // 3. Nothing residential mapped: one home at the cell centre.
        ++out.cells_at_centre;
        out.points.push_back({cell.centre, cell.population});
    }
    return out;
}

}  // namespace lc15::io
