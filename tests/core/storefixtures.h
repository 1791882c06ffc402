#pragma once
// Helpers of the run-store tests (test_runstore.cpp, test_runstore_integrity.cpp).

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

namespace fbnet::test {

/** An empty folder under the temporary directory, this process's own: fbnet-PREFIX-NAME-PID. */
inline std::filesystem::path freshStoreDir(const std::string &prefix, const std::string &name)
{
    const auto d = std::filesystem::temp_directory_path() / ("fbnet-" + prefix + "-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

/** Runs `sql` on the SQLite file `db` behind the store's back (a test's damage or inspection). */
inline void execSql(const std::filesystem::path &db, const std::string &sql)
{
    sqlite3 *h = nullptr;
    ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
    char *err = nullptr;
    EXPECT_EQ(sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(h);
}

} // namespace fbnet::test
