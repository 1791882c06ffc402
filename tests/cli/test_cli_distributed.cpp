// End-to-end tests of data-parallel runs: fbnet processes started as torchrun starts them (RANK,
// WORLD_SIZE, MASTER_ADDR, ...) on loopback.
#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "clitest.h"

using namespace clitest;

// Two ranks on loopback, started as torchrun starts them (RANK, WORLD_SIZE, MASTER_ADDR, ...): θ is
// identical on both, the run records its world size, a resume on another world size is refused, a
// dead rank stops the other within the timeout, and the run then resumes on two ranks.
TEST(Cli, TwoRanksSearchOnLoopbackStopWhenOneDiesAndResume)
{
    const auto d = tempDir("distributed");
    const auto tiny = writeTinySpace(d);
    const auto db = d / "runs.sqlite";
    const int port = 21000 + int(::getpid() % 20000);
    auto command = [&](int rank, const std::string &args, const fs::path &log) {
        return "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " WORLD_SIZE=2 RANK=" + std::to_string(rank)
            + " LOCAL_RANK=" + std::to_string(rank) + " FBNET_DIST_TIMEOUT=20 " + FBNET_CLI + " " + args + " > " + log.string() + " 2>&1";
    };
    auto both = [&](const std::string &args, int &code0, int &code1) {
        std::thread second([&] { code1 = std::system(command(1, args, d / "rank1.log").c_str()); });
        code0 = std::system(command(0, args, d / "rank0.log").c_str());
        second.join();
    };
    auto thetaSum = [&](const fs::path &log) {
        const std::string text = slurp(log);
        const auto at = text.find("theta sum ");
        return at == std::string::npos ? std::string("(none) ") + text : text.substr(at, text.find('\n', at) - at);
    };
    const std::string search = "search --runs " + db.string() + " --space " + tiny.space + " --lut " + tiny.lut
        + " --subset 0 --batch-size 8 --threads 1 --samples 1 --warmup-epochs 1";
    int c0 = -1, c1 = -1;
    both(search + " --dataset synthetic:400 --epochs 2 --name two", c0, c1);
    ASSERT_EQ(c0, 0) << slurp(d / "rank0.log");
    ASSERT_EQ(c1, 0) << slurp(d / "rank1.log");
    EXPECT_EQ(thetaSum(d / "rank0.log"), thetaSum(d / "rank1.log")) << "theta is the same on both ranks";
    EXPECT_NE(slurp(d / "rank1.log").find("rank 1 of 2 (torchrun), rendezvous 127.0.0.1"), std::string::npos);
    EXPECT_EQ(queryOne(db, "SELECT json_extract(invocation, '$.distributed.world_size') FROM runs WHERE name = 'two'"), "2");
    EXPECT_EQ(queryOne(db, "SELECT count(*) FROM runs"), "1") << "rank 1 records nothing";
    // Training its argmax data-parallel: the epoch's loss is over both ranks, so the same on both;
    // one evaluation stored.
    both("train --runs " + db.string() + " --arch two:argmax --dataset synthetic:400 --subset 0 --epochs 2 --batch-size 8 --threads 1",
         c0, c1);
    ASSERT_EQ(c0, 0) << slurp(d / "rank0.log");
    ASSERT_EQ(c1, 0) << slurp(d / "rank1.log");
    auto trainLoss = [&](const fs::path &log) {
        const std::string text = slurp(log);
        const auto at = text.find("final train loss ");
        return at == std::string::npos ? std::string("(none) ") + text : text.substr(at, text.find('\n', at) - at);
    };
    EXPECT_EQ(trainLoss(d / "rank0.log"), trainLoss(d / "rank1.log"));
    EXPECT_NE(slurp(d / "rank0.log").find("global batch 16"), std::string::npos) << slurp(d / "rank0.log");
    EXPECT_EQ(queryOne(db, "SELECT count(*) FROM evaluations"), "1");

    // Rank 1 killed mid-run: rank 0 stops with an error well within its timeout, the run resumes on two.
    const std::string longer = search + " --epochs 3 --dataset synthetic:1600 --name killed";
    std::thread first([&] { c0 = std::system(command(0, longer, d / "rank0.log").c_str()); });
    const auto pidFile = d / "rank1.pid";
    std::system(("sh -c 'echo $$ > " + pidFile.string() + "; exec env " + command(1, longer, d / "rank1.log") + "' &").c_str());
    for (int i = 0; i < 600 && queryOne(db, "SELECT count(*) FROM epochs e JOIN runs r ON r.id = e.run_id WHERE r.name = 'killed'") == "0"; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto killedAt = std::chrono::steady_clock::now();
    ::kill(pid_t(std::stol(slurp(pidFile))), SIGKILL);
    first.join();
    const double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - killedAt).count();
    EXPECT_NE(c0, 0) << slurp(d / "rank0.log");
    EXPECT_LT(waited, 40.0) << "rank 0 noticed the dead rank";
    std::fprintf(stderr, "rank 0 stopped %.1f s after rank 1 was killed\n", waited);
    EXPECT_NE(slurp(d / "rank0.log").find("all-reduce failed"), std::string::npos) << slurp(d / "rank0.log");
    EXPECT_EQ(queryOne(db, "SELECT status FROM runs WHERE name = 'killed'"), "failed");
    const auto alone = runCli("search --runs " + db.string() + " --resume killed");
    EXPECT_NE(alone.code, 0);
    EXPECT_NE(alone.out.find("resumes only on as many"), std::string::npos) << alone.out;
    both("search --runs " + db.string() + " --resume killed", c0, c1);
    EXPECT_EQ(c0, 0) << slurp(d / "rank0.log");
    EXPECT_EQ(c1, 0) << slurp(d / "rank1.log");
    EXPECT_EQ(thetaSum(d / "rank0.log"), thetaSum(d / "rank1.log"));
    EXPECT_EQ(queryOne(db, "SELECT status FROM runs WHERE name = 'killed'"), "finished");
}

