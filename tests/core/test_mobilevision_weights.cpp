// Weights under mobile-vision's names: the exported arch_def and state dict, run by mobile-vision's
// rules, give our network's logits. mobile_cv is not packaged (Debian, PyPI), so its builder cannot
// run here; mvForward below follows, step by step, what its code builds from an arch_def
// (mobile_cv/arch/fbnet_v2: FBNetBuilder.build_blocks names blocks xif<stage>_<block>; IRFBlock
// keeps pw when Cin != mid or always_pw, mid = int(Cin * expansion), a channel shuffle after a
// grouped pw, dw with the stride, pwl + BN, residual when Cin == Cout and stride 1; Identity is a
// 1x1 ConvBNRelu when shapes change; conv_kK is ConvBNRelu with the conv's bias unless
// "bias": false; model_zoo's ClsConvHead pools, then a 1x1 conv with bias).
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "nn/statedict.h"
#include "fbnet/architecture.h"
#include "fbnet/error.h"
#include "fbnet/mobilevision.h"
#include "fbnet/resources.h"
#include "nn/network.h"
#include "networkfixtures.h"
#include "testutil.h"

using namespace fbnet;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

/** mobile_cv.arch.utils.helper.get_divisible_by, as Python computes it (min_val = divisor). */
int64_t getDivisibleBy(double num, int64_t divisor)
{
    int64_t ret = int64_t(num);
    if (divisor > 0 && std::fmod(num, double(divisor)) != 0) {
        const double r = std::floor(num / double(divisor) + 0.5);
        ret = int64_t((r != 0 ? r : 1) * double(divisor));
        if (double(ret) < 0.95 * num)
            ret += divisor;
    }
    return ret < divisor ? divisor : ret;
}

