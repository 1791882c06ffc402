// Architectures: JSON round trips, refusals, skip projections, and the published ones' MACs and parameters.
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "testutil.h"

#include "fbnet/architecture.h"
#include "fbnet/error.h"
#include "fbnet/pareto.h"
#include "fbnet/resources.h"
#include "fbnet/searchspace.h"

using namespace fbnet;
using fbnet::test::errorOf;

namespace {

std::string tempFile(const std::string &name, const std::string &text)
{
    const auto p = std::filesystem::temp_directory_path() / ("fbnet-test-" + name);
    std::ofstream(p) << text;
    return p.string();
}

} // namespace

struct Published
{
    const char *name;
    double macsM;
    double paramsM;
    double tolM;
    bool weightsOnly = false;  ///< the paper's Table 4 counts weights without the folded BN biases
    double paramTolM = 0.005;
};

/** A gtest parameter name from an architecture name (fbnet-96-0.35-1 -> fbnet_96_0_35_1). */
std::string testName(std::string n)
{
    for (auto &ch : n)
        if (!std::isalnum(static_cast<unsigned char>(ch)))
            ch = '_';
    return n;
}

void PrintTo(const Published &p, std::ostream *os)
{
    *os << p.name;
}

// fbnet-reference.md section 5: MACs/params over the released graphs (MV0) and the paper's Table 4.
// FBNet-C's parameters are checked against the MV0 README's 5.5M: our count, 5.5448M, rounds to
// 5.54M where the reference computes 5.55M; the cause is not known.
class PublishedArchitectures : public ::testing::TestWithParam<Published>
{
};

// FBNetV2's released models against mobile-vision's own figures (fbnet_modeldef_cls_fbnetv2.py
// comments "nparams ... nflops ..." and the model zoo's model_info). mobile-vision counts
// conv/FC weights only (no BN, no biases) and adds the input elements of every average pool to
// its FLOPs; both conventions reproduce the figures to the unit.
struct PublishedV2
{
    const char *name;
    std::int64_t flops;    ///< mobile-vision's FLOP count
    std::int64_t weights;  ///< mobile-vision's parameter count
    int input;
};

void PrintTo(const PublishedV2 &p, std::ostream *os)
{
    *os << p.name;
}

class PublishedV2Architectures : public ::testing::TestWithParam<PublishedV2>
{
};

TEST_P(PublishedArchitectures, ReproduceReleasedMacsAndParams)
{
    const auto &p = GetParam();
    const Architecture a = loadArchitecture(resolveArchitecturePath(p.name));
    const ArchCost c = computeCost(test::namedSpace("fbnet-imagenet"), a);
    EXPECT_NEAR(c.macs / 1e6, p.macsM, p.tolM) << p.name;
    EXPECT_NEAR((p.weightsOnly ? c.weights : c.params) / 1e6, p.paramsM, p.paramTolM) << p.name;
}

INSTANTIATE_TEST_SUITE_P(Fbnet, PublishedArchitectures,
                         ::testing::Values(Published{"fbnet-a", 249.37, 4.30, 0.005}, Published{"fbnet-b", 295.56, 4.80, 0.005},
                                           Published{"fbnet-c", 382.98, 5.5, 0.005, false, 0.05}, Published{"fbnet-b1", 286.80, 4.15, 0.005},
                                           Published{"fbnet-c1", 374.23, 4.90, 0.005},
                                           Published{"fbnet-96-0.35-1", 12.94, 1.84, 0.005},
                                           Published{"fbnet-s8", 292.9, 4.43, 0.05, true},
                                           Published{"fbnet-iphonex", 321.8, 4.47, 0.05, true}),
                         [](const auto &info) { return testName(info.param.name); });

TEST(Architecture, JsonRoundTrip)
{
    Architecture a = loadArchitecture(resolveArchitecturePath("fbnet-96-0.35-1"));
    const auto text = architectureToJsonText(a);
    const Architecture b = architectureFromJsonText(text, "round-trip");
    EXPECT_EQ(a.blocks, b.blocks);
    EXPECT_EQ(a.inputSize, b.inputSize);
    EXPECT_EQ(a.stageWidths, b.stageWidths);
    EXPECT_EQ(a.headChannels, b.headChannels);
    EXPECT_EQ(Architecture::parseBlocks(a.blocksString()), a.blocks);
}

