// End-to-end tests of the fbnet CLI: real processes, real files, exit codes.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "../core/imagefiles.h"
#include "clitest.h"
#include "fbnet/compute.h"

namespace fs = std::filesystem;
using namespace clitest;

TEST(Cli, ArchInfoJsonGivesReleasedFigures)
{
    const auto r = runCli("arch info fbnet-a --space fbnet-imagenet --json");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\"macs\": 249369912"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"params\": 4301656"), std::string::npos) << r.out;
}

TEST(Cli, ArchInfoWithLutPredictsLatency)
{
    const auto d = tempDir("arch");
    std::ofstream(d / "a.json") << R"({"space": "fbnet-cifar", "blocks": "k5_e6-skip-k3_e1_g2-skip-k5_e1-skip-skip-skip-k5_e6-k5_e1-k3_e1_g2-k5_e1-k5_e6-k3_e6-k3_e3-k5_e6-k3_e6-k3_e3-k5_e1-k3_e3-k5_e1-k5_e1_g2"})";
    const auto r = runCli("arch info " + (d / "a.json").string() + " --lut pixel3 --json");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\"ms\": 17.55"), std::string::npos) << r.out;  // row 0 of the Pixel 3 data: 17.5577
}

TEST(Cli, SpaceInfoPrintsSize)
{
    const auto r = runCli("space info fbnet-imagenet");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("22 searchable layers; search space size 10^20.99"), std::string::npos) << r.out;
}