bool endsWith(const std::string &s, const std::string &tail)
{
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

/** mobile-vision's FBNet(arch_def, num_classes) forward in eval mode, reading weights by its names; `used` collects the keys read. */
torch::Tensor mvForward(const json &def, const fbnet::detail::StateDict &w, torch::Tensor x, std::set<std::string> &used)
{
    auto get = [&](const std::string &k) -> torch::Tensor {
        const auto it = w.find(k);
        if (it == w.end())
            throw std::runtime_error("mobile-vision's model has " + k + ", the state dict does not");
        used.insert(k);
        return it->value();
    };
    auto bn = [&](const torch::Tensor &t, const std::string &p) {
        used.insert(p + "num_batches_tracked");
        EXPECT_TRUE(w.contains(p + "num_batches_tracked")) << p;  // nn.BatchNorm2d's buffer, needed by strict loading
        return torch::batch_norm(t, get(p + "weight"), get(p + "bias"), get(p + "running_mean"), get(p + "running_var"), false, 0.1, 1e-5,
                                 false);
    };
    auto conv = [&](const torch::Tensor &t, const std::string &k, const torch::Tensor &bias, int64_t stride, int64_t groups) {
        const torch::Tensor weight = get(k);
        return torch::conv2d(t, weight, bias, stride, weight.size(2) / 2, 1, groups);
    };
    auto act = [](const torch::Tensor &t, const std::string &name) { return name == "hswish" ? torch::hardswish(t) : t.relu(); };
    auto shuffle = [](const torch::Tensor &t, int64_t g) {  // nn.functional.channel_shuffle
        const auto s = t.sizes();
        return t.reshape({s[0], g, s[1] / g, s[2], s[3]}).transpose(1, 2).reshape(s);
    };
    const int64_t divisor = def.at("basic_args").value("width_divisor", 1);  // FBNetBuilder's default: 1
    int64_t cin = x.size(1);
    const json &stages = def.at("blocks");
    for (std::size_t si = 0; si < stages.size(); ++si) {
        int block = 0;
        for (const json &e : stages[si]) {
            const std::string op = e[0];
            const int64_t c = e[1], stride = e[2], n = e[3];
            json kw = json::object();
            for (std::size_t k = 4; k < e.size(); ++k)
                kw.update(e[k]);
            const std::string blockAct = endsWith(op, "_hs") ? "hswish" : "relu";
            for (int64_t r = 0; r < n; ++r) {
                const std::string p = "backbone.stages.xif" + std::to_string(si) + "_" + std::to_string(block++) + ".";
                const int64_t s = r == 0 ? stride : 1;
                if (op.rfind("conv_k", 0) == 0) {
                    const torch::Tensor bias = kw.value("bias", true) ? get(p + "conv.bias") : torch::Tensor();
                    x = act(bn(conv(x, p + "conv.weight", bias, s, 1), p + "bn."), blockAct);
                } else if (op == "skip") {
                    if (cin != c || s != 1)
                        x = bn(conv(x, p + "conv.conv.weight", {}, s, 1), p + "conv.bn.").relu();
                } else if (op == "ir_pool_hs") {
                    const int64_t mid = getDivisibleBy(double(cin) * kw.at("expansion").get<double>(), divisor);
                    torch::Tensor y = act(bn(conv(x, p + "pw.conv.weight", {}, 1, 1), p + "pw.bn."), "hswish");
                    EXPECT_EQ(y.size(1), mid) << p;
                    y = act(conv(torch::adaptive_avg_pool2d(y, {1, 1}), p + "pwl.conv.weight", {}, 1, 1), "hswish");
                    x = cin == c && s == 1 ? y + x : y;
                } else if (op.rfind("ir_k", 0) == 0) {
                    const int64_t mid = getDivisibleBy(double(cin) * kw.at("expansion").get<double>(), divisor);
                    const int64_t pwGroups = endsWith(op, "_g2") ? 2 : 1;
                    torch::Tensor y = x;
                    if (cin != mid || kw.value("always_pw", false))
                        y = act(bn(conv(y, p + "pw.conv.weight", {}, 1, pwGroups), p + "pw.bn."), blockAct);
                    if (pwGroups > 1)
                        y = shuffle(y, pwGroups);
                    y = act(bn(conv(y, p + "dw.conv.weight", {}, s, mid), p + "dw.bn."), blockAct);
                    // SE: named by the op (_sehsig) or by se_args; its inner activation is the block's unless se_args names one
                    const bool se = op.find("_sehsig") != std::string::npos || kw.contains("se_args");
                    if (se) {
                        const std::string seAct = kw.contains("se_args") ? kw["se_args"].value("relu_args", blockAct) : blockAct;
                        EXPECT_EQ(get(p + "se.se.0.conv.weight").size(0), getDivisibleBy(double(int64_t(double(mid) * 0.25)), divisor)) << p;
                        auto g = act(conv(torch::adaptive_avg_pool2d(y, {1, 1}), p + "se.se.0.conv.weight", get(p + "se.se.0.conv.bias"), 1, 1), seAct);
                        g = torch::hardsigmoid(conv(g, p + "se.se.1.weight", get(p + "se.se.1.bias"), 1, 1));
                        y = y * g;
                    }
                    y = bn(conv(y, p + "pwl.conv.weight", {}, 1, kw.value("pwl_groups", 1)), p + "pwl.bn.");
                    x = cin == c && s == 1 ? y + x : y;
                } else {
                    throw std::runtime_error("op " + op + " is not one this test knows");
                }
                cin = c;
            }
        }
    }
    x = torch::adaptive_avg_pool2d(x, {1, 1});
    return torch::conv2d(x, get("head.conv.weight"), get("head.conv.bias")).flatten(1);
}

/** A network of fbnet-cifar that has every FBNet block kind but the double depthwise: projecting skips, g2, e1, e3, e6, k3, k5. */
Architecture mixedCifarArchitecture(const SearchSpace &space)
{
    const std::vector<std::string> cycle = {"k3_e1_g2", "k5_e6", "k3_e1", "k5_e3", "skip", "k5_e1_g2", "k3_e6", "k3_e3", "k5_e1"};
    Architecture a;
    a.name = "mixed";
    a.space = space.name;
    const auto layers = space.layers();
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const bool shapeChanges = layers[i].stride != 1 || layers[i].cin != layers[i].cout;
        std::string pick = shapeChanges && space.hasBlock("skip") ? "skip" : cycle[i % cycle.size()];
        if (!space.hasBlock(pick))
            pick = layers[i].candidates.front();
        a.blocks.push_back(pick);
    }
    return a;
}

void expectSameLogits(const SearchSpace &space, const Architecture &arch, const fs::path &dir, int seed)
{
    const std::string ours = test::randomWeights(space, arch, dir, seed);
    const std::string theirs = (dir / (arch.name + "-mv.pt")).string();
    const MobileVisionWeightsSummary sum = exportMobileVisionWeights(space, arch, ours, theirs);
    const fbnet::detail::StateDict w = fbnet::detail::loadStateDict(theirs);
    EXPECT_EQ(sum.tensors, w.size());
    const json def = json::parse(toMobileVisionArchDef(space, arch));

    const NetworkPlan plan = resolve(space, arch);
    fbnet::detail::Network net(plan);
    fbnet::detail::loadIntoModule(*net, fbnet::detail::loadStateDict(ours), ours);
    net->eval();
    torch::manual_seed(seed);
    const torch::Tensor x = torch::randn({1, plan.inputChannels, plan.inputSize, plan.inputSize});
    torch::NoGradGuard ng;
    const torch::Tensor expected = net->forward(x);
    std::set<std::string> used;
    const torch::Tensor got = mvForward(def, w, x, used);
    ASSERT_EQ(got.sizes(), expected.sizes()) << arch.name;
    const double rel = (got - expected).abs().max().item<double>() / expected.abs().max().item<double>();
    EXPECT_LT(rel, 1e-5) << arch.name;
    for (const auto &item : w)  // strict loading: no key mobile-vision's model lacks
        EXPECT_TRUE(used.count(item.key())) << arch.name << ": " << item.key() << " is not a tensor of mobile-vision's model";
}

} // namespace

