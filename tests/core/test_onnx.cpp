// ONNX export: every published architecture, checked by ONNX's own checker (Python, full_check)
// and, where it runs them correctly, by OpenCV's dnn module against libtorch's logits.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "nn/statedict.h"
#include "fbnet/architecture.h"
#include "fbnet/onnxexport.h"
#include "fbnet/resources.h"
#include "nn/network.h"
#include "networkfixtures.h"
#include "testutil.h"

using namespace fbnet;
using fbnet::test::randomWeights;
namespace fs = std::filesystem;

namespace {

struct Published
{
    std::string name;
    Architecture arch;
    SearchSpace space;
};

std::vector<Published> publishedArchitectures()
{
    std::vector<Published> out;
    for (const auto &e : fs::directory_iterator(fs::path(resourceDir()) / "architectures")) {
        if (e.path().extension() != ".json")
            continue;
        Architecture a = loadArchitecture(e.path().string());
        SearchSpace s = SearchSpace::load(resolveSpacePath(a.space));
        out.push_back({e.path().stem().string(), std::move(a), std::move(s)});
    }
    std::sort(out.begin(), out.end(), [](const Published &a, const Published &b) { return a.name < b.name; });
    // The same FBNetV2 networks without squeeze-excite too: the rest of FBNetV2 (h-swish, per-layer
    // widths, the ir_pool head, the searched input size) checked on its own.
    const std::size_t published = out.size();
    for (std::size_t i = 0; i < published; ++i) {
        Published v = out[i];
        bool changed = false;
        for (auto &b : v.arch.blocks) {
            const auto at = b.find("_sehsig");
            if (at != std::string::npos) {
                b.erase(at, 7);
                changed = true;
            }
        }
        if (changed) {
            v.name += "-without-se";
            v.arch.name = v.name;
            out.push_back(std::move(v));
        }
    }
    return out;
}

std::vector<float> randomInput(const NetworkPlan &plan, int batch)
{
    std::vector<float> x(std::size_t(batch) * std::size_t(plan.inputChannels) * std::size_t(plan.inputSize) * std::size_t(plan.inputSize));
    std::mt19937 rng(3);
    std::normal_distribution<float> nd;
    for (auto &v : x)
        v = nd(rng);
    return x;
}

/** ONNX's Python checker with full_check (strict shape inference), as a user would run it. */
int pythonCheck(const std::vector<std::string> &files)
{
    std::string cmd = "/usr/bin/python3 -c \"import onnx, sys\nfor f in sys.argv[1:]:\n"
                      "    m = onnx.load(f); onnx.checker.check_model(m, full_check=True)\n"
                      "    d = m.graph.input[0].type.tensor_type.shape.dim[0]\n"
                      "    assert d.dim_param == 'batch', f + ': batch dimension is not dynamic'\n\"";
    for (const auto &f : files)
        cmd += " '" + f + "'";
    return std::system(cmd.c_str());
}

fs::path scratch(const std::string &name)
{
    const fs::path dir = fs::temp_directory_path() / ("fbnet-onnx-" + name + "-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    return dir;
}

} // namespace

TEST(OnnxExport, EveryPublishedArchitecturePassesTheCheckerAndMatchesLibtorchInOpenCv)
{
    const fs::path dir = scratch("published");
    std::vector<std::string> files;
    int compared = 0, fixedBatch = 0;
    for (const auto &p : publishedArchitectures()) {
        SCOPED_TRACE(p.name);
        const std::string weights = randomWeights(p.space, p.arch, dir, 11);
        const NetworkPlan plan = resolve(p.space, p.arch);
        const auto input = randomInput(plan, 2);
        const auto ours = torchLogits(p.space, p.arch, weights, 0, input, 2);
        for (bool fold : {false, true}) {
            OnnxExportOptions o;
            o.weightsPath = weights;
            o.foldBn = fold;
            o.opset = fold ? 13 : 17;  // both ends of the supported range (13: h-swish as x * HardSigmoid(x))
            const std::string out = (dir / (p.name + (fold ? "-folded" : "") + ".onnx")).string();
            const OnnxExportSummary s = exportOnnx(p.space, p.arch, o, out);
            EXPECT_TRUE(s.trainedWeights);
            EXPECT_EQ(s.numClasses, plan.numClasses);
            files.push_back(out);
            if (opencvCanRun(out)) {  // the file itself
                const auto cv = opencvLogits(out, input, 2, plan.inputChannels, plan.inputSize);
                EXPECT_LE(maxRelativeDifference(cv, ours), 1e-4) << out;
            } else {  // squeeze-excite: OpenCV 4.6 runs it with a fixed batch, so the check uses such a copy
                const OpenCvCheck c = checkInOpenCv(p.space, p.arch, o, out);
                EXPECT_TRUE(c.fixedBatchCopy);
                EXPECT_LE(c.relativeDifference, 1e-4) << out;
                EXPECT_FALSE(fs::exists(out + ".opencv-check.onnx"));
                ++fixedBatch;
            }
            ++compared;
        }
    }
    EXPECT_GE(compared, 40);    // every published network and FBNetV2 without SE, folded or not
    EXPECT_GE(fixedBatch, 12);  // the six FBNetV2 networks with squeeze-excite, folded or not
    // A file with the gate as Mul's second input (as exported before): refused with the node, not run wrong.
    const std::string l2 = (dir / "fbnetv2-l2.onnx").string(), swapped = (dir / "swapped.onnx").string();
    ASSERT_EQ(std::system(("/usr/bin/python3 -c \"import onnx, sys\nm = onnx.load(sys.argv[1])\n"
                           "for n in m.graph.node:\n    if n.name.endswith('.se_scale'): n.input[0], n.input[1] = n.input[1], n.input[0]\n"
                           "onnx.save(m, sys.argv[2])\n\" " + l2 + " " + swapped).c_str()), 0);
    std::string why;
    EXPECT_EQ(opencvSupport(swapped, &why), OpenCvSupport::No);
    EXPECT_NE(why.find(".se_scale"), std::string::npos) << why;
    EXPECT_NE(why.find("export the model again"), std::string::npos) << why;
    EXPECT_EQ(pythonCheck(files), 0);
    fs::remove_all(dir);
}

TEST(OnnxExport, FoldingBatchNormRemovesItsNodesAndKeepsTheLogits)
{
    const fs::path dir = scratch("fold");
    const Architecture a = loadArchitecture(resolveArchitecturePath("fbnet-96-0.35-1"));
    const SearchSpace space = SearchSpace::load(resolveSpacePath(a.space));
    const std::string weights = randomWeights(space, a, dir, 5);
    OnnxExportOptions kept, folded;
    kept.weightsPath = folded.weightsPath = weights;
    folded.foldBn = true;
    const auto k = exportOnnx(space, a, kept, (dir / "kept.onnx").string());
    const auto f = exportOnnx(space, a, folded, (dir / "folded.onnx").string());
    EXPECT_LT(f.nodes, k.nodes);
    EXPECT_LT(f.parameters, k.parameters);  // BN's four vectors become one bias
    const NetworkPlan plan = resolve(space, a);
    const auto input = randomInput(plan, 3);
    const auto ours = torchLogits(space, a, weights, 0, input, 3);
    EXPECT_LE(maxRelativeDifference(opencvLogits((dir / "kept.onnx").string(), input, 3, 3, plan.inputSize), ours), 1e-4);
    EXPECT_LE(maxRelativeDifference(opencvLogits((dir / "folded.onnx").string(), input, 3, 3, plan.inputSize), ours), 1e-4);
    fs::remove_all(dir);
}

TEST(OnnxExport, RefusesWrongWeightsAndOpsetsWithTheFileAndTheKey)
{
    const fs::path dir = scratch("errors");
    const Architecture a = loadArchitecture(resolveArchitecturePath("fbnet-a"));
    const Architecture b = loadArchitecture(resolveArchitecturePath("fbnet-c"));
    const SearchSpace space = SearchSpace::load(resolveSpacePath(a.space));
    const std::string weightsOfC = randomWeights(space, b, dir, 1);
    OnnxExportOptions o;
    o.weightsPath = weightsOfC;
    const std::string out = (dir / "a.onnx").string();
    const std::string e = test::errorOf([&] { exportOnnx(space, a, o, out); });
    EXPECT_NE(e.find(weightsOfC), std::string::npos) << e;
    EXPECT_NE(e.find("layer"), std::string::npos) << e;
    EXPECT_NE(e.find("another architecture"), std::string::npos) << e;
    EXPECT_FALSE(fs::exists(out));
    o.weightsPath.clear();
    o.opset = 18;
    EXPECT_NE(test::errorOf([&] { exportOnnx(space, a, o, out); }).find("13..17"), std::string::npos);
    o.opset = 17;
    std::ofstream((dir / "junk.pt").string()) << "not a state dict";
    o.weightsPath = (dir / "junk.pt").string();
    EXPECT_NE(test::errorOf([&] { exportOnnx(space, a, o, out); }).find("junk.pt"), std::string::npos);
    EXPECT_FALSE(fs::exists(out));
    fs::remove_all(dir);
}