TEST(Architecture, BadArchitecturesAreRejected)
{
    const auto s = test::namedSpace("fbnet-cifar");
    Architecture a;
    a.space = "fbnet-cifar";
    a.blocks.assign(21, "k3_e1");
    EXPECT_NE(errorOf([&] { resolve(s, a); }).find("expected 22 blocks"), std::string::npos);
    a.blocks.assign(22, "k3_e1");
    a.blocks[4] = "k9_e9";
    EXPECT_NE(errorOf([&] { resolve(s, a); }).find("blocks/4: unknown block \"k9_e9\""), std::string::npos);
    a.blocks[4] = "k3_e1";
    a.space = "fbnet-imagenet";
    EXPECT_NE(errorOf([&] { resolve(s, a); }).find("belongs to space"), std::string::npos);
    const auto f = tempFile("arch.json", "{\"space\": \"fbnet-cifar\", \"blocks\": [1, 2]}");
    EXPECT_NE(errorOf([&] { loadArchitecture(f); }).find("/blocks/0: expected a string"), std::string::npos);
}

TEST(Architecture, SkipProjectsOnlyWhenShapesChange)
{
    const auto s = test::namedSpace("fbnet-cifar");
    Architecture a;
    a.space = s.name;
    a.blocks.assign(22, "skip");
    const auto plan = resolve(s, a);
    const auto c = computeCost(plan);
    // Projections at L2 (16->24), L6 (24->32, s2), L10, L14, L18, L22; the rest are identities.
    std::int64_t expected = 3 * 16 * 9 * 32 * 32;  // stem
    expected += 16 * 24 * 32 * 32 + 24 * 32 * 16 * 16 + 32 * 64 * 8 * 8 + 64 * 112 * 8 * 8 + 112 * 184 * 4 * 4
        + 184 * 352 * 4 * 4;
    expected += 352 * 1504 * 4 * 4 + 1504 * 100;
    EXPECT_EQ(c.macs, expected);
}

TEST_P(PublishedV2Architectures, ReproduceModelZooFlopsAndParamsExactly)
{
    const auto &p = GetParam();
    const Architecture a = loadArchitecture(resolveArchitecturePath(p.name));
    const SearchSpace s = test::namedSpace("fbnetv2-imagenet");
    const NetworkPlan plan = resolve(s, a);
    EXPECT_EQ(plan.inputSize, p.input);
    const ArchCost c = computeCost(plan);
    if (p.flops % 10000 == 0) {  // only rounded figures published (L1: 326.02M, 8.50M)
        EXPECT_NEAR(double(c.macs + c.poolReads), double(p.flops), 5000.0) << p.name;
        EXPECT_NEAR(double(c.weights), double(p.weights), 5000.0) << p.name;
    } else {
        EXPECT_EQ(c.macs + c.poolReads, p.flops) << p.name;
        EXPECT_EQ(c.weights, p.weights) << p.name;
    }
    // Released F1: the first block (8 -> 8, e1) has no first 1x1 conv; SE squeeze widths follow round8(mid / 4).
    EXPECT_FALSE(hasPointwise(plan.layers[0].cin, plan.chosen[0]));
}

INSTANTIATE_TEST_SUITE_P(FbnetV2, PublishedV2Architectures,
                         ::testing::Values(PublishedV2{"fbnetv2-f1", 56410560, 5999408, 128},
                                           PublishedV2{"fbnetv2-f2", 85441392, 5999408, 160},
                                           PublishedV2{"fbnetv2-f3", 121824000, 6899504, 192},
                                           PublishedV2{"fbnetv2-f4", 238351984, 6994824, 224},
                                           PublishedV2{"fbnetv2-l1", 326020000, 8500000, 224},
                                           PublishedV2{"fbnetv2-l2", 423912768, 8496520, 256}),
                         [](const auto &info) { return testName(info.param.name); });
