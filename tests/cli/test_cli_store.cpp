// End-to-end tests of the run store through the CLI: a killed or interrupted search resumes to the
// same theta, a damaged or missing checkpoint is refused with the history kept, and damaged rows or
// odd inputs are reported, not fatal.
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <gtest/gtest.h>

#include "clitest.h"

extern char **environ;

namespace fs = std::filesystem;
using namespace clitest;

namespace {

/** Arguments of a tiny search on the tiny space (2,400 synthetic images, one thread). */
std::vector<std::string> tinySearchArgs(const fs::path &db, const TinyFiles &tiny, int epochs)
{
    return {"--runs", db.string(), "--space", tiny.space, "--lut", tiny.lut, "--dataset", "synthetic:1200", "--subset", "0",
            "--epochs", std::to_string(epochs), "--warmup-epochs", "1", "--batch-size", "16", "--samples", "2", "--threads", "1"};
}

/** Runs the search uninterrupted as run "ref" and returns its final theta (empty on failure). */
std::string referenceTheta(const fs::path &db, const std::vector<std::string> &args)
{
    std::string flat;
    for (const auto &a : args)
        flat += a + " ";
    const auto ref = runCli("search " + flat + "--name ref");
    EXPECT_EQ(ref.code, 0) << ref.out;
    return queryOne(db, "SELECT theta FROM runs WHERE name = 'ref'");
}

/** Starts the CLI as a child process (output discarded, or written to `log`) and returns its pid. */
pid_t spawnFbnet(const std::vector<std::string> &args, const std::string &log = "/dev/null")
{
    std::vector<std::string> all = {FBNET_CLI};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : all)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = 0;
    EXPECT_EQ(posix_spawn(&pid, FBNET_CLI, &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    return pid;
}

/**
 * Waits for an event, not a clock: until `log` holds `text` (true) or the child `pid` has exited
 * (false, its status in `status`). A loaded machine only makes this slower, never wrong.
 */
bool waitForLine(pid_t pid, const fs::path &log, const std::string &text, int &status)
{
    for (;;) {
        if (slurp(log).find(text) != std::string::npos)
            return true;
        if (::waitpid(pid, &status, WNOHANG) == pid)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a poll interval, not a guess at timing
    }
}

} // namespace

TEST(Cli, KilledSearchResumesToTheSameThetaAndAnIntactDatabase)
{
    const auto d = tempDir("kill");
    const auto tiny = writeTinySpace(d);
    const auto db = d / "runs.sqlite";
    const auto common = tinySearchArgs(db, tiny, 6);
    const std::string refTheta = referenceTheta(db, common);
    ASSERT_FALSE(refTheta.empty());

    std::mt19937 rng(std::random_device{}());
    int killsMidRun = 0;
    for (int round = 0; round < 3; ++round) {
        const std::string name = "killed" + std::to_string(round);
        std::vector<std::string> args = {"search"};
        args.insert(args.end(), common.begin(), common.end());
        args.insert(args.end(), {"--name", name});
        // The kill lands at a random point after epoch 1's line (an event), so the run exists and
        // is mid-search on a fast machine and a loaded one alike.
        const fs::path log = d / (name + ".log");
        const pid_t pid = spawnFbnet(args, log.string());
        int status = 0;
        if (waitForLine(pid, log, "epoch 1: weights loss", status)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 600)(rng)));
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
        }
        const bool killed = WIFSIGNALED(status);
        std::fprintf(stderr, "round %d: %s\n", round, killed ? "killed" : ("exited " + std::to_string(WEXITSTATUS(status))).c_str());
        killsMidRun += killed;
        EXPECT_EQ(queryOne(db, "PRAGMA integrity_check"), "ok");
        if (!killed)
            continue;  // finished before the kill (a slow sleep on a fast machine): nothing to resume
        const std::string status0 = queryOne(db, "SELECT status FROM runs WHERE name = '" + name + "'");
        if (status0.empty())
            continue;  // killed before the run was created
        EXPECT_EQ(status0, "running");  // as recorded; the store reads it as interrupted, its process being gone
        const auto listed = runCli("runs show " + name + " --runs " + db.string());
        EXPECT_NE(listed.out.find("interrupted"), std::string::npos) << listed.out;
        const auto resumed = runCli("search --runs " + db.string() + " --resume " + name + " --threads 1");
        ASSERT_EQ(resumed.code, 0) << resumed.out;
        EXPECT_EQ(queryOne(db, "SELECT status FROM runs WHERE name = '" + name + "'"), "finished");
        EXPECT_EQ(queryOne(db, "SELECT theta FROM runs WHERE name = '" + name + "'"), refTheta) << "round " << round;
        EXPECT_EQ(queryOne(db, "SELECT count(*) FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.name = '" + name + "'"), "6");
    }
    EXPECT_GE(killsMidRun, 1);
    EXPECT_EQ(queryOne(db, "PRAGMA integrity_check"), "ok");
    // A finished run does not resume.
    const auto again = runCli("search --runs " + db.string() + " --resume ref");
    EXPECT_NE(again.code, 0);
    EXPECT_NE(again.out.find("finished already; nothing to resume"), std::string::npos) << again.out;
}

