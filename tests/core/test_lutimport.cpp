// Importing foreign latency tables (HW-NAS-Bench, OFA, NNI).
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

// issue 3: importers. HW-NAS-Bench keys for the cifar100 layout (fbnet-reference.md 9.1).
TEST(LutImport, HwNasBenchKeysRoundTripThePixel3Table)
{
    const auto s = test::cifarSpace();
    const auto p3 = LatencyTable::load(resolveLutPath("pixel3", s.name));
    std::string json = "{";
    for (const auto &[sig, e] : p3.entries)
        json += "\"" + sig + "\": " + std::to_string(e.ms) + ",";
    // Split fixed_ms over the four keys HW-NAS-Bench uses for the fixed part.
    json += "\"ConvNorm_H32_W32_Cin3_Cout16_kernel3_stride1_group1\": " + std::to_string(p3.fixedMs * 0.25) + ",";
    json += "\"ConvNorm_H4_W4_Cin352_Cout1504_kernel1_stride1_group1\": " + std::to_string(p3.fixedMs * 0.5) + ",";
    json += "\"AvgP_H4_W4_Cin1504_Cout1504_kernel4_stride1\": " + std::to_string(p3.fixedMs * 0.125) + ",";
    json += "\"FC_Cin1504_Cout100\": " + std::to_string(p3.fixedMs * 0.125) + ", \"Unrelated_key\": 1.0}";
    const auto path = (std::filesystem::temp_directory_path() / "fbnet-hwnb.json").string();
    writeTextFileAtomic(path, json);
    const auto rep = importLatencyTable(path, LutFormat::HwNasBench, s, 1.0, "p3-imported");
    EXPECT_TRUE(rep.missing.empty());
    EXPECT_EQ(rep.recordsRead, p3.entries.size() + 5);
    auto rows = readMeasurementsCsv(test::latencyCsv(), s.name, "pixel3_ms");
    for (std::size_t i = 0; i < 50; ++i)
        EXPECT_NEAR(rep.table.predict(s, rows[i].architecture), p3.predict(s, rows[i].architecture), 1e-4);
    // The same file in microseconds scales by 1e-3.
    const auto us = importLatencyTable(path, LutFormat::HwNasBench, s, 1e-3, "p3-us");
    EXPECT_NEAR(us.table.fixedMs, p3.fixedMs * 1e-3, 1e-6);
    writeTextFileAtomic(path, "{\"FC_Cin1504_Cout100\": 0.1}");
    try {
        importLatencyTable(path, LutFormat::HwNasBench, s, 1.0, "x");
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("ConvNorm_H32_W32_Cin3_Cout16_kernel3_stride1_group1: missing"), std::string::npos)
            << e.what();
    }
}

TEST(LutImport, NniRecordsAndOfaYamlMapOntoTheSpace)
{
    const auto s = test::cifarSpace();
    const auto dir = std::filesystem::temp_directory_path();
    const auto nni = (dir / "fbnet-lut.txt").string();
    writeTextFileAtomic(nni, "{'op_name': 'k3_e6', 'op_data_shape': (32, 32, 16, 24, 1), 'op_dtype': 'float', 'op_latency': 1234.5}\n"
                             "{'op_name': 'k3_e6', 'op_data_shape': (32, 32, 16, 24, 1), 'op_dtype': 'int8', 'op_latency': 99}\n"
                             "{'op_name': 'k7_e9', 'op_data_shape': (8, 8, 64, 64, 1), 'op_dtype': 'float', 'op_latency': 5}\n");
    auto rep = importLatencyTable(nni, LutFormat::Nni, s, 1e-3, "nni-dev");
    EXPECT_EQ(rep.recordsRead, 3u);
    EXPECT_EQ(rep.recordsUsed, 1u);
    EXPECT_NEAR(*rep.table.lookup("ConvBlock_H32_W32_Cin16_Cout24_exp6_kernel3_stride1_group1"), 1.2345, 1e-9);
    EXPECT_FALSE(rep.missing.empty());
    writeTextFileAtomic(nni, "{'op_name': 'k3_e6'}\n");
    EXPECT_THROW(importLatencyTable(nni, LutFormat::Nni, s, 1.0, "x"), Error);

    const auto ofa = (dir / "fbnet-ofa.yaml").string();
    writeTextFileAtomic(ofa, "Conv-input:32x32x3-output:32x32x16:\n  count: 50\n  mean: 0.5\n  std: 0.01\n"
                             "expanded_conv-input:32x32x16-output:32x32x24-expand:3-kernel:5-stride:1-idskip:0:\n"
                             "  count: 50\n  mean: 0.75\n  std: 0.02\n");
    rep = importLatencyTable(ofa, LutFormat::Ofa, s, 1.0, "ofa-dev");
    EXPECT_EQ(rep.recordsRead, 2u);
    EXPECT_EQ(rep.recordsUsed, 1u);
    EXPECT_NEAR(*rep.table.lookup("ConvBlock_H32_W32_Cin16_Cout24_exp3_kernel5_stride1_group1"), 0.75, 1e-9);
}
