// End-to-end tests of exports for other tools: mobile-vision's arch_def with trained weights under
// its names (the logits themselves are checked in tests/core/test_mobilevision.cpp).
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "clitest.h"

using namespace clitest;

// A published ImageNet architecture trained on a 10-class data set and stored as a train run: the
// run exports as a mobile-vision bundle (and as ONNX) with its own class count; bad weights and a
// file in place of the folder are refused and leave nothing behind.
TEST(Cli, MobileVisionBundleHoldsTheArchDefAndTheTrainedWeightsUnderItsNames)
{
    const auto d = tempDir("mvbundle");
    const std::string store = " --runs " + (d / "runs.sqlite").string();
    auto r = runCli("train --arch fbnet-a --name a1 --dataset synthetic:64 --subset 0 --epochs 1 --max-steps 1 --batch-size 8 --threads 1 --out "
                    + (d / "trained").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string weights = (d / "trained" / "weights.pt").string();
    r = runCli("export --run a1 --format mobile-vision --weights " + weights + " --out " + (d / "mv").string() + store);
    ASSERT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("mobile-vision's names"), std::string::npos) << r.out;
    const std::string archDef = slurp(d / "mv" / "arch_def.json"), readme = slurp(d / "mv" / "README.txt");
    EXPECT_NE(archDef.find(R"(["conv_k3",16,2,1,{"bias":false}])"), std::string::npos) << archDef;
    EXPECT_NE(readme.find("num_classes=10"), std::string::npos) << readme;
    EXPECT_NE(readme.find("strict=True"), std::string::npos) << readme;
    EXPECT_NE(readme.find("ClsConvHead"), std::string::npos) << readme;
    ASSERT_TRUE(fs::exists(d / "mv" / "weights.pt"));
    // Python's torch.load reads it as a plain dict under mobile-vision's names (when Debian's
    // python3-torch is installed; scripts/install-deps.sh adds it only for the benchmarks).
    if (std::system("/usr/bin/python3 -c 'import torch' > /dev/null 2>&1") == 0) {
        const std::string py = "/usr/bin/python3 -c \"import torch, sys\nsd = torch.load(sys.argv[1])\n"
                               "assert type(sd) is dict and tuple(sd['head.conv.weight'].shape) == (10, 1504, 1, 1), sd.keys()\n"
                               "assert 'backbone.stages.xif0_0.bn.num_batches_tracked' in sd and not any(k.startswith('fc') for k in sd)\n\" "
                               + (d / "mv" / "weights.pt").string();
        EXPECT_EQ(std::system(py.c_str()), 0);
    }
    // The same run as ONNX: the train run's table is one of its space (fbnet-imagenet has no pixel3 table).
    r = runCli("export --run a1 --format onnx --weights " + weights + " --out " + (d / "a1.onnx").string() + store);
    EXPECT_EQ(r.code, 0) << r.out;
    // An existing folder as the ONNX file: named, not "unexpected error: filesystem error" (issue 36, 19).
    r = runCli("export --run a1 --format onnx --weights " + weights + " --out " + (d / "mv").string() + store);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_NE(r.out.find("is a folder"), std::string::npos) << r.out;
    // Weights with 2 KB overwritten inside a tensor: refused as damaged, nothing written (issue 36, 10).
    {
        std::string bytes = slurp(fs::path(weights));
        for (std::size_t k = 0; k < 2048; ++k)
            bytes[bytes.size() / 3 + k] = char(k * 13 + 5);
        std::ofstream(d / "damaged.pt", std::ios::binary) << bytes;
    }
    r = runCli("export --run a1 --format onnx --weights " + (d / "damaged.pt").string() + " --out " + (d / "damaged.onnx").string() + store);
    EXPECT_NE(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("damaged"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(d / "damaged.onnx"));
    // Weights of another architecture (1000 classes): the file and the key; no folder left behind.
    r = runCli("export --arch fbnet-a --format mobile-vision --weights " + weights + " --out " + (d / "bad").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("fc.weight"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("another architecture"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(d / "bad"));
    // The published name with those weights: the hint names --classes, which then exports it; RUN:ID
    // exports with its run's class count like --run.
    r = runCli("export --arch fbnet-a --format onnx --weights " + weights + " --out " + (d / "named.onnx").string());
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("--classes N"), std::string::npos) << r.out;
    r = runCli("export --arch fbnet-a --classes 10 --format onnx --weights " + weights + " --out " + (d / "named.onnx").string());
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("10 classes"), std::string::npos) << r.out;
    r = runCli("export --arch a1:1 --format onnx --weights " + weights + " --out " + (d / "stored.onnx").string() + store);
    EXPECT_EQ(r.code, 0) << r.out;
    r = runCli("export --run a1 --classes 10 --format onnx --out " + (d / "x.onnx").string() + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("its run's"), std::string::npos) << r.out;
    // --out naming a file: refused before anything is written.
    std::ofstream(d / "file.txt") << "keep me\n";
    r = runCli("export --run a1 --format mobile-vision --weights " + weights + " --out " + (d / "file.txt").string() + store);
    EXPECT_NE(r.code, 0);
    EXPECT_NE(r.out.find("not a folder"), std::string::npos) << r.out;
    EXPECT_EQ(slurp(d / "file.txt"), "keep me\n");
}