TEST(Cli, CtrlCInsideAnEpochResumesWithNothingLost)
{
    const auto d = tempDir("sigint");
    const auto tiny = writeTinySpace(d);
    const auto db = d / "runs.sqlite";
    const auto common = tinySearchArgs(db, tiny, 4);
    const std::string refTheta = referenceTheta(db, common);
    ASSERT_FALSE(refTheta.empty());
    std::vector<std::string> args = {"search"};
    args.insert(args.end(), common.begin(), common.end());
    args.insert(args.end(), {"--name", "interrupted"});
    // The interrupt goes in once epoch 1 has ended (its line is out, so the handler is installed):
    // it lands inside epoch 2 of 4. A fixed 1.5 s sleep lost this race under ASan on a loaded machine.
    const fs::path log = d / "interrupted.log";
    const pid_t pid = spawnFbnet(args, log.string());
    int status = 0;
    if (waitForLine(pid, log, "epoch 1: weights loss", status)) {
        ::kill(pid, SIGINT);
        ::waitpid(pid, &status, 0);
    }
    ASSERT_TRUE(WIFEXITED(status)) << slurp(log);
    if (WEXITSTATUS(status) == 0)
        GTEST_SKIP() << "the search finished before the interrupt";
    EXPECT_EQ(WEXITSTATUS(status), 130);
    EXPECT_EQ(queryOne(db, "SELECT status FROM runs WHERE name = 'interrupted'"), "stopped");
    const auto r = runCli("search --runs " + db.string() + " --resume interrupted --threads 1");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(db, "SELECT theta FROM runs WHERE name = 'interrupted'"), refTheta);
    // Every epoch has all its steps, the interrupted one included.
    EXPECT_EQ(queryOne(db, "SELECT count(*) FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.name = 'interrupted'"),
              queryOne(db, "SELECT count(*) FROM steps s JOIN runs r ON r.id = s.run_id WHERE r.name = 'ref'"));
}

