// lc15 errors.
//
// Bad files, configs and arguments are exceptions carrying where (file, line/column or object)
// and how to fix it; per-query outcomes (a point too far to snap, a vertex not reached) are
// status values, never exceptions. The CLI maps InputError to exit code 1, anything else to 2.
#pragma once

#include <stdexcept>
#include <string>

namespace lc15 {

/// The user's input is wrong: a missing or malformed file, a bad option, an impossible request.
class InputError : public std::runtime_error {
  public:
    /// where: "configs/x.toml:12:3" or "data/osm/a.osm.pbf: way 123"; hint: how to fix it.
    InputError(std::string where, std::string what, std::string hint = {})
        : std::runtime_error(compose(where, what, hint)),
          where_(std::move(where)),
          hint_(std::move(hint)) {}
    const std::string& where() const { return where_; }
    const std::string& hint() const { return hint_; }

  private:
    static std::string compose(const std::string& where, const std::string& what,
                               const std::string& hint) {
        std::string s = where.empty() ? what : where + ": " + what;
        if (!hint.empty()) s += "\n  fix: " + hint;
        return s;
    }
    std::string where_;
    std::string hint_;
};

}  // namespace lc15
