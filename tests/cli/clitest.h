#pragma once
// Helpers of the CLI's end-to-end tests: run the fbnet binary, temporary folders, a tiny space and
// its table as files, one value from a run store.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <sqlite3.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "fbnet/latencytable.h"
#include "fbnet/searchspace.h"

namespace clitest {

namespace fs = std::filesystem;

struct Run
{
    int code = -1;
    std::string out;  ///< stdout and stderr
};

inline Run runCli(const std::string &args)
{
    const std::string cmd = std::string(FBNET_CLI) + " " + args + " 2>&1";
    Run r;
    FILE *p = popen(cmd.c_str(), "r");
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
        r.out.append(buf.data(), n);
    const int status = pclose(p);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

inline fs::path tempDir(const std::string &name)
{
    const auto d = fs::temp_directory_path() / ("fbnet-cli-" + name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

inline std::string slurp(const fs::path &p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

/** A two-layer space and its table as files, so CLI searches take milliseconds per step. */
struct TinyFiles
{
    std::string space, lut;
};

inline TinyFiles writeTinySpace(const fs::path &d)
{
    const std::string text = R"({
      "name": "tiny", "input": {"size": 16, "channels": 3}, "num_classes": 10,
      "stem": {"channels": 8, "kernel": 3, "stride": 1},
      "stages": [{"channels": 8, "repeats": 1, "stride": 1}, {"channels": 16, "repeats": 1, "stride": 2}],
      "head": {"channels": 32},
      "candidates": ["skip", "k3_e1", "k3_e3", "k5_e3"],
      "blocks": {"k3_e1": {"type": "irf", "kernel": 3, "expansion": 1}, "k3_e3": {"type": "irf", "kernel": 3, "expansion": 3},
                 "k5_e3": {"type": "irf", "kernel": 5, "expansion": 3}, "skip": {"type": "skip"}}})";
    TinyFiles f{(d / "tiny-space.json").string(), (d / "tiny-lut.json").string()};
    std::ofstream(f.space) << text;
    const auto space = fbnet::SearchSpace::fromJsonText(text, f.space);
    fbnet::LatencyTable t;
    t.device = "tinydev";
    t.provenanceKind = "modeled";
    t.spaces = {"tiny"};
    t.fixedMs = 1.0;
    const std::map<std::string, double> ms = {{"skip", 0.2}, {"k3_e1", 0.6}, {"k3_e3", 1.2}, {"k5_e3", 2.0}};
    for (const auto &l : space.layers())
        for (const auto &c : l.candidates)
            t.entries[fbnet::opSignature(l, space.block(c))] = {ms.at(c)};
    t.save(f.lut);
    return f;
}

inline std::string queryOne(const fs::path &db, const std::string &sql)
{
    sqlite3 *h = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt *st = nullptr;
    std::string out;
    if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const auto *p = sqlite3_column_text(st, 0);
        out = p ? reinterpret_cast<const char *>(p) : "";
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return out;
}

} // namespace clitest
