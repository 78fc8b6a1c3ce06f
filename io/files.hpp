// lc15 io — safe file handling shared by every reader and writer.
//
//   require_readable(path, "OSM extract");        // throws InputError naming the file and fix
//   OutputDir out("results/");                     // locks it; checks it can be written
//   std::filesystem::path tmp = out.stage("communities.csv");   // write here...
//   write_text(tmp, text);                         // every write and close checked
//   out.commit();                                  // ...then the whole folder switches at once
//
// The output-folder contract (README "Outputs"): an OutputDir builds the complete new version
// of DIR in a hidden sibling staging folder (.DIR.lc15-partial-<pid>/, next to DIR so that it
// is on the same file system): the files this run stages, plus hard links to every file of
// the current DIR it does not replace or discard (so that `lc15 bus` keeps the coverage files
// beside its own). commit() then swaps staging and DIR with one renameat2(RENAME_EXCHANGE):
// a reader that opens DIR/x sees either every old file or every new one, never a mixture,
// and DIR stays a real folder. The old version is removed after the switch. If commit() is
// never reached (an error, exit 1), DIR is not touched at all and the staging folder is
// removed; on SIGINT, SIGTERM or SIGHUP it is removed before the process dies; after a
// kill -9, the next run into DIR removes it (and any other staging folder of DIR whose
// process is gone). Only on a file system without RENAME_EXCHANGE does the switch fall back
// to two renames, with a moment in which DIR is missing (never a mixture).
//
// Concurrency: an OutputDir holds an exclusive flock(2) on the hidden sibling
// .DIR.lc15-lock for its lifetime; a second run into the same DIR (from any process) is
// refused at once with an InputError naming the holder (pid, command line, start time). The
// kernel releases the lock when the holder dies, however it dies.
//
// Faults: every write and close is checked (a full disk is an InputError, exit 1, and
// nothing is replaced). For tests, LC15_FAULT_FULL_DISK=<name> makes the staged file <name>
// a link to /dev/full, and LC15_FAULT_COMMIT=1 makes commit() fail just before the switch.
//
// Cost: commit is one hard link per carried-over file plus one rename; nothing is copied
// unless the file system refuses hard links. Thread safety: one OutputDir per thread; the
// signal handler is process-wide and async-signal-safe (raw syscalls only).
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

/// How commit() puts the outputs into place.
enum class CommitMode {
    /// The folder is lc15's output (--out DIR): locked, built complete beside it and switched
    /// in one step.
    whole_folder,
    /// Single files into a folder that holds other things (lc15 convert IN OUT): each staged
    /// file is renamed into place by itself (atomic per file); no lock, nothing carried.
    single_files,
};

class OutputDir {
  public:
    explicit OutputDir(std::filesystem::path dir, CommitMode mode = CommitMode::whole_folder);
    ~OutputDir();
    OutputDir(const OutputDir&) = delete;
    OutputDir& operator=(const OutputDir&) = delete;

    /// A path in the staging folder under which to write `name` (a relative file name).
    std::filesystem::path stage(const std::string& name);
    /// At commit, removes `name` from the output folder if an earlier run left it there (an
    /// output this run deliberately does not produce, so that no stale file looks current).
    void discard(const std::string& name);
    /// Puts every staged file in place at once, replacing older versions, and removes the
    /// discarded ones (see the contract above).
    void commit();
    const std::filesystem::path& dir() const { return dir_; }

  private:
    void lock();
    void remove_stale() const;

    std::filesystem::path dir_;
    std::filesystem::path staging_;
    std::filesystem::path lock_path_;
    CommitMode mode_;
    std::vector<std::string> names_;
    std::vector<std::string> discarded_;
    int lock_fd_ = -1;
    int signal_slot_ = -1;
    bool committed_ = false;
};

/// Writes `content` to `path` (a staged file), checking every write and the close: a short
/// write (full disk) throws InputError naming the file.
void write_text(const std::filesystem::path& path, const std::string& content);

/// True when `s` is valid UTF-8.
bool valid_utf8(const std::string& s);

/// Throws InputError (naming `what` and how to fix it) when the path is not valid UTF-8 — a
/// folder name from a zip made on Chinese Windows (GBK) — so that the run stops before the
/// work, not at output time.
void require_utf8_path(const std::filesystem::path& path, const std::string& what);

/// Writes `content` to `path` atomically (temporary file in the same folder, then rename).
void write_file_atomic(const std::filesystem::path& path, const std::string& content);

/// `s` with &, <, > and " escaped, for XML and HTML text and attribute values (SVG, GraphML,
/// OSM XML, the offline pages).
std::string escape_xml(const std::string& s);

}  // namespace lc15::io