TEST(MobileVision, WeightsUnderItsNamesGiveOurLogitsWhenTheArchDefIsBuiltByItsRules)
{
    const auto dir = fs::temp_directory_path() / ("fbnet-mv-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const SearchSpace cifar = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const Architecture mixed = mixedCifarArchitecture(cifar);
    const NetworkPlan plan = resolve(cifar, mixed);
    int projecting = 0, grouped = 0;
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        projecting += plan.chosen[i].kind == BlockSpec::Kind::Skip && (plan.layers[i].stride != 1 || plan.layers[i].cin != plan.layers[i].cout);
        grouped += plan.chosen[i].groups == 2;
    }
    EXPECT_GE(projecting, 2);
    EXPECT_GE(grouped, 2);
    expectSameLogits(cifar, mixed, dir, 3);
    // Every published architecture (FBNet at 224 x 224, FBNetV2 with SE, h-swish and the ir_pool head)
    // but those with the double depthwise block, which have no fbnet_v2 block and are refused.
    int compared = 0, refused = 0;
    for (const auto &name : publishedArchitectureNames()) {
        const Architecture a = loadArchitecture(resolveArchitecturePath(name));
        const SearchSpace space = SearchSpace::load(resolveSpacePath(a.space));
        const NetworkPlan p = resolve(space, a);
        if (std::any_of(p.chosen.begin(), p.chosen.end(), [](const BlockSpec &b) { return b.doubleDw; })) {
            EXPECT_NE(test::errorOf([&] { mobileVisionModuleNames(space, a); }).find("double-depthwise"), std::string::npos) << name;
            ++refused;
            continue;
        }
        expectSameLogits(space, a, dir, 4);
        ++compared;
    }
    EXPECT_GE(compared, 10);
    std::fprintf(stderr, "%d published architectures give the same logits, %d refused (double depthwise)\n", compared, refused);
    fs::remove_all(dir);
}

TEST(MobileVision, WeightsAreRefusedForWhatMobileVisionBuildsOtherwiseAndForOtherArchitectures)
{
    const auto dir = fs::temp_directory_path() / ("fbnet-mv-refuse-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const SearchSpace cifar = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    Architecture mixed = mixedCifarArchitecture(cifar);
    const std::string weights = test::randomWeights(cifar, mixed, dir, 1);
    // the double depthwise block: no fbnet_v2 block
    Architecture k33 = mixed;
    k33.blocks[1] = "k33_e6";
    ASSERT_TRUE(cifar.hasBlock("k33_e6"));
    std::string e = test::errorOf([&] { exportMobileVisionWeights(cifar, k33, weights, (dir / "x.pt").string()); });
    EXPECT_NE(e.find("double-depthwise"), std::string::npos) << e;
    EXPECT_NE(e.find("--format onnx"), std::string::npos) << e;
    // weights of another architecture: the file and the key
    Architecture other = mixed;
    other.blocks[1] = other.blocks[1] == "k5_e6" ? "k3_e6" : "k5_e6";
    e = test::errorOf([&] { exportMobileVisionWeights(cifar, other, weights, (dir / "y.pt").string()); });
    EXPECT_NE(e.find(weights), std::string::npos) << e;
    EXPECT_NE(e.find("layer1."), std::string::npos) << e;
    EXPECT_FALSE(fs::exists(dir / "y.pt"));
    fs::remove_all(dir);
}

// Issue 36, item 10: weights.pt with 2 KB overwritten exported with exit 0 as "trained weights";
// libtorch does not check a zip record's CRC. Every record is checked on load now, wherever the
// damage lands in a tensor, and the file and the record are named.
TEST(StateDict, DamagedWeightsAreRefusedOnLoadWithTheRecordNamed)
{
    const auto dir = fs::temp_directory_path() / ("fbnet-damaged-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    fbnet::detail::StateDict dict;
    dict.insert("a.weight", torch::randn({64, 64}));
    dict.insert("b.weight", torch::randn({128}));
    const std::string good = (dir / "weights.pt").string();
    fbnet::detail::saveStateDict(dict, good);
    EXPECT_TRUE(fbnet::detail::loadStateDict(good).contains("a.weight"));
    std::string bytes = readTextFile(good);
    const std::size_t at = bytes.find("PK\x01\x02");  // the central directory: damage the data before it
    ASSERT_NE(at, std::string::npos);
    for (std::size_t i = 0; i < 4; ++i) {
        std::string damaged = bytes;
        const std::size_t where = (at / 2) + i * (at / 8);
        for (std::size_t k = 0; k < 2048 && where + k < at; ++k)
            damaged[where + k] = char(k * 7 + 1);
        const std::string path = (dir / ("damaged" + std::to_string(i) + ".pt")).string();
        writeTextFileAtomic(path, damaged);
        try {
            fbnet::detail::loadStateDict(path);
            ADD_FAILURE() << "damage at byte " << where << " was loaded";
        } catch (const Error &e) {
            EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        }
    }
    fs::remove_all(dir);
}
