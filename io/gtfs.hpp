// lc15 io — a GTFS feed read as a frequency-based bus network.
//
//   GtfsFeed feed = read_gtfs("data/gtfs/portoalegre_eptc_gtfs.zip");   // or a folder
//   TransitNetwork net = build_transit(graph, snapper, feed.stops, feed.lines, TransitOptions{});
//   for (auto& w : feed.warnings) log(w);                               // "stop_times.txt:12: ..."
//
// What it does (docs/TRANSIT.md): keeps the trips whose service runs on the chosen day, groups
// them into patterns (a route's distinct stop sequences), and turns each pattern that departs in
// the time window (default 07:00–09:00) into one line: the ride time of each hop is the median
// over its trips in the window, the headway is the window length divided by the departures in it
// (or, for trips listed in frequencies.txt, by the departures headway_secs implies). Times left
// empty between timepoints are interpolated by straight-line distance between the stops.
// Reads a .zip through GDAL's /vsizip/ (no unpacking) or a folder of .txt files.
//
// Courses (GtfsFeed::shapes, drawn by the bus map and written to bus.gpkg): each line along the
// shape (shapes.txt, optional) of its pattern's first trip, cut hop by hop between the stops
// placed on it (io/line_shape.hpp: by shape_dist_traveled when stop_times.txt and shapes.txt
// both give it, else by position, monotone along the shape); a hop next to a stop farther than
// kMaxStopShapeM from the shape, or of a trip without shape_id, is straight. shapes.txt is
// streamed in 64 KB chunks, and only the rows of shapes the window's trips name are kept.
//
// Errors: a missing file or column throws InputError naming the file (and column); a bad row is
// a warning naming file and line, and the row is skipped — except in shapes.txt, whose bad rows
// (a coordinate not a number or out of range, a shape_pt_sequence not a whole number or repeated
// within a shape) and a shape_id a trip of the window names but shapes.txt lacks throw
// InputError naming file, line, shape and fix, since a half-drawn network would mislead. Cost:
// one pass over each file (the Porto Alegre feed, 130k stop times and 58k shape points, reads in
// well under a second). Thread safety: pure.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/error.hpp"
#include "engine/transit.hpp"
#include "io/line_shape.hpp"

namespace lc15::io {

/// A CSV text (RFC 4180: quoted fields, "" inside quotes, CRLF or LF, optional UTF-8 BOM), read
/// row by row with line numbers for messages. GTFS's dialect; also used for planners' line files.
///   CsvTable t(text, "stops.txt");  int c = t.col("stop_id", true);
///   while (t.next()) use(t.get(c), t.here());
class CsvTable {
  public:
    CsvTable(std::string text, std::string where)
        : text_(std::move(text)), where_(std::move(where)) {
        start();
    }
    /// Streaming: `read(buf, n)` fills up to n bytes and returns how many (0 at the end); only
    /// a chunk of the text is held at a time, for files of any size.
    CsvTable(std::function<std::size_t(char*, std::size_t)> read, std::string where)
        : where_(std::move(where)), read_(std::move(read)) {
        start();
    }

    /// Index of a column; -1 if absent and optional; throws InputError if absent and required.
    int col(const std::string& name, bool required) const {
        for (std::size_t i = 0; i < header_.size(); ++i) {
            if (header_[i] == name) return static_cast<int>(i);
        }
        if (required) {
            std::string has;
            for (const std::string& h : header_) has += (has.empty() ? "" : ", ") + h;
            throw InputError(where_ + ":1", "missing column " + name,
                             "add the column '" + name + "' to the header line (it has: " +
                                 (has.empty() ? "nothing" : has) + ")");
        }
        return -1;
    }