TEST(Cli, TinySearchWritesTheArchitecture)
{
    const auto d = tempDir("search");
    const auto r = runCli("search --dataset synthetic:300 --epochs 2 --warmup-epochs 1 --batch-size 16 --max-steps 2 "
                         "--samples 2 --threads 1 --mode hard --out " + (d / "out").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("architecture: "), std::string::npos) << r.out;
    // Issue 35, item 4: two θ steps do not settle θ, and the search says so before the architecture.
    EXPECT_NE(r.out.find("theta: θ's argmax is "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("warning: θ barely moved"), std::string::npos) << r.out;
    EXPECT_LT(r.out.find("warning: θ barely moved"), r.out.find("architecture: ")) << r.out;
    // The progress line leads with the run's share of steps done (issue 35: no percentage).
    EXPECT_NE(r.out.find("%] epoch 1/2 weights step 1/2"), std::string::npos) << r.out;
    // ... and ends with the next step: train what it hands back, export it.
    EXPECT_NE(r.out.find(":argmax --epochs 10 --out "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--format onnx --out "), std::string::npos) << r.out;
    for (const char *f : {"architecture.json", "samples.json", "theta.json", "epochs.csv", "config.json"})
        EXPECT_TRUE(fs::exists(d / "out" / f)) << f;
    const auto arch = runCli("arch info " + (d / "out" / "architecture.json").string() + " --lut pixel3 --json");
    EXPECT_EQ(arch.code, 0) << arch.out;
    EXPECT_NE(slurp(d / "out" / "config.json").find("\"mode\": \"hard\""), std::string::npos);
    // The default pick (--pick-by auto) is SynFlow's on an FBNet space, the best measured chooser,
    // recorded as resolved (docs/results/2026-12-07-choosers.md).
    EXPECT_NE(r.out.find("synflow pick: "), std::string::npos) << r.out;
    EXPECT_NE(slurp(d / "out" / "config.json").find("\"pick_by\": \"synflow\""), std::string::npos) << slurp(d / "out" / "config.json");
}

TEST(Cli, TrainWritesResultAndWeights)
{
    const auto d = tempDir("train");
    auto r = runCli("train --arch fbnet-a --space fbnet-cifar --dataset synthetic:200 --epochs 1 --max-steps 2 --batch-size 16 "
                   "--threads 1 --out " + (d / "t").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("test top-1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("[100%] epoch 1/1 step 2/2  loss"), std::string::npos) << r.out;  // a progress line like search's, with its percentage
    for (const char *f : {"result.json", "architecture.json", "weights.pt"})
        EXPECT_TRUE(fs::exists(d / "t" / f)) << f;
    const std::string result = slurp(d / "t" / "result.json");
    EXPECT_NE(result.find("\"test_top1\""), std::string::npos);
    EXPECT_NE(result.find("\"num_classes\": 10"), std::string::npos) << result;  // what weights.pt's classifier was built for
    EXPECT_NE(result.find("\"input_size\": 32"), std::string::npos) << result;  // fbnet-cifar's
    r = runCli("train --arch no-such-arch");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no such file or published architecture"), std::string::npos) << r.out;
    r = runCli("train --arch fbnet-a --space fbnet-cifar --epochs 0");
    EXPECT_NE(r.code, 0);
}

TEST(Cli, LutKitMeasuredHereFitsATableThatPredictsHeldOutNetworksAndSearches)
{
    // The whole loop of a real phone, with this machine as the phone and OpenCV's dnn module as
    // its runtime: kit -> timings -> fit -> validation on held-out kit networks -> a search.
    const auto d = tempDir("kit");
    const std::string kit = (d / "kit").string();
    auto r = runCli("lut kit --space fbnet-cifar --count 16 --prior pixel3 --out " + kit);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("kit of 16 networks of fbnet-cifar"), std::string::npos) << r.out;
    for (const char *f : {"manifest.csv", "timings-template.csv", "README.md", "kit.json", "models/kit-001.onnx", "models/kit-016.onnx"})
        EXPECT_TRUE(fs::exists(d / "kit" / f)) << f;
    EXPECT_NE(slurp(d / "kit" / "README.md").find("benchmark_model"), std::string::npos);
    // An unfilled template is refused with the line and the column.
    r = runCli("lut fit --space fbnet-cifar --measurements " + kit + "/timings-template.csv --prior pixel3");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("timings-template.csv: line 2: latency_ms"), std::string::npos) << r.out;
    r = runCli("lut measure --kit " + kit + " --repeats 5 --warmup 2");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("timed 16 networks with opencv"), std::string::npos) << r.out;
    r = runCli("lut fit --space fbnet-cifar --measurements " + kit + "/timings.csv --prior pixel3 --device here --out " + (d / "here.json").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("kit split: 12 rows fitted, 4 held out"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("held out: 4 architectures"), std::string::npos) << r.out;
    r = runCli("lut validate --space fbnet-cifar --lut " + (d / "here.json").string() + " --measurements " + kit + "/timings.csv");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("(4 rows, split holdout): 4 architectures"), std::string::npos) << r.out;
    r = runCli("search --space fbnet-cifar --lut " + (d / "here.json").string() + " --dataset synthetic:200 --epochs 1 --warmup-epochs 0 "
               "--batch-size 16 --max-steps 1 --samples 1 --threads 1 --runs " + (d / "runs.sqlite").string());
    EXPECT_EQ(r.code, 0) << r.out;
    r = runCli("lut measure --kit " + d.string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("kit.json: missing"), std::string::npos) << r.out;
}

TEST(Cli, LutFitReportsHeldOutError)
{
    const auto d = tempDir("fit");
    const auto r = runCli(std::string("lut fit --measurements ") + FBNET_TEST_DATA + "/latency.csv --column pixel3_ms --device p3 "
                         "--holdout 1000 --out " + (d / "p3.json").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("held out: 1000 architectures, MAPE 0.00"), std::string::npos) << r.out;
    const auto show = runCli("lut show " + (d / "p3.json").string());
    EXPECT_EQ(show.code, 0);
    EXPECT_NE(show.out.find("provenance: calibrated"), std::string::npos);
}

TEST(Cli, BadInputGivesMessageAndNonZeroExit)
{
    auto r = runCli("arch info no-such-arch");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no such file or published architecture"), std::string::npos) << r.out;
    r = runCli("search --space no-such-space --max-steps 1");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("no such space"), std::string::npos) << r.out;
    r = runCli("search --dataset synthetic:300 --warmup-epochs 5 --epochs 3");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("warmup_epochs"), std::string::npos) << r.out;
    r = runCli("search --dataset fashion-mnist:/nonexistent");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/nonexistent/train-images-idx3-ubyte.gz: file not found"), std::string::npos) << r.out;
    const auto d = tempDir("bad");
    std::ofstream(d / "lut.json") << R"({"schema": 1, "unit": "us"})";
    r = runCli("search --dataset synthetic:300 --lut " + (d / "lut.json").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("lut.json: /unit: expected \"ms\""), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists("fbnet-search-out"));
    r = runCli("search --mode medium");
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

TEST(Cli, MistypedCommandLinesGetSuggestionsAndAFailedCommandLeavesNoStore)
{
    auto r = runCli("search --epoch 3");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("unknown option --epoch; did you mean --epochs?"), std::string::npos) << r.out;
    r = runCli("serch --epochs 3");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("unknown command 'serch'; did you mean 'search'?"), std::string::npos) << r.out;
    r = runCli("lut biuld");
    EXPECT_NE(r.out.find("did you mean 'build'?"), std::string::npos) << r.out;
    r = runCli("runs list --run x");
    EXPECT_NE(r.out.find("did you mean --runs?"), std::string::npos) << r.out;
    // Range errors in words, not a 300-digit bound.
    r = runCli("search --epochs 0");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--epochs: must be at least 1, got 0"), std::string::npos) << r.out;
    EXPECT_LT(r.out.size(), 200u) << r.out;
    r = runCli("train --arch fbnet-a --epochs x");
    EXPECT_NE(r.out.find("expected a whole number, got 'x'"), std::string::npos) << r.out;
    // A table of another space: say whose it is and what this space has.
    r = runCli("arch info fbnet-a --space fbnet-imagenet --lut pixel3");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("belongs to space fbnet-cifar, not fbnet-imagenet; tables of fbnet-imagenet: iphonex, s8"), std::string::npos) << r.out;
    // Failing commands create no store; a store that existed stays.
    const auto d = tempDir("nostore");
    std::vector<std::string> failing{"search --dataset cifar10:/nonexistent --runs " + (d / "a.sqlite").string(),
                                     "runs show nosuch --runs " + (d / "b.sqlite").string(),
                                     "search --lut nosuch --runs=" + (d / "c.sqlite").string(),
                                     "search --precision fp16 --device cpu --runs " + (d / "e.sqlite").string()};
    if (!fbnet::deviceUnavailableReason("cuda").empty())  // where a GPU is seen this would search
        failing.push_back("search --device cuda --runs " + (d / "f.sqlite").string());
    for (const std::string &cmd : failing) {
        r = runCli(cmd);
        EXPECT_NE(r.code, 0) << cmd;
    }
    EXPECT_NE(r.out.find(fbnet::deviceUnavailableReason("cuda").empty() ? "fp16 needs a GPU" : "device cuda is not available"), std::string::npos)
        << r.out;
    EXPECT_TRUE(fs::is_empty(d)) << "a failed command left files in " << d;
    r = runCli("runs list --runs " + (d / "kept.sqlite").string());  // succeeds: the (empty) store is the user's now
    EXPECT_EQ(r.code, 0) << r.out;
    ASSERT_TRUE(fs::exists(d / "kept.sqlite"));
    r = runCli("runs show nosuch --runs " + (d / "kept.sqlite").string());
    EXPECT_NE(r.code, 0);
    EXPECT_TRUE(fs::exists(d / "kept.sqlite")) << "a failing command removed a store that existed before it";
}

