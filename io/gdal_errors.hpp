// lc15 io — GDAL's own warnings and errors, captured and turned into lc15's.
//
//   GdalErrors gdal(where_layer);          // pushes a handler: nothing reaches stderr
//   for (...) { gdal.at(where_feature); ... GDAL reads ... }
//   gdal.check("copy the file again from its source");   // throws on any GDAL error
//   for (auto& w : gdal.warnings()) warnings->push_back(w);
//
// Semantics: while a GdalErrors lives, every CPLError of this thread is recorded with the
// place last given to at() (the file, else a feature of it) instead of printed as a raw
// "ERROR 1:" / "Warning 1:" line. Decided per class: a CE_Failure or CE_Fatal while reading
// (a truncated .shp: "Error in fread() ..."; a broken GeoPackage page) means features were
// lost, so check() throws an InputError naming the file, the first failing feature, GDAL's
// message and how many errors there were; a CE_Warning (a field value truncated, a ring
// GDAL had to close) becomes one lc15 warning naming the file and feature (repeats of the same
// message counted, not listed). GDAL's debug messages are dropped.
//
// Cost: a string per message. Thread safety: GDAL's handler stack is per thread; create and
// destroy a GdalErrors on the thread that calls GDAL, scopes nested LIFO.
#pragma once

#include <string>
#include <vector>

namespace lc15::io {

class GdalErrors {
  public:
    explicit GdalErrors(std::string where);
    ~GdalErrors();
    GdalErrors(const GdalErrors&) = delete;
    GdalErrors& operator=(const GdalErrors&) = delete;

    /// The place the next messages belong to ("f.shp: fid 7").
    void at(std::string where) { where_ = std::move(where); }
    /// Throws InputError if GDAL reported an error since the scope began.
    void check(const std::string& fix) const;
    /// GDAL's warnings, one line each, with their place.
    std::vector<std::string> warnings() const;
    bool failed() const { return errors_ > 0; }

  private:
    static void handler(int cls, int code, const char* msg);
    void record(int cls, const char* msg);

    std::string file_, where_;
    std::string first_error_, first_error_where_;
    std::size_t errors_ = 0;
    std::vector<std::pair<std::string, std::size_t>> warnings_;  // message with place, repeats
};

}  // namespace lc15::io
