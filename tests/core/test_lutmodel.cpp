// Tables modeled from published latencies (the FBNet paper's S8 and iPhone X).
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

// issue 3: the modeled S8 / iPhone X tables reproduce the FBNet paper's cross-device table
// (Table 4: FBNet-S8 22.12 / 27.53 ms, FBNet-iPhoneX 23.33 / 19.84 ms on S8 / iPhone X) within 5%.
TEST(LutModel, CrossDeviceMatrixMatchesThePaper)
{
    const auto s = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    const auto s8 = LatencyTable::load(resolveLutPath("s8", s.name));
    const auto ipx = LatencyTable::load(resolveLutPath("iphonex", s.name));
    EXPECT_EQ(s8.provenanceKind, "modeled");
    EXPECT_EQ(ipx.provenanceKind, "modeled");
    const auto archS8 = loadArchitecture(resolveArchitecturePath("fbnet-s8"));
    const auto archIpx = loadArchitecture(resolveArchitecturePath("fbnet-iphonex"));
    EXPECT_NEAR(s8.predict(s, archS8) / 22.12, 1.0, 0.05);
    EXPECT_NEAR(s8.predict(s, archIpx) / 23.33, 1.0, 0.05);
    EXPECT_NEAR(ipx.predict(s, archS8) / 27.53, 1.0, 0.05);
    EXPECT_NEAR(ipx.predict(s, archIpx) / 19.84, 1.0, 0.05);
    // Each device's own architecture is the faster one on it (the paper's 1.4x on iPhone X).
    EXPECT_LT(s8.predict(s, archS8), s8.predict(s, archIpx));
    EXPECT_GT(ipx.predict(s, archS8) / ipx.predict(s, archIpx), 1.3);
    // Every published architecture of the space has all its ops.
    for (const auto &name : publishedArchitectureNames()) {
        const auto a = loadArchitecture(resolveArchitecturePath(name));
        if (a.space != s.name)
            continue;  // FBNetV2's models live in fbnetv2-imagenet
        EXPECT_NO_THROW(s8.predict(s, a)) << name;
        EXPECT_NO_THROW(ipx.predict(s, a)) << name;
    }
}

TEST(LutModel, DevicesFavourDifferentKernels)
{
    const auto s = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    const auto s8 = LatencyTable::load(resolveLutPath("s8", s.name));
    const auto ipx = LatencyTable::load(resolveLutPath("iphonex", s.name));
    const auto l = s.layers()[10];  // 64 -> 64 at 14x14
    auto ratio = [&](const LatencyTable &t) {
        return *t.lookup(opSignature(l, s.block("k5_e6"))) / *t.lookup(opSignature(l, s.block("k3_e6")));
    };
    EXPECT_GT(ratio(ipx), 1.2 * ratio(s8));
}