TEST(Cli, LutBuildValidatePredictCompare)
{
    const auto d = tempDir("lutbuild");
    std::ofstream(d / "tiny.json") << kTinySpace;
    const std::string space = " --space " + (d / "tiny.json").string();
    auto r = runCli("lut build" + space + " --repeats 5 --warmup 1 --out " + (d / "a.json").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("measured 10 ops of tiny"), std::string::npos) << r.out;  // 8 distinct blocks + stem + head
    // A summary of the timings' spread, not a line of op names; advice when entries are unstable.
    EXPECT_NE(r.out.find("timing spread (p90-p10)/median over"), std::string::npos) << r.out;
    if (r.out.find("entries are unstable") != std::string::npos) {
        EXPECT_NE(r.out.find("advice:"), std::string::npos) << r.out;
    }
    auto show = runCli("lut show " + (d / "a.json").string());
    EXPECT_NE(show.out.find("provenance: measured"), std::string::npos) << show.out;
    EXPECT_NE(show.out.find("Skip_H16_W16_Cin8_Cout16_stride2"), std::string::npos) << show.out;

    r = runCli("lut validate" + space + " --lut " + (d / "a.json").string() + " --count 4 --repeats 5 --csv " + (d / "v.csv").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("4 architectures, MAPE"), std::string::npos) << r.out;
    EXPECT_NE(slurp(d / "v.csv").find("arch,predicted_ms,measured_ms,error_pct"), std::string::npos);

    std::ofstream(d / "archs.csv") << "id,arch\n1,k3_e1-skip-k3_e3\n2,skip-skip-skip\n";
    r = runCli("lut predict" + space + " --lut " + (d / "a.json").string() + " --archs " + (d / "archs.csv").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("id,arch,predicted_ms"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2,skip-skip-skip,"), std::string::npos) << r.out;
    std::ofstream(d / "bad.csv") << "id,arch\n1,k3_e1-nope-k3_e3\n";
    r = runCli("lut predict" + space + " --lut " + (d / "a.json").string() + " --archs " + (d / "bad.csv").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("bad.csv: line 2"), std::string::npos) << r.out;

    r = runCli("lut build" + space + " --repeats 5 --warmup 1 --out " + (d / "b.json").string());
    r = runCli("lut compare " + (d / "a.json").string() + " " + (d / "b.json").string() + space);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("entries within 5% of each other"), std::string::npos) << r.out;
}

TEST(Cli, ShippedTablesLoadAndCompare)
{
    auto r = runCli("lut list");
    ASSERT_EQ(r.code, 0) << r.out;
    for (const char *t : {"pixel3-fbnet-cifar", "samsung-a50-fbnet-cifar", "xeon-gold-6226-fbnet-cifar", "titan-rtx-fbnet-cifar"})
        EXPECT_NE(r.out.find(t), std::string::npos) << t;
    r = runCli("lut compare pixel3 samsung-a50");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("favoured by pixel3"), std::string::npos) << r.out;
    r = runCli(std::string("lut predict --lut samsung-a50 --archs ") + FBNET_TEST_DATA + "/latency.csv --column samsung_a50_ms --out "
              + (tempDir("pred") / "p.csv").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("predicted vs samsung_a50_ms: 4000 architectures"), std::string::npos) << r.out;
    r = runCli("lut export pixel3");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(r.out.rfind("signature,ms,p10,p90,samples\nfixed_ms,", 0), 0u) << r.out.substr(0, 80);
    r = runCli("lut matrix --lut s8 --lut iphonex --arch fbnet-s8 --arch fbnet-iphonex");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("fbnet-iphonex"), std::string::npos) << r.out;
    r = runCli("lut import --format nni --file /nonexistent.txt --unit us --device d");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("/nonexistent.txt: cannot open"), std::string::npos) << r.out;
}