    bool next() {
        row_.clear();
        if (!more()) return false;
        line_ = next_line_;
        std::string field;
        bool quoted = false;
        while (more()) {
            const char c = text_[pos_++];
            if (quoted) {
                if (c == '"') {
                    if (more() && text_[pos_] == '"') {
                        field += '"';
                        ++pos_;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') ++next_line_;
                    field += c;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row_.push_back(std::move(field));
                field.clear();
            } else if (c == '\n') {
                ++next_line_;
                break;
            } else if (c != '\r') {
                field += c;
            }
        }
        row_.push_back(std::move(field));
        if (row_.size() == 1 && row_[0].empty()) return next();  // blank line
        return true;
    }

    const std::string& get(int c) const {
        static const std::string empty;
        return c >= 0 && static_cast<std::size_t>(c) < row_.size() ? row_[c] : empty;
    }
    /// "file:line" of the current row, for warnings.
    std::string here() const { return where_ + ":" + std::to_string(line_); }

    /// The 1-based line the current row starts on.
    int line() const { return line_; }

  private:
    void start() {
        while (text_.size() - pos_ < 3 && fill()) {
        }
        if (text_.compare(pos_, 3, "\xEF\xBB\xBF") == 0) pos_ += 3;
        if (!next())
            throw InputError(where_, "file is empty", "the first line must name the columns");
        header_ = row_;
        for (auto& h : header_) {
            while (!h.empty() && (h.back() == ' ' || h.back() == '\t')) h.pop_back();
            while (!h.empty() && (h.front() == ' ' || h.front() == '\t')) h.erase(h.begin());
        }
    }
    /// Whether a character is left at pos_, reading the next chunk when streaming.
    bool more() { return pos_ < text_.size() || fill(); }
    /// Streaming: drops the text read and appends the next chunk; false at the end.
    bool fill() {
        if (!read_) return false;
        text_.erase(0, pos_);
        pos_ = 0;
        const std::size_t held = text_.size();
        text_.resize(held + (1 << 16));
        const std::size_t n = read_(text_.data() + held, 1 << 16);
        text_.resize(held + n);
        if (n == 0) read_ = nullptr;
        return n > 0;
    }

    std::string text_;
    std::string where_;
    std::function<std::size_t(char*, std::size_t)> read_;
    std::size_t pos_ = 0;
    int line_ = 0, next_line_ = 1;
    std::vector<std::string> header_, row_;
};

struct GtfsOptions {
    int window_start_s = 7 * 3600;  ///< departures from the first stop in [start, end)
    int window_end_s = 9 * 3600;
    /// Service day: "YYYYMMDD" uses calendar.txt's date range and calendar_dates.txt; empty uses
    /// `weekday` alone (a typical day, whatever the feed's validity dates).
    std::string date;
    std::string weekday = "wednesday";  ///< monday … sunday, when `date` is empty
};

struct GtfsFeed {
    std::vector<TransitStopInput> stops;  ///< every stop (location_type 0), ids as in the feed
    std::vector<TransitLineInput> lines;  ///< one per pattern with departures in the window
    /// One per line, parallel to `lines`: along the shape (shapes.txt) of the pattern's first
    /// trip in trips.txt order, straight where it has none or a stop lies farther than
    /// kMaxStopShapeM from it.
    std::vector<LineShape> shapes;
    std::vector<std::string> warnings;
    std::size_t trips_total = 0;   ///< trips in trips.txt
    std::size_t trips_on_day = 0;  ///< running on the chosen day
    std::size_t trips_in_window =
        0;  ///< departing in the window (frequency-based ones counted once)
};

/// A time window "HH:MM-HH:MM" (e.g. "07:00-09:00"; hours past 24 allowed, as in GTFS) as
/// seconds after midnight {start, end}. Throws InputError at `where` unless it parses and ends
/// after it starts.
std::pair<int, int> parse_time_window(const std::string& text, const std::string& where);

/// Reads a GTFS feed from a .zip or a folder.
GtfsFeed read_gtfs(const std::filesystem::path& zip_or_folder, const GtfsOptions& options = {});

}  // namespace lc15::io