// --sync-bn: BN over the global batch and Gumbel noise keyed by each sample's place in it, so two
// processes of batch 8 compute what one process of batch 16 computes. Compared on the first two
// weight steps (the epoch-0 loss): with it the runs agree to float rounding; without it they do not.
TEST(Cli, TwoRanksWithSyncBnMatchOneRankOfTheGlobalBatch)
{
    const auto d = tempDir("syncbn");
    const int port = 41000 + int(::getpid() % 20000);
    // One search epoch of 2 weight steps, then 2 theta steps; no samples. Its weights loss is
    // recorded from the weight steps, before theta moves.
    // A small space of its own: fbnet-cifar's soft steps took 70 s of CI for the same comparison.
    const auto tiny = writeTinySpace(d);
    const std::string args = "search --space " + tiny.space + " --lut " + tiny.lut + " --dataset synthetic:400 --subset 0 --threads 1 "
                             "--samples 0 --pick-by theta --warmup-epochs 0 --epochs 1 --max-steps 2";
    const auto one = d / "one.sqlite";
    // The reference: one process of the global batch, its Gumbel noise keyed as --sync-bn keys it.
    const auto single = runCli(args + " --sync-bn --batch-size 16 --name one --runs " + one.string());
    ASSERT_EQ(single.code, 0) << single.out;
    const double b = std::stod(queryOne(one, "SELECT weights_loss FROM epochs WHERE epoch = 0"));
    auto twoRanks = [&](const std::string &flag, int p) {
        const auto two = d / ("two" + std::to_string(p) + ".sqlite");
        auto rank = [&](int r) {
            return "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(p) + " WORLD_SIZE=2 RANK=" + std::to_string(r) + " LOCAL_RANK="
                + std::to_string(r) + " FBNET_DIST_TIMEOUT=30 " + FBNET_CLI + " " + args + " " + flag + " --batch-size 8 --name two --runs "
                + two.string() + " > " + (d / ("rank" + std::to_string(r) + ".log")).string() + " 2>&1";
        };
        int c1 = -1;
        std::thread second([&] { c1 = std::system(rank(1).c_str()); });
        const int c0 = std::system(rank(0).c_str());
        second.join();
        EXPECT_EQ(c0, 0) << slurp(d / "rank0.log");
        EXPECT_EQ(c1, 0) << slurp(d / "rank1.log");
        const double a = std::stod(queryOne(two, "SELECT weights_loss FROM epochs WHERE epoch = 0"));
        return std::abs(a - b) / b;
    };
    const double synced = twoRanks("--sync-bn", port), perRank = twoRanks("", port + 1);
    std::fprintf(stderr, "epoch-0 loss, 2 ranks x 8 vs 1 x 16: relative difference %.2g with --sync-bn, %.2g without\n", synced, perRank);
    // Rounding alone: 3e-6 on the AVX2 machine this was written on, 5.8e-5 on an AVX-512 one (oneDNN
    // blocks batches of 8 and 16 differently); without --sync-bn the difference is ~50x larger.
    EXPECT_LT(synced, 2e-4);
    EXPECT_GT(perRank, 20 * synced) << "without --sync-bn the shards' own BN statistics and noise make a visible difference";
}


