// lc15 server — the planner's what-if sessions over one shared, read-only base city: the JSON
// API of `lc15 serve` without the HTTP (docs/SERVER.md; server/http_server.hpp wires it).
//
//   io::City city = io::load_city(config);
//   Planner planner(city, {.max_sessions = 16});          // base coverage computed once
//   Reply r = planner.create_session();                     // 201 {"session": "…", ...}
//   r = planner.edit(id, R"({"type":"add_facility","category":"kindergarten",
//                             "lon":7.42,"lat":43.73,"name":"new"})");
//   r = planner.undo(id);  r = planner.redo(id);
//   r = planner.scenario_toml(id);                          // the edit list as a scenario file
//
// Semantics: a session is an edit list applied, in order, to its own CoverageModel that starts
// as the base model of `lc15 scenario` (scenarios::make_scenario_city: same rules, snaps and
// facilities in the same order). Facility and stop edits (add/move/close facility, add/remove
// stop) are applied incrementally (CoverageModel::add/remove/move_facility with a Delta) and
// the session's report is brought up to date with CoverageModel::update_report; gained and lost
// residents are summed over the (category, home) pairs the edits touched in (category, home)
// order, exactly as ScenarioEvaluator::compare does, so the figures equal those of
// `lc15 scenario` on the saved scenario bit for bit. Undo applies the inverse edit (a closed
// facility comes back under a new handle); redo applies the edit again. A move of a facility
// added in the session (`move_added`, naming the adding edit's number) is an edit of the
// list that moves that handle; the saved scenario states it as the adding edit's place.
// GET /api/city carries io::network_figures (per community and the city), computed once.
// Every request is validated before anything changes: malformed JSON, unknown keys, non-finite
// or out-of-city coordinates, points beyond the snap limit, unknown categories or facilities,
// an unknown session: a 4xx Reply with the message and a "fix:", the session unchanged.
// Network, population and profile edits are refused (422) with a pointer to `lc15 scenario`.
// No file path is ever taken from a request (a scenario's `sites = "file"` is refused).
//
// Cost: the constructor computes the base model once (CoverageModel::compute); a new session
// computes its own copy (one compute, ~C x (12 bytes per home + 8 per vertex) of results plus
// its report: Planner::session_bytes() estimates it); an edit costs one incremental edit, one
// update_report and O(pairs touched so far) to sum the gains. Sessions beyond max_sessions are
// refused (503) unless one has been idle longer than idle_timeout, which is then dropped.
// Thread safety: every public method may be called from any thread; sessions are independent
// (one mutex each) and share only the immutable base.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "io/city.hpp"

namespace lc15::server {

/// An HTTP-shaped answer: status code, body and its media type.
struct Reply {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
};

struct PlannerOptions {
    std::size_t max_sessions = 16;
    std::chrono::seconds idle_timeout{30 * 60};
    /// The config file the city was loaded from, written as `base` into saved scenarios.
    std::string config_path;
};

class Planner {
  public:
    /// Computes the base coverage of `city`; `city` must outlive the planner.
    Planner(const io::City& city, PlannerOptions options);
    ~Planner();
    Planner(const Planner&) = delete;
    Planner& operator=(const Planner&) = delete;

    /// GET /api/city: categories, communities (polygons, base figures), facilities, stops,
    /// homes, bounds, snap limit. The same bytes for every call (built once).
    const Reply& city() const;
    /// POST /api/sessions: a new session at the base state (201), or 503 at the cap.
    Reply create_session();
    /// GET /api/sessions/{id}: the session's edit list and its figures against the base.
    Reply state(const std::string& id);
    /// POST /api/sessions/{id}/edits with one edit as JSON.
    Reply edit(const std::string& id, const std::string& body);
    /// POST /api/sessions/{id}/undo, /redo (409 when there is nothing to undo / redo).
    Reply undo(const std::string& id);
    Reply redo(const std::string& id);
    /// GET /api/sessions/{id}/scenario.toml: the edit list as a scenario file for
    /// `lc15 scenario` (application/toml).
    Reply scenario_toml(const std::string& id);
    /// PUT /api/sessions/{id}/scenario with a scenario file's text: replaces the edit list
    /// (all or nothing; the redo list is cleared).
    Reply load_scenario(const std::string& id, const std::string& toml_text);
    /// POST /api/sessions/{id}/optimize with {"category": "pocket_park", "k": 5,
    /// "min_spacing_m": 0}: where K new facilities cover the most residents the session's
    /// facilities of that category leave uncovered (lazy greedy over street points every
    /// 100 m near homes, as `lc15 optimize`). Changes nothing: the page keeps sites one by one
    /// as add_facility edits.
    Reply optimize(const std::string& id, const std::string& body);
    /// POST /api/sessions/{id}/export with {"format": "pdf"|"png", "category": "…" (absent:
    /// the overview of scores), "bounds": [west, south, east, north] (the page's view),
    /// "paper": "A3", "portrait": false}: the session's state (base city plus its facility and
    /// stop edits) drawn by maps::render_map as the printable map (application/pdf, or
    /// image/png at 150 dpi), from the session's own model and report. Rendered in memory;
    /// 422 when the session holds network, housing or profile edits (lc15 scenario prints
    /// those), 503 without the CJK fonts. Changes nothing.
    Reply export_map(const std::string& id, const std::string& body);
    /// POST /api/compare with {"scenarios": [{"label": "a.toml", "text": "…"}, {…}]}: two
    /// scenario files' texts (uploaded from the page, never a path) each evaluated over the base
    /// city as `lc15 scenario` evaluates it (any edit type), returned side by side as
    /// {"scenarios": [A, B]}, each with "city" and "communities" in the shape of a session's
    /// figures, plus label, name, description, edits and log. The files' `base` is not read:
    /// both are evaluated over the served city. Touches no session.
    Reply compare(const std::string& body);
    /// DELETE /api/sessions/{id}.
    Reply close_session(const std::string& id);

    std::size_t num_sessions() const;
    /// Bytes one session's model and report take (results, handles, report), estimated from
    /// the city's size.
    std::size_t session_bytes() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lc15::server
