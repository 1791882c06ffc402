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

TEST(SearchSpace, ImagenetMacroMatchesPaperTable1)
{
    const auto s = test::namedSpace("fbnet-imagenet");
    const auto layers = s.layers();
    ASSERT_EQ(layers.size(), 22u);
    EXPECT_EQ(s.numClasses, 1000);
    EXPECT_EQ(layers[0].inputSize, 112);
    EXPECT_EQ(layers[0].cin, 16);
    EXPECT_EQ(layers[1].stride, 2);
    EXPECT_EQ(layers[1].cout, 24);
    EXPECT_EQ(layers[21].cin, 184);
    EXPECT_EQ(layers[21].cout, 352);
    EXPECT_EQ(layers[21].inputSize, 7);
    for (const auto &l : layers)
        EXPECT_EQ(l.candidates.size(), 9u);
    EXPECT_NEAR(s.log10Size(), 22 * std::log10(9.0), 1e-9);  // 9^22 ~ 9.8e20
}

TEST(SearchSpace, CifarInputSizesFollowHwNasBench)
{
    const auto layers = test::namedSpace("fbnet-cifar").layers();
    // 32 for L1-L6, 16 for L7-L10, 8 for L11-L18, 4 for L19-L22 (fbnet-reference.md 2.2)
    for (int i = 0; i < 22; ++i) {
        const int expected = i < 6 ? 32 : i < 10 ? 16 : i < 18 ? 8 : 4;
        EXPECT_EQ(layers[i].inputSize, expected) << "layer " << i + 1;
    }
}

TEST(SearchSpace, ParametersScaleWidthsAndClasses)
{
    SpaceParams p;
    p.widthMultiplier = 0.5;
    p.numClasses = 10;
    const auto s = SearchSpace::load(resolveSpacePath("fbnet-cifar"), p);
    EXPECT_EQ(s.numClasses, 10);
    EXPECT_EQ(s.stemChannels, 8);
    EXPECT_EQ(s.stages[1].channels, 16);  // 12 -> 16 (never below 95%)
    EXPECT_EQ(roundWidth(0.35 * 32), 16);
    EXPECT_EQ(roundWidth(0.35 * 16), 8);
}

TEST(SearchSpace, MalformedFilesNameTheField)
{
    std::string text = readTextFile(resolveSpacePath("fbnet-cifar"));
    auto bad = text;
    bad.replace(bad.find("\"stride\": 1"), 11, "\"stride\": 3");
    auto msg = errorOf([&] { SearchSpace::fromJsonText(bad, "bad.json"); });
    EXPECT_NE(msg.find("bad.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("/stem/stride"), std::string::npos) << msg;

    bad = text;
    bad.replace(bad.find("\"k5_e6\",\n"), 9, "\"k7_e6\",\n");
    msg = errorOf([&] { SearchSpace::fromJsonText(bad, "bad.json"); });
    EXPECT_NE(msg.find("/candidates/7"), std::string::npos) << msg;

    msg = errorOf([&] { SearchSpace::fromJsonText("{\"name\": 3}", "x.json"); });
    EXPECT_NE(msg.find("x.json: /name: expected a string"), std::string::npos) << msg;
    msg = errorOf([&] { SearchSpace::fromJsonText("{not json", "y.json"); });
    EXPECT_NE(msg.find("y.json: not valid JSON"), std::string::npos) << msg;
    msg = errorOf([&] { SearchSpace::load("/nonexistent/space.json"); });
    EXPECT_NE(msg.find("/nonexistent/space.json: cannot open"), std::string::npos) << msg;
}

TEST(SearchSpace, FbnetV2SpaceSizeCountsWidthsExpansionsAndResolutions)
{
    const SearchSpace s = test::namedSpace("fbnetv2-imagenet");
    // per layer: (8 IRF blocks x expansions + skip) x widths; x 5 resolutions
    double expected = std::log10(5.0);
    for (const auto &l : s.layers()) {
        const auto &st = s.stages[std::size_t(l.stage)];
        expected += std::log10((8.0 * double(st.expansionOptions.size()) + 1.0) * double(st.widthOptions.size()));
    }
    EXPECT_NEAR(s.log10Size(), expected, 1e-9);
    EXPECT_NEAR(test::namedSpace("fbnet-imagenet").log10Size(), 22 * std::log10(9.0), 1e-9);
}