// Ranks started with different options are refused at the rendezvous with the field named, before
// any collective and before a run is recorded; so is a different WORLD_SIZE.
TEST(Cli, RanksThatDisagreeAreRefusedWithTheDifferingFieldAndRecordNothing)
{
    const auto d = tempDir("disagree");
    const auto tiny = writeTinySpace(d);
    const int port = 23000 + int(::getpid() % 20000);
    const std::string search = "search --space " + tiny.space + " --lut " + tiny.lut + " --subset 0 --batch-size 8 --threads 1 --samples 1 "
                                                                                        "--warmup-epochs 1 --epochs 2 --max-steps 2";
    auto pair = [&](const std::string &extra1, int world1, int p, const std::string &tag) {
        const auto db = d / (tag + ".sqlite");
        auto rank = [&](int r, const std::string &extra, int world) {
            return "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(p) + " WORLD_SIZE=" + std::to_string(world) + " RANK="
                + std::to_string(r) + " LOCAL_RANK=" + std::to_string(r) + " FBNET_DIST_TIMEOUT=30 " + FBNET_CLI + " " + search + " "
                + extra + " --runs " + db.string() + " > " + (d / (tag + std::to_string(r) + ".log")).string() + " 2>&1";
        };
        int c1 = -1;
        std::thread second([&] { c1 = std::system(rank(1, extra1, world1).c_str()); });
        const int c0 = std::system(rank(0, "", 2).c_str());
        second.join();
        EXPECT_NE(c0, 0) << slurp(d / (tag + "0.log"));
        EXPECT_NE(c1, 0) << slurp(d / (tag + "1.log"));
        if (fs::exists(db)) {
            EXPECT_EQ(queryOne(db, "SELECT count(*) FROM runs"), "0") << "a refused rendezvous records no run";
        }
        return slurp(d / (tag + "0.log")) + slurp(d / (tag + "1.log"));
    };
    std::string out = pair("--lr-theta 0.1", 2, port, "lr");
    EXPECT_NE(out.find("distributed run: lr_theta: rank 0 has 0.01, rank 1 has 0.1"), std::string::npos) << out;
    out = pair("--seed 7", 2, port + 1, "seed");
    EXPECT_NE(out.find("distributed run: seed: rank 0 has 1, rank 1 has 7"), std::string::npos) << out;
    out = pair("", 3, port + 2, "world");
    EXPECT_NE(out.find("world_size"), std::string::npos) << out;
}

