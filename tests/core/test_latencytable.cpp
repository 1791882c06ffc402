#include <algorithm>
#include <filesystem>
#include <random>

#include <gtest/gtest.h>

#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/lutfit.h"
#include "fbnet/lutimport.h"
#include "fbnet/resources.h"
#include "testutil.h"

using namespace fbnet;

TEST(LatencyTable, SignaturesUseHwNasBenchKeys)
{
    const auto s = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    const auto layers = s.layers();
    EXPECT_EQ(opSignature(layers[0], s.block("k3_e1")), "ConvBlock_H112_W112_Cin16_Cout16_exp1_kernel3_stride1_group1");
    EXPECT_EQ(opSignature(layers[1], s.block("skip")), "Skip_H112_W112_Cin16_Cout24_stride2");
    EXPECT_EQ(opSignature(layers[2], s.block("k5_e1_g2")), "ConvBlock_H56_W56_Cin24_Cout24_exp1_kernel5_stride1_group2");
}

TEST(LatencyTable, MissingOpsAreListed)
{
    LatencyTable t;
    t.device = "partial";
    t.provenanceKind = "modeled";
    const auto s = test::cifarSpace();
    for (const auto &sig : t.missing(s))
        t.entries[sig] = {1.0};
    EXPECT_TRUE(t.missing(s).empty());
    const std::string dropped = t.entries.begin()->first;
    t.entries.erase(t.entries.begin());
    ASSERT_EQ(t.missing(s), std::vector<std::string>{dropped});
    try {
        t.layerTable(s);
        FAIL() << "expected an error";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find(dropped), std::string::npos) << e.what();
    }
}

TEST(LatencyTable, JsonRoundTripAndValidation)
{
    LatencyTable t;
    t.device = "dev";
    t.description = "a device";
    t.spaces = {"fbnet-cifar"};
    t.provenanceKind = "measured";
    t.provenance["method"] = "test";
    t.fixedMs = 1.5;
    t.entries["Skip_H4_W4_Cin1_Cout1_stride1"] = {0.25, 0.2, 0.3, 10};
    const auto u = LatencyTable::fromJsonText(t.toJsonText(), "rt");
    EXPECT_EQ(u.device, "dev");
    EXPECT_EQ(u.provenance.at("method"), "test");
    EXPECT_DOUBLE_EQ(u.entries.at("Skip_H4_W4_Cin1_Cout1_stride1").p90, 0.3);
    auto text = t.toJsonText();
    text.replace(text.find("\"ms\""), 4, "\"us\"");
    try {
        LatencyTable::fromJsonText(text, "bad-unit.json");
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("bad-unit.json: /entries/Skip_H4_W4_Cin1_Cout1_stride1/ms: missing"),
                  std::string::npos)
            << e.what();
    }
}

