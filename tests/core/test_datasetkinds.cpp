// The data-set kinds: one table that the CLI, the studio and the loaders read.
#include <torch/torch.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>

#include "compute/distributed.h"
#include "fbnet/compute.h"
#include "fbnet/datasetkinds.h"
#include "fbnet/error.h"
#include "fbnet/randombaseline.h"
#include "fbnet/search.h"
#include "searchfixtures.h"
#include "search/searchloop.h"
#include "testutil.h"

using namespace fbnet;

TEST(DatasetKinds, EveryDataSetKindComesFromOneTable)
{
    const auto &kinds = datasetKinds();
    ASSERT_GE(kinds.size(), 3u);
    for (const auto &k : kinds) {
        EXPECT_FALSE(k.name.empty());
        EXPECT_EQ(k.syntax.rfind(k.name, 0), 0u) << k.syntax;
        EXPECT_FALSE(k.title.empty());
        EXPECT_FALSE(k.description.empty());
        EXPECT_TRUE(bool(k.load)) << k.name;
        EXPECT_EQ(findDatasetKind(k.name), &k);
        EXPECT_NE(datasetSyntaxSummary().find(k.syntax), std::string::npos) << k.syntax;
    }
    const Dataset d = loadDataset("synthetic:120", Split::Train, 16);
    EXPECT_EQ(d.size(), 120u);
    EXPECT_EQ(loadDataset("synthetic:120", Split::Test, 16).size(), 100u);
    const auto [kind, arg] = parseDatasetSpec("synthetic");
    EXPECT_EQ(kind->name, "synthetic");
    EXPECT_EQ(arg, "2000");
    for (const char *bad : {"imagenet:/x", "cifar10", "synthetic:0", "synthetic:12x"}) {
        try {
            loadDataset(bad, Split::Train, 16);
            FAIL() << bad;
        } catch (const Error &e) {
            EXPECT_EQ(e.source(), "data set") << bad;
            EXPECT_EQ(std::string(e.what()).find("--"), std::string::npos) << "core names no CLI flag: " << e.what();
        }
    }
}