// FBNET_DIST_TIMEOUT bounds the whole rendezvous: a rank that never comes, and a port held by a
// listener that accepts and never answers (not a rendezvous), end once the timeout is spent, not twice.
TEST(Cli, TheRendezvousTimeoutBoundsEveryWaitAndLeavesNoRun)
{
    const auto d = tempDir("rendezvous");
    const auto tiny = writeTinySpace(d);
    const auto db = d / "runs.sqlite";
    const int port = 25000 + int(::getpid() % 20000);
    const std::string search = " " + std::string(FBNET_CLI) + " search --space " + tiny.space + " --lut " + tiny.lut
        + " --subset 0 --batch-size 8 --threads 1 --epochs 2 --warmup-epochs 1 --max-steps 2 --runs " + db.string() + " 2>&1";
    const int timeout = 6;
    auto timed = [&](const std::string &cmd, std::string &out) {
        const auto t0 = std::chrono::steady_clock::now();
        out.clear();
        FILE *p = popen(cmd.c_str(), "r");
        std::array<char, 4096> buf{};
        std::size_t n;
        while ((n = fread(buf.data(), 1, buf.size(), p)) > 0)
            out.append(buf.data(), n);
        const int status = pclose(p);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << out;
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    std::string out;
    // Rank 0 alone: rank 1 never starts.
    double took = timed("MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " WORLD_SIZE=2 RANK=0 FBNET_DIST_TIMEOUT="
                            + std::to_string(timeout) + search,
                        out);
    EXPECT_NE(out.find("rendezvous 127.0.0.1:" + std::to_string(port)), std::string::npos) << out;
    EXPECT_LT(took, 1.6 * timeout + 3) << "the timeout is the whole rendezvous's, not each stage's";
    if (fs::exists(db)) {
        EXPECT_EQ(queryOne(db, "SELECT count(*) FROM runs"), "0") << "a rendezvous that fails records no run";
    }
    // Rank 1 against a port held by something that accepts and never answers.
    const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(std::uint16_t(port + 1));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const int one = 1;
    ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr *>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 8), 0);
    took = timed("MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port + 1) + " WORLD_SIZE=2 RANK=1 FBNET_DIST_TIMEOUT="
                     + std::to_string(timeout) + search,
                 out);
    ::close(listener);
    EXPECT_NE(out.find("rendezvous"), std::string::npos) << out;
    EXPECT_LT(took, 1.6 * timeout + 3) << out;
}

// Different model shapes (a width multiplier on one rank) are named at the rendezvous instead of
// aborting inside Gloo.
TEST(Cli, RanksWithDifferentModelShapesAreRefusedWithTheShapeNamed)
{
    const auto d = tempDir("shapes");
    const int port = 27000 + int(::getpid() % 20000);
    const std::string search = std::string(FBNET_CLI) + " search --space fbnet-cifar --lut flops --dataset synthetic:64 --subset 0 --batch-size 8 "
                                                        "--threads 1 --samples 0 --warmup-epochs 1 --epochs 2 --max-steps 1 --runs "
        + (d / "runs.sqlite").string();
    auto rank = [&](int r, const std::string &extra) {
        return "MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " WORLD_SIZE=2 RANK=" + std::to_string(r) + " FBNET_DIST_TIMEOUT=60 "
            + search + " " + extra + " > " + (d / ("rank" + std::to_string(r) + ".log")).string() + " 2>&1";
    };
    int c1 = -1;
    std::thread second([&] { c1 = std::system(rank(1, "--width-multiplier 0.5").c_str()); });
    const int c0 = std::system(rank(0, "").c_str());
    second.join();
    EXPECT_NE(c0, 0);
    EXPECT_NE(c1, 0);
    const std::string out = slurp(d / "rank0.log") + slurp(d / "rank1.log");
    EXPECT_NE(out.find("space_widths"), std::string::npos) << "every differing field is named: " << out;
    EXPECT_EQ(out.find("gloo"), std::string::npos) << out;
}
