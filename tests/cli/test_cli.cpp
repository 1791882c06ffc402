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

TEST(Cli, TrainWritesResultAndWeights)
{
    const auto d = tempDir("train");
    auto r = fbnet("train --arch fbnet-a --space fbnet-cifar --dataset synthetic:200 --epochs 1 --max-steps 2 --batch-size 16 "
                   "--threads 1 --out " + (d / "t").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("test top-1"), std::string::npos) << r.out;
    for (const char *f : {"result.json", "architecture.json", "weights.pt"})
        EXPECT_TRUE(fs::exists(d / "t" / f)) << f;
    EXPECT_NE(slurp(d / "t" / "result.json").find("\"test_top1\""), std::string::npos);
    r = fbnet("train --arch no-such-arch");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no such file or published architecture"), std::string::npos) << r.out;
    r = fbnet("train --arch fbnet-a --space fbnet-cifar --epochs 0");
    EXPECT_NE(r.code, 0);
}

TEST(Cli, ParetoTrainsSamplesAndARandomBaseline)
{
    const auto d = tempDir("pareto");
    const std::string out = (d / "run").string();
    auto r = fbnet("search --dataset synthetic:200 --epochs 2 --warmup-epochs 1 --batch-size 16 --max-steps 1 --samples 1 "
                   "--threads 1 --mode hard --out " + out);
    ASSERT_EQ(r.code, 0) << r.out;
    r = fbnet("pareto --run " + out + " --dataset synthetic:200 --random 1 --epochs 1 --max-steps 2 --batch-size 16 "
              "--subset 100 --test-subset 50 --threads 1");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("argmax (search)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("random1 (random)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("on the front"), std::string::npos) << r.out;
    EXPECT_NE(slurp(d / "run" / "pareto.csv").find("name,origin,latency_ms,test_top1"), std::string::npos);
    r = fbnet("pareto --run " + (d / "missing").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("samples.json: cannot open"), std::string::npos) << r.out;
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
    EXPECT_NE(show.out.find("provenance: calibrated"), std::string::npos);
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

namespace {

const char *kTinySpace = R"({"name": "tiny", "input": {"size": 16, "channels": 3}, "num_classes": 10,
  "stem": {"channels": 8, "kernel": 3, "stride": 1},
  "stages": [{"channels": 8, "repeats": 2, "stride": 1}, {"channels": 16, "repeats": 1, "stride": 2}],
  "head": {"channels": 32}, "candidates": ["k3_e1", "k3_e3", "k5_e1_g2", "skip"],
  "blocks": {"k3_e1": {"type": "irf", "kernel": 3, "expansion": 1}, "k3_e3": {"type": "irf", "kernel": 3, "expansion": 3},
             "k5_e1_g2": {"type": "irf", "kernel": 5, "expansion": 1, "groups": 2}, "skip": {"type": "skip"}}})";

} // namespace

TEST(Cli, LutBuildValidatePredictCompare)
{
    const auto d = tempDir("lutbuild");
    std::ofstream(d / "tiny.json") << kTinySpace;
    const std::string space = " --space " + (d / "tiny.json").string();
    auto r = fbnet("lut build" + space + " --repeats 5 --warmup 1 --out " + (d / "a.json").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("measured 10 ops of tiny"), std::string::npos) << r.out;  // 8 distinct blocks + stem + head
    auto show = fbnet("lut show " + (d / "a.json").string());
    EXPECT_NE(show.out.find("provenance: measured"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("Skip_H16_W16_Cin8_Cout16_stride2"), std::string::npos) << show.out;

    r = fbnet("lut validate" + space + " --lut " + (d / "a.json").string() + " --count 4 --repeats 5 --csv " + (d / "v.csv").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("4 architectures, MAPE"), std::string::npos) << r.out;
    EXPECT_NE(slurp(d / "v.csv").find("arch,predicted_ms,measured_ms,error_pct"), std::string::npos);

    std::ofstream(d / "archs.csv") << "id,arch\n1,k3_e1-skip-k3_e3\n2,skip-skip-skip\n";
    r = fbnet("lut predict" + space + " --lut " + (d / "a.json").string() + " --archs " + (d / "archs.csv").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("id,arch,predicted_ms"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2,skip-skip-skip,"), std::string::npos) << r.out;
    std::ofstream(d / "bad.csv") << "id,arch\n1,k3_e1-nope-k3_e3\n";
    r = fbnet("lut predict" + space + " --lut " + (d / "a.json").string() + " --archs " + (d / "bad.csv").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("bad.csv: line 2"), std::string::npos) << r.out;

    r = fbnet("lut build" + space + " --repeats 5 --warmup 1 --out " + (d / "b.json").string());
    r = fbnet("lut compare " + (d / "a.json").string() + " " + (d / "b.json").string() + space);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("entries within 5% of each other"), std::string::npos) << r.out;
}

TEST(Cli, ShippedTablesLoadAndCompare)
{
    auto r = fbnet("lut list");
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char *t : {"pixel3-fbnet-cifar", "samsung-a50-fbnet-cifar", "xeon-gold-6226-fbnet-cifar", "titan-rtx-fbnet-cifar"})
        EXPECT_NE(r.out.find(t), std::string::npos) << t;
    r = fbnet("lut compare pixel3 samsung-a50");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("favoured by pixel3"), std::string::npos) << r.out;
    r = fbnet(std::string("lut predict --lut samsung-a50 --archs ") + FBNET_TEST_DATA + "/latency.csv --column samsung_a50_ms --out "
              + (tempDir("pred") / "p.csv").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("predicted vs samsung_a50_ms: 4000 architectures"), std::string::npos) << r.out;
    r = fbnet("lut export pixel3");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.rfind("signature,ms,p10,p90,samples\nfixed_ms,", 0), 0u) << r.out.substr(0, 80);
    r = fbnet("lut matrix --lut s8 --lut iphonex --arch fbnet-s8 --arch fbnet-iphonex");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("fbnet-iphonex"), std::string::npos) << r.out;
    r = fbnet("lut import --format nni --file /nonexistent.txt --unit us --device d");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/nonexistent.txt: cannot open"), std::string::npos) << r.out;
}
