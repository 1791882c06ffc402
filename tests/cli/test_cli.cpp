// End-to-end tests of the fbnet CLI: real processes, real files, exit codes.
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/wait.h>

#include <gtest/gtest.h>

namespace fs = std::filesystem;

namespace {

struct Run
{
    int code = -1;
    std::string out;  ///< stdout and stderr
};

Run fbnet(const std::string &args)
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

fs::path tempDir(const std::string &name)
{
    const auto d = fs::temp_directory_path() / ("fbnet-cli-" + name);
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
}

std::string slurp(const fs::path &p)
{
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

} // namespace

TEST(Cli, ArchInfoJsonGivesReleasedFigures)
{
    const auto r = fbnet("arch info fbnet-a --space fbnet-imagenet --json");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\"macs\": 249369912"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"params\": 4301656"), std::string::npos) << r.out;
}

TEST(Cli, ArchInfoWithLutPredictsLatency)
{
    const auto d = tempDir("arch");
    std::ofstream(d / "a.json") << R"({"space": "fbnet-cifar", "blocks": "k5_e6-skip-k3_e1_g2-skip-k5_e1-skip-skip-skip-k5_e6-k5_e1-k3_e1_g2-k5_e1-k5_e6-k3_e6-k3_e3-k5_e6-k3_e6-k3_e3-k5_e1-k3_e3-k5_e1-k5_e1_g2"})";
    const auto r = fbnet("arch info " + (d / "a.json").string() + " --lut pixel3 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\"ms\": 17.55"), std::string::npos) << r.out;  // row 0 of the Pixel 3 data: 17.5577
}

TEST(Cli, SpaceInfoPrintsSize)
{
    const auto r = fbnet("space info fbnet-imagenet");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("22 searchable layers; search space size 10^20.99"), std::string::npos) << r.out;
}

TEST(Cli, TinySearchWritesTheArchitecture)
{
    const auto d = tempDir("search");
    const auto r = fbnet("search --dataset synthetic:300 --epochs 2 --warmup-epochs 1 --batch-size 16 --max-steps 2 "
                         "--samples 2 --threads 1 --mode hard --out " + (d / "out").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("architecture: "), std::string::npos) << r.out;
    for (const char *f : {"architecture.json", "samples.json", "theta.json", "epochs.csv", "config.json"})
        EXPECT_TRUE(fs::exists(d / "out" / f)) << f;
    const auto arch = fbnet("arch info " + (d / "out" / "architecture.json").string() + " --lut pixel3 --json");
    EXPECT_EQ(arch.code, 0) << arch.out;
    EXPECT_NE(slurp(d / "out" / "config.json").find("\"mode\": \"hard\""), std::string::npos);
}

TEST(Cli, LutFitReportsHeldOutError)
{
    const auto d = tempDir("fit");
    const auto r = fbnet(std::string("lut fit --measurements ") + FBNET_TEST_DATA + "/latency.csv --column pixel3_ms --device p3 "
                         "--holdout 1000 --out " + (d / "p3.json").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("held out: 1000 architectures, MAPE 0.00"), std::string::npos) << r.out;
    const auto show = fbnet("lut show " + (d / "p3.json").string());
    EXPECT_EQ(show.code, 0);
    EXPECT_NE(show.out.find("provenance: derived"), std::string::npos);
}

TEST(Cli, BadInputGivesMessageAndNonZeroExit)
{
    auto r = fbnet("arch info no-such-arch");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no such file or published architecture"), std::string::npos) << r.out;
    r = fbnet("search --space no-such-space --max-steps 1");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no such space"), std::string::npos) << r.out;
    r = fbnet("search --dataset synthetic:300 --warmup-epochs 5 --epochs 3");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("warmup_epochs"), std::string::npos) << r.out;
    r = fbnet("search --dataset fashion-mnist:/nonexistent");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/nonexistent/train-images-idx3-ubyte.gz: file not found"), std::string::npos) << r.out;
    const auto d = tempDir("bad");
    std::ofstream(d / "lut.json") << R"({"schema": 1, "unit": "us"})";
    r = fbnet("search --dataset synthetic:300 --lut " + (d / "lut.json").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("lut.json: /unit: expected \"ms\""), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists("fbnet-search-out"));
    r = fbnet("search --mode medium");
    EXPECT_NE(r.code, 0);
}