// Issue 18: a resume never discards recorded history. A damaged checkpoint (4 KB of random
// bytes) or a missing one is refused with its path; a store moved with its checkpoint folder
// resumes from the new place; a run owned by another host is deleted only with --force-takeover.
TEST(Cli, ResumeRefusesADamagedOrMissingCheckpointAndKeepsTheHistory)
{
    const auto d = tempDir("damaged");
    const auto tiny = writeTinySpace(d);
    const auto db = d / "store" / "runs.sqlite";
    fs::create_directories(db.parent_path());
    std::string flat;
    for (const auto &a : tinySearchArgs(db, tiny, 3))
        flat += a + " ";
    ASSERT_EQ(runCli("search " + flat + "--max-steps 4 --name r").code, 0);
    auto sql = [&](const fs::path &file, const std::string &q) {
        sqlite3 *h = nullptr;
        ASSERT_EQ(sqlite3_open(file.c_str(), &h), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(h, q.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
        sqlite3_close(h);
    };
    sql(db, "UPDATE runs SET status = 'stopped' WHERE name = 'r'");
    const std::string epochs0 = queryOne(db, "SELECT count(*) FROM epochs");
    const std::string steps0 = queryOne(db, "SELECT count(*) FROM steps");
    ASSERT_EQ(epochs0, "3");
    const fs::path ckpt = db.string() + "-checkpoints/run-1.ckpt";
    ASSERT_TRUE(fs::exists(ckpt));
    EXPECT_EQ(queryOne(db, "SELECT checkpoint FROM runs"), "run-1.ckpt") << "the store records a path relative to itself";
    const fs::path good = d / "good.ckpt";
    fs::copy_file(ckpt, good);
    {
        std::fstream f(ckpt, std::ios::in | std::ios::out | std::ios::binary);
        std::mt19937 rng(7);
        f.seekp(std::streamoff(fs::file_size(ckpt) / 2));
        for (int i = 0; i < 4096; ++i)
            f.put(char(rng()));
    }
    const std::string resume = "search --runs " + db.string() + " --resume r --threads 1";
    // Options the run keeps are refused on a resume, not ignored (issue 36, 13); the message says which may be given.
    for (const std::string &changed : std::initializer_list<std::string>{"--epochs 5", "--targets 7,11", "--lr 0.5", "--dataset synthetic:999"}) {
        const auto refused = runCli(resume + " " + changed);
        EXPECT_EQ(refused.code, 1) << refused.out;
        EXPECT_NE(refused.out.find(changed.substr(0, changed.find(' '))), std::string::npos) << refused.out;
        EXPECT_NE(refused.out.find("--threads, --loader-threads, --runs, --out, --force-takeover"), std::string::npos) << refused.out;
    }
    auto r = runCli(resume);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find(ckpt.string()), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("damaged"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Exception raised from"), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(db, "SELECT count(*) FROM epochs"), epochs0);
    EXPECT_EQ(queryOne(db, "SELECT count(*) FROM steps"), steps0);
    EXPECT_EQ(queryOne(db, "SELECT status FROM runs"), "stopped");
    fs::remove(ckpt);
    r = runCli(resume);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("is missing"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(ckpt.string()), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(db, "SELECT count(*) FROM epochs"), epochs0) << "a missing checkpoint discarded the history";
    EXPECT_EQ(queryOne(db, "SELECT count(*) FROM steps"), steps0);
    // Moved together with its folder: resumes there.
    fs::copy_file(good, ckpt);
    fs::rename(d / "store", d / "moved");
    const auto moved = d / "moved" / "runs.sqlite";
    r = runCli("search --runs " + moved.string() + " --resume r --threads 1");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(moved, "SELECT status FROM runs"), "finished");
    EXPECT_EQ(queryOne(moved, "SELECT count(*) FROM epochs"), epochs0);
    // Owned by a process on another host: refused unless forced.
    sql(moved, "UPDATE runs SET status = 'running', owner = 'elsewhere.example:99:1'");
    r = runCli("runs delete r --runs " + moved.string());
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("--force-takeover"), std::string::npos) << r.out;
    r = runCli("runs delete r --force-takeover --runs " + moved.string());
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(moved, "SELECT count(*) FROM runs"), "0");
    EXPECT_FALSE(fs::exists(moved.string() + "-checkpoints/run-1.ckpt"));
}

