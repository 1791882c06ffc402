// The non-dominated front.
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

TEST(Pareto, FrontOfKnownPoints)
{
    // (latency, accuracy): b dominates a; d is slower and worse than c; e ties c on latency but is worse.
    const std::vector<ParetoPoint> p = {{"a", 10, 0.70}, {"b", 9, 0.72}, {"c", 12, 0.80}, {"d", 13, 0.79},
                                        {"e", 12, 0.75}, {"f", 20, 0.90}, {"g", 5, 0.60}};
    const auto front = paretoFront(p);
    std::vector<std::string> names;
    for (auto i : front)
        names.push_back(p[i].name);
    EXPECT_EQ(names, (std::vector<std::string>{"g", "b", "c", "f"}));
    EXPECT_TRUE(paretoFront({}).empty());
}
