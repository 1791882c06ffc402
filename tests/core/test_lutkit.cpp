// Measurement kits: stratified choice, manifest round trip, fitting a kit's timings and installing.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fbnet/error.h"
#include "fbnet/lutkit.h"
#include "fbnet/resources.h"

using namespace fbnet;
namespace fs = std::filesystem;

TEST(LutKit, SpreadsOverThePriorsRangeWithHeldOutNetworksInside)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const LatencyTable prior = LatencyTable::load(resolveLutPath("pixel3", space.name));
    KitOptions o;
    o.count = 20;
    const auto kit = chooseKit(space, &prior, o);
    ASSERT_EQ(kit.size(), 20u);
    // Uniform sampling crowds the middle; the kit covers the range evenly: each fifth of the range
    // between the fastest and slowest kit network holds about a fifth of the kit.
    const double lo = kit.front().priorMs, hi = kit.back().priorMs;
    std::vector<int> bins(5, 0);
    for (const auto &e : kit)
        ++bins[std::min(4, int((e.priorMs - lo) / (hi - lo) * 5))];
    for (int b : bins)
        EXPECT_GE(b, 3) << "a fifth of the range has only " << b << " networks";
    EXPECT_EQ(std::count_if(kit.begin(), kit.end(), [](const KitEntry &e) { return e.split == "holdout"; }), 5);
    EXPECT_EQ(kit.front().split, "fit");
    EXPECT_EQ(kit.back().split, "fit");
    EXPECT_THROW(chooseKit(space, &prior, KitOptions{2, 1, 4, 50}), Error);
}

TEST(LutKit, TimingsFittedOnAPriorPredictTheHeldOutNetworksAndInstallByName)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    const LatencyTable pixel3 = LatencyTable::load(resolveLutPath("pixel3", space.name));
    KitOptions o;
    o.count = 16;
    const auto kit = chooseKit(space, nullptr, o);  // stratified by MACs
    // A "phone" 1.7x slower than the Pixel 3 plus 2 ms of fixed cost: the fit on the prior must find it.
    const fs::path dir = fs::temp_directory_path() / ("fbnet-lutkit-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream csv(dir / "timings.csv");
    csv << "id,arch,split,latency_ms\n";
    for (const auto &e : kit)
        csv << e.id << "," << e.architecture.blocksString() << "," << e.split << "," << 1.7 * pixel3.predict(space, e.architecture) + 2.0 << "\n";
    csv.close();
    const KitFit fit = fitKitTimings(space, (dir / "timings.csv").string(), {pixel3}, "phone");
    EXPECT_EQ(fit.fitRows, 12u);
    EXPECT_EQ(fit.heldOut.count, 4u);
    EXPECT_LT(fit.heldOut.mape, 0.5);
    EXPECT_NE(fit.table.provenance.at("validation").find("held-out 4 kit networks"), std::string::npos);
    // Installed under userDataDir/luts, the table is found by its device name and listed.
    fit.table.save(userLutDir() + "/phone-" + space.name + ".json");
    const LatencyTable back = LatencyTable::load(resolveLutPath("phone", space.name));
    EXPECT_EQ(back.device, "phone");
    const auto names = lutNames();
    EXPECT_NE(std::find(names.begin(), names.end(), "phone-fbnet-cifar"), names.end());
    fs::remove(userLutDir() + "/phone-" + space.name + ".json");
    // A row with a split that is neither fit nor holdout names the line.
    std::ofstream(dir / "bad.csv") << "id,arch,split,latency_ms\nkit-001," << kit[0].architecture.blocksString() << ",train,3.0\n";
    try {
        fitKitTimings(space, (dir / "bad.csv").string(), {pixel3}, "phone");
        ADD_FAILURE() << "no error";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("bad.csv: line 2: split"), std::string::npos) << e.what();
    }
    fs::remove_all(dir);
}

// Issue 36, 11: two kit models swapped were timed under each other's ids (11.63 vs 4.28 ms) and a
// fit learned a wrong table. The manifest records each model's content hash; measuring checks it.
TEST(LutKit, SwappedOrReplacedModelsAreRefusedBeforeTiming)
{
    const SearchSpace space = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    KitOptions o;
    o.count = 4;
    const auto kit = chooseKit(space, nullptr, o);
    const fs::path dir = fs::temp_directory_path() / ("fbnet-lutkit-swap-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    writeKit(space, kit, dir.string(), "", {});
    const auto read = readKitManifest(dir.string(), space.name);
    ASSERT_EQ(read.size(), 4u);
    EXPECT_EQ(read[0].contentHash.size(), 16u);
    EXPECT_EQ(measureKit(space, dir.string(), "opencv", 1, 0, 1, {}).size(), 4u);
    const fs::path a = dir / read[0].file, b = dir / read[3].file, t = dir / "t.onnx";
    fs::rename(a, t);
    fs::rename(b, a);
    fs::rename(t, b);
    try {
        measureKit(space, dir.string(), "opencv", 1, 0, 1, {});
        ADD_FAILURE() << "swapped models were timed";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find(read[0].file), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("swapped"), std::string::npos) << e.what();
    }
    // A manifest whose hash is not one is named with its line.
    std::string manifest = readTextFile((dir / "manifest.csv").string());
    manifest.replace(manifest.find(read[1].contentHash), 16, "0x12345678901234");
    std::ofstream(dir / "manifest.csv") << manifest;
    try {
        readKitManifest(dir.string(), space.name);
        ADD_FAILURE() << "a bad hash was read";
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find("line 3: content_hash"), std::string::npos) << e.what();
    }
    fs::remove_all(dir);
}
