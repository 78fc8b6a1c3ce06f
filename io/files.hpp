// lc15 io — safe file handling shared by every reader and writer.
//
//   require_readable(path, "OSM extract");        // throws InputError naming the file and fix
//   OutputDir out("results/");                     // checks it can be created and written
//   std::filesystem::path tmp = out.stage("communities.csv");   // write here...
//   out.commit();                                  // ...then all staged files move into place
//
// Nothing is half-written: files are written under a hidden staging folder inside the output
// folder and renamed into place only by commit(); if commit() is never reached (an error was
// thrown), the destructor removes the staging folder and the earlier outputs stay untouched.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lc15::io {

/// Throws InputError unless `path` is an existing, readable regular file.
void require_readable(const std::filesystem::path& path, const std::string& what);

/// SHA-256 of a file's bytes, as lowercase hex (for run provenance).
std::string file_sha256(const std::filesystem::path& path);
std::string sha256_hex(const std::string& bytes);

class OutputDir {
  public:
    explicit OutputDir(std::filesystem::path dir);
    ~OutputDir();
    OutputDir(const OutputDir&) = delete;
    OutputDir& operator=(const OutputDir&) = delete;

    /// A path in the staging folder under which to write `name` (a relative file name).
    std::filesystem::path stage(const std::string& name);
    /// At commit, removes `name` from the output folder if an earlier run left it there (an
    /// output this run deliberately does not produce, so that no stale file looks current).
    void discard(const std::string& name);
    /// Moves every staged file to its final place, replacing older versions, and removes the
    /// discarded ones.
    void commit();
    const std::filesystem::path& dir() const { return dir_; }

  private:
    std::filesystem::path dir_;
    std::filesystem::path staging_;
    std::vector<std::string> names_;
    std::vector<std::string> discarded_;
    bool committed_ = false;
    bool created_ =
        false;  // the folder did not exist before: removed again if nothing is committed
};

/// Writes `content` to `path` atomically (temporary file in the same folder, then rename).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

}  // namespace lc15::io