TEST(Cli, RunsSampleExportImportTrainRandomPareto)
{
    const auto d = tempDir("runs");
    const auto tiny = writeTinySpace(d);
    const std::string db = (d / "runs.sqlite").string();
    const std::string store = " --runs " + db;
    const std::string space = " --space " + tiny.space + " --lut " + tiny.lut;
    auto r = runCli("search" + store + space + " --name s1 --dataset synthetic:400 --subset 0 --epochs 2 --warmup-epochs 1 "
                   "--batch-size 16 --samples 1 --threads 1");
    ASSERT_EQ(r.code, 0) << r.out;
    r = runCli("search" + store + space + " --name s2 --seed 9 --alpha 2 --dataset synthetic:400 --subset 0 --epochs 2 "
              "--warmup-epochs 1 --batch-size 16 --samples 1 --threads 1");
    ASSERT_EQ(r.code, 0) << r.out;
    r = runCli("runs list" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("s1"), std::string::npos) << r.out;
    EXPECT_TRUE(std::regex_search(r.out, std::regex("finished +2/2"))) << r.out;
    r = runCli("runs show s1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("argmax"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("sample1"), std::string::npos) << r.out;

    r = runCli("sample --run s1 --count 2" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("sample3"), std::string::npos) << r.out;

    r = runCli("export --run s1 --format mobile-vision --out " + (d / "mv.json").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(slurp(d / "mv.json").find("[\"conv_k3\",8,1,1,{\"bias\":false}]"), std::string::npos) << slurp(d / "mv.json");
    r = runCli("export --run s1 --out " + (d / "arch.json").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string ours = slurp(d / "arch.json");
    EXPECT_NE(ours.find("\"figures\""), std::string::npos) << ours;
    EXPECT_NE(ours.find("\"provenance\""), std::string::npos) << ours;
    // Import the arch_def again: the same blocks as our own JSON.
    r = runCli("import " + (d / "mv.json").string() + " --space " + tiny.space + " --out " + (d / "back.json").string());
    ASSERT_EQ(r.code, 0) << r.out;
    const auto shown = runCli("runs show s1" + store);
    const auto line = shown.out.substr(shown.out.find("argmax "));
    const auto blocks = line.substr(line.rfind(' ', line.find('\n')) + 1, line.find('\n') - line.rfind(' ', line.find('\n')) - 1);
    EXPECT_NE(r.out.find(blocks), std::string::npos) << r.out << "\nvs " << blocks;
    std::ofstream(d / "bad-mv.json") << R"({"blocks": [[["conv_k3", 8, 1, 1]], [["ir_k7", 8, 1, 1, {"expansion": 1}]]]})";
    r = runCli("import " + (d / "bad-mv.json").string() + " --space " + tiny.space);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("bad-mv.json: /blocks"), std::string::npos) << r.out;

    // Training a stored architecture stores its evaluation on it.
    r = runCli("train --arch s1:argmax" + store + " --dataset synthetic:200 --subset 0 --epochs 1 --batch-size 16 --threads 1");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("evaluation stored on architecture"), std::string::npos) << r.out;
    EXPECT_NE(runCli("export --run s1" + store).out.find("\"top1\""), std::string::npos);

    // The searched argmax as ONNX with the weights it was just trained with, checked in OpenCV's
    // dnn module against libtorch by the export itself; a wrong opset or format is refused.
    r = runCli("train --arch s1:argmax" + store + " --dataset synthetic:200 --subset 0 --epochs 1 --batch-size 16 --threads 1 --out "
               + (d / "trained").string());
    ASSERT_EQ(r.code, 0) << r.out;
    r = runCli("export --run s1 --format onnx --weights " + (d / "trained" / "weights.pt").string() + " --fold-bn --out "
               + (d / "s1.onnx").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("trained weights, BN folded"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("checked: OpenCV dnn and libtorch logits"), std::string::npos) << r.out;
    EXPECT_EQ(std::system(("/usr/bin/python3 -c \"import onnx; onnx.checker.check_model(onnx.load('" + (d / "s1.onnx").string()
                           + "'), full_check=True)\"").c_str()), 0);
    // Without --weights the export takes the architecture's newest trained weights and says so.
    r = runCli("export --run s1 --format onnx --no-check --out " + (d / "s1-stored.onnx").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("with trained weights (synthetic"), std::string::npos) << r.out;
    r = runCli("export --arch fbnet-a --format onnx --no-check --out " + (d / "random.onnx").string());
    EXPECT_NE(r.code, 0) << "random weights only when asked for";
    EXPECT_NE(r.out.find("--random-weights"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(d / "random.onnx"));
    r = runCli("export --run s1 --format onnx --opset 18 --out " + (d / "x.onnx").string() + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("13 to 17"), std::string::npos) << r.out;
    r = runCli("export --run s1 --format onnx" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--out"), std::string::npos) << r.out;
    r = runCli("export --arch fbnet-a --space fbnet-imagenet --format onnx --weights " + (d / "trained" / "weights.pt").string()
               + " --out " + (d / "a.onnx").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("another architecture"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(d / "a.onnx"));

    // Random baseline and the front.
    r = runCli("random --name rnd --max-archs 2" + store + space + " --dataset synthetic:200 --subset 0 --epochs 1 --batch-size 16 "
              "--threads 1");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("2 random architectures"), std::string::npos) << r.out;
    // With --budget-of, space and data come from the search, the training images per architecture
    // from --subset (not the search's subset).
    r = runCli("random --name rnd2 --max-archs 1 --budget-of s1 --subset 64 --test-subset 32 --epochs 1 --batch-size 16 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("on 64 images"), std::string::npos) << r.out;
    // --plan says the work before it starts, and starts nothing.
    const std::string paretoArgs = " --run s1 --baseline rnd" + store + " --dataset synthetic:200 --subset 0 --test-subset 0 --epochs 1 "
                                   "--batch-size 16 --threads 1";
    const std::string runsBefore = queryOne(db, "SELECT COUNT(*) FROM runs");
    r = runCli("pareto --plan" + paretoArgs);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("Trains "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("on the front"), std::string::npos) << r.out;
    r = runCli("random --plan --budget-of s1 --subset 64 --test-subset 32 --epochs 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("until the compute of the run it matches"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("Only 32 test images"), std::string::npos) << r.out;
    r = runCli("random --plan --max-archs 1" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--budget-of"), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(db, "SELECT COUNT(*) FROM runs"), runsBefore);
    r = runCli("pareto" + paretoArgs + " --out " + (d / "front.csv").string());
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("on the front"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("random"), std::string::npos) << r.out;
    EXPECT_NE(slurp(d / "front.csv").find("latency_ms,latency_source,test_top1"), std::string::npos);
    r = runCli("pareto --plan" + paretoArgs);
    EXPECT_NE(r.out.find("Nothing to train"), std::string::npos) << r.out;

    r = runCli("runs compare s1 s2" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("config alpha"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("argmax architectures agree in"), std::string::npos) << r.out;
    r = runCli("runs export s1 --what steps --out " + (d / "steps.csv").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(slurp(d / "steps.csv").rfind("epoch,phase,step,loss", 0), 0u);
    r = runCli("runs rename s2 second" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    r = runCli("runs delete second" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(runCli("runs show second" + store).code, 1);
    EXPECT_EQ(queryOne(db, "PRAGMA integrity_check"), "ok");

    // A file that is not a runs database: named in the error, left as it was.
    std::ofstream(d / "junk.sqlite") << std::string(2048, 'j');
    r = runCli("runs list --runs " + (d / "junk.sqlite").string());
    EXPECT_EQ(r.code, 1);
    EXPECT_NE(r.out.find("junk.sqlite"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(d / "junk.sqlite"), std::string(2048, 'j'));
}

TEST(Cli, FbnetV2SearchTrainsItsArgmaxAndReportsTheSpaceSize)
{
    const auto d = tempDir("v2");
    const std::string store = " --runs " + (d / "runs.sqlite").string();
    auto r = runCli("search --space fbnetv2-cifar --lut flops --name v2 --dataset synthetic:300 --subset 0 --epochs 2 "
                    "--warmup-epochs 1 --batch-size 16 --max-steps 2 --samples 1 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("widths "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("MFLOPs"), std::string::npos) << r.out;
    // The argmax has concrete widths, expansions and resolution; train, export and import accept it.
    r = runCli("train --arch v2:argmax --dataset synthetic:200 --subset 0 --epochs 1 --max-steps 2 --batch-size 16 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("test top-1"), std::string::npos) << r.out;
    // ... also from the masked supernet's weights, sliced to the argmax's widths.
    r = runCli("train --arch v2:argmax --init-from-supernet --dataset synthetic:200 --subset 0 --epochs 1 --max-steps 2 "
               "--batch-size 16 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("initialised from the supernet of run 'v2'"), std::string::npos) << r.out;
    // --epochs 0: the supernet's accuracy of the architecture, printed and not stored.
    const std::string evaluations = queryOne(d / "runs.sqlite", "SELECT COUNT(*) FROM evaluations");
    // Without --dataset, on the data the run searched (synthetic:300), not on fashion-mnist's test images.
    r = runCli("train --arch v2:argmax --init-from-supernet --epochs 0 --subset 0 --batch-size 16 --threads 1" + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("data of run 'v2': synthetic:300"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("test top-1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("not stored as an evaluation"), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT COUNT(*) FROM evaluations"), evaluations);
    r = runCli("train --arch v2:argmax --epochs 0 --dataset synthetic:200 --subset 0" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("needs --init-from-supernet"), std::string::npos) << r.out;
    r = runCli("export --run v2 --out " + (d / "v2.json").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(slurp(d / "v2.json").find("\"widths\""), std::string::npos);
    r = runCli("sample --run v2 --count 2" + store);  // concrete architectures from the stored theta
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("sample3"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("widths "), std::string::npos) << r.out;
    r = runCli("arch info " + (d / "v2.json").string() + " --space fbnetv2-cifar --json");
    ASSERT_EQ(r.code, 0) << r.out;
    r = runCli("search --space fbnetv2-cifar --lut pixel3 --dataset synthetic:300 --max-steps 1" + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("use --lut flops or --lut params"), std::string::npos) << r.out;
    r = runCli("space info fbnetv2-imagenet");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("25 searchable layers; search space size 10^63.25"), std::string::npos) << r.out;
    r = runCli("arch info fbnetv2-f1 --space fbnetv2-imagenet --json");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("\"mobile_vision_flops\": 56410560"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"weights\": 5999408"), std::string::npos) << r.out;
}

// A folder of the user's own photos, end to end: search on it, train the argmax, see its top-1.
TEST(Cli, SearchesAndTrainsOnAFolderOfImages)
{
    const auto d = tempDir("folder");
    const auto tiny = writeTinySpace(d);
    const auto photos = d / "photos";
    for (int i = 0; i < 40; ++i) {
        const bool jpeg = i % 2;
        const auto mode = jpeg ? fbnet::test::ImageMode::JpegRgb : fbnet::test::ImageMode::PngRgb;
        const std::string ext = jpeg ? ".jpg" : ".png";
        fbnet::test::writeImage(photos / "cats" / ("c" + std::to_string(i) + ext), mode, 40, 30, 200, 40 + i, 40);
        fbnet::test::writeImage(photos / "dogs" / ("d" + std::to_string(i) + ext), mode, 30, 40, 40, 40 + i, 200);
    }
    const std::string store = " --runs " + (d / "runs.sqlite").string();
    const std::string data = " --dataset folder:" + photos.string() + " --subset 0 --batch-size 8 --threads 1";
    auto r = runCli("search" + store + data + " --space " + tiny.space + " --lut " + tiny.lut
                    + " --name photos --epochs 2 --warmup-epochs 1 --max-steps 2 --samples 1");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("data folder:" + photos.string()), std::string::npos) << r.out;
    // The class list and the image count are stored with the run.
    const auto invocation = nlohmann::json::parse(queryOne(d / "runs.sqlite", "SELECT invocation FROM runs WHERE name = 'photos'"));
    EXPECT_EQ(invocation.at("data").at("classes"), nlohmann::json({"cats", "dogs"})) << invocation.dump();
    EXPECT_GT(invocation.at("data").at("images").get<int>(), 60);
    r = runCli("train --arch photos:argmax" + store + data + " --epochs 1 --max-steps 2 --test-subset 0");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("top-1"), std::string::npos) << r.out;
    // Another input size: refused with a device table (measured at the space's size), taken with an
    // analytic cost, recorded, and trained at that size.
    r = runCli("search" + store + data + " --space " + tiny.space + " --lut " + tiny.lut + " --input-size 24 --name big");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("another input size needs --lut flops or params"), std::string::npos) << r.out;
    r = runCli("search" + store + data + " --space " + tiny.space + " --lut flops --input-size 24 --name big --epochs 2 --warmup-epochs 1 "
               "--max-steps 2 --samples 1");
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT json_extract(invocation, '$.input_size') FROM runs WHERE name = 'big'"), "24");
    r = runCli("train --arch big:argmax" + store + data + " --input-size 24 --epochs 1 --max-steps 2 --test-subset 0");
    EXPECT_EQ(r.code, 0) << r.out;
    // A damaged photo (found while streaming) stops the search with its name, at a step the run
    // resumes from once the file is replaced.
    const auto photo = photos / "cats" / "c1.jpg";
    fs::copy_file(photo, d / "c1.jpg");
    fs::resize_file(photo, 100);
    const std::string broken = "search" + store + data + " --space " + tiny.space + " --lut " + tiny.lut + " --epochs 2 --warmup-epochs 1";
    r = runCli(broken + " --name broken");
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("c1.jpg: JPEG"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("--skip-bad-images"), std::string::npos) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT status FROM runs WHERE name = 'broken'"), "failed");
    fs::remove(photo);
    fs::copy_file(d / "c1.jpg", photo);
    r = runCli("search --resume broken" + store);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT status FROM runs WHERE name = 'broken'"), "finished");
    // --skip-bad-images runs through and says which file it replaced.
    fs::resize_file(photo, 100);
    r = runCli(broken + " --name skipping --skip-bad-images");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("replaced 1 damaged image"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("c1.jpg"), std::string::npos) << r.out;
    const std::string bad = queryOne(d / "runs.sqlite", "SELECT json_extract(invocation, '$.data.bad_images[0]') FROM runs WHERE name = 'skipping'");
    EXPECT_NE(bad.find("c1.jpg"), std::string::npos) << "recorded with the run: " << bad;
    // Issue 36, 12: the same with a name that is not UTF-8 ("c\xff1.jpg"): the run finishes (it
    // failed after every epoch on the JSON of the name) and records the name with the byte escaped.
    // Several copies, so that some fall in the training split whatever the names' hashes.
    for (int k = 0; k < 8; ++k)
        fs::copy_file(photo, photos / "cats" / ("c\xff" "_" + std::to_string(k) + ".jpg"));
    fs::remove(photo);
    r = runCli(broken + " --name latin1 --skip-bad-images");
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_EQ(queryOne(d / "runs.sqlite", "SELECT status FROM runs WHERE name = 'latin1'"), "finished");
    const std::string escaped = queryOne(d / "runs.sqlite", "SELECT json_extract(invocation, '$.data.bad_images[0]') FROM runs WHERE name = 'latin1'");
    EXPECT_NE(escaped.find("c\\xff_"), std::string::npos) << escaped;
}