// Issue 18: inputs that crashed or misled. A file name with ':' is a file, not RUN:ID; one
// damaged architecture row is reported and the rest of the run shows; a stored θ wider than the
// space (signal 11 in `sample`) or not finite is refused with the field.
TEST(Cli, DamagedRowsAndOddInputsAreReportedNotFatal)
{
    const auto d = tempDir("oddinputs");
    const auto tiny = writeTinySpace(d);
    const auto db = d / "runs.sqlite";
    std::string flat;
    for (const auto &a : tinySearchArgs(db, tiny, 2))
        flat += a + " ";
    ASSERT_EQ(runCli("search " + flat + "--max-steps 2 --name r").code, 0);
    auto sql = [&](const std::string &q) {
        sqlite3 *h = nullptr;
        ASSERT_EQ(sqlite3_open(db.c_str(), &h), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(h, q.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << q;
        sqlite3_close(h);
    };
    const auto odd = d / "odd:name.json";
    auto r = runCli("export --runs " + db.string() + " --run r --format json --out " + odd.string());
    ASSERT_EQ(r.code, 0) << r.out;
    r = runCli("import " + odd.string() + " --space " + tiny.space);
    EXPECT_EQ(r.code, 0) << r.out;

    sql("INSERT INTO architectures(run_id, role, name, arch) VALUES ((SELECT id FROM runs WHERE name = 'r'), 'sample', 'broken', '{not json')");
    r = runCli("runs show r --runs " + db.string());
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("cannot be read and is left out"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("argmax"), std::string::npos) << r.out;
    r = runCli("runs list --runs " + db.string());
    EXPECT_EQ(r.code, 0) << r.out;

    sql("UPDATE runs SET theta = '[[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], [0.1, 0.2, 0.3, 0.4]]' WHERE name = 'r'");
    r = runCli("sample --runs " + db.string() + " --run r --count 3");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("theta"), std::string::npos) << r.out;
    sql("UPDATE runs SET theta = '[[0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3]]' WHERE name = 'r'");
    r = runCli("sample --runs " + db.string() + " --run r --count 3");
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("theta"), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(db, "PRAGMA integrity_check"), "ok");
}

// Issue 36, item 16: a store in a folder nobody may write to (archived, shared) is read by the
// commands that only read, and changes nothing; a command that writes names the cause. Run as an
// unprivileged user when the tests run as root (root may write anywhere).
TEST(Cli, AReadOnlyStoreIsListedShownAndExportedButNotWritten)
{
    const auto d = tempDir("readonly");
    const auto tiny = writeTinySpace(d);
    const auto db = d / "made" / "runs.sqlite";
    std::string flat;
    for (const auto &a : tinySearchArgs(db, tiny, 2))
        flat += a + " ";
    ASSERT_EQ(runCli("search " + flat + "--max-steps 2 --name r").code, 0);
    const auto archive = d / "archive";
    fs::create_directories(archive);
    fs::copy_file(db, archive / "runs.sqlite");
    ASSERT_FALSE(fs::exists(archive / "runs.sqlite-wal"));
    fs::permissions(archive / "runs.sqlite", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::permissions(archive, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read | fs::perms::group_exec
                                 | fs::perms::others_read | fs::perms::others_exec);
    fs::permissions(d, fs::perms::others_read | fs::perms::others_exec, fs::perm_options::add);
    const std::string as = ::geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups " : "";
    if (!as.empty() && std::system((as + "/bin/sh -c 'test -x " + std::string(FBNET_CLI) + " && test -r " + (archive / "runs.sqlite").string()
                                    + "' > /dev/null 2>&1").c_str()) != 0)
        GTEST_SKIP() << "running as root, and an unprivileged user cannot reach " << FBNET_CLI << " (a build under a private folder)";
    const std::string store = " --runs " + (archive / "runs.sqlite").string();
    const auto bytes = slurp(archive / "runs.sqlite");
    const auto unprivileged = [&](const std::string &args) {
        const std::string out = (d / "out.txt").string();
        const int code = std::system((as + FBNET_CLI + " " + args + " > " + out + " 2>&1").c_str());
        return std::make_pair(WIFEXITED(code) ? WEXITSTATUS(code) : -1, slurp(out));
    };
    fs::permissions(d, fs::perms::others_write, fs::perm_options::add);  // out.txt
    auto [code, out] = unprivileged("runs list" + store);
    EXPECT_EQ(code, 0) << out;
    EXPECT_NE(out.find(" r "), std::string::npos) << out;
    std::tie(code, out) = unprivileged("runs show r" + store);
    EXPECT_EQ(code, 0) << out;
    std::tie(code, out) = unprivileged("export --run r --format json" + store);
    EXPECT_EQ(code, 0) << out;
    std::tie(code, out) = unprivileged("runs rename r s" + store);
    EXPECT_NE(code, 0) << out;
    EXPECT_NE(out.find("writable"), std::string::npos) << out;
    EXPECT_EQ(slurp(archive / "runs.sqlite"), bytes) << "reading changed the store";
    EXPECT_FALSE(fs::exists(archive / "runs.sqlite-wal"));
    fs::permissions(archive, fs::perms::owner_write, fs::perm_options::add);
}
