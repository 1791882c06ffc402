// Fitting a latency table to measured totals, with and without prior tables.
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

namespace {

struct PriorCase
{
    const char *column;
    std::vector<std::string> priors;
};

/** Held-out Spearman of a 20-measurement fit with priors, and of the best prior alone. */
std::pair<double, double> priorFitRanking(const PriorCase &c)
{
    const auto s = test::cifarSpace();
    auto rows = readMeasurementsCsv(test::latencyCsv(), s.name, c.column);
    std::mt19937_64 rng(7);
    std::shuffle(rows.begin(), rows.end(), rng);
    const std::vector<Measurement> train(rows.begin(), rows.begin() + 20), test(rows.begin() + 20, rows.end());
    std::vector<LatencyTable> priors;
    for (const auto &p : c.priors)
        priors.push_back(LatencyTable::load(resolveLutPath(p, s.name)));
    FitOptions o;
    o.device = c.column;
    const LatencyTable fitted = fitWithPriors(s, train, priors, o);
    EXPECT_EQ(fitted.provenanceKind, "calibrated");
    std::vector<double> meas, pred;
    for (const auto &m : test) {
        meas.push_back(m.latencyMs);
        pred.push_back(fitted.predict(s, m.architecture));
    }
    double bestPrior = -1;
    for (const auto &p : priors) {
        std::vector<double> pp;
        for (const auto &m : test)
            pp.push_back(p.predict(s, m.architecture));
        bestPrior = std::max(bestPrior, spearmanRho(pp, meas));
    }
    return {spearmanRho(pred, meas), bestPrior};
}

} // namespace

TEST(LatencyFit, Pixel3TableFittedOn3000PredictsTheOther1000Within0_01Percent)
{
    const auto s = test::cifarSpace();
    auto rows = readMeasurementsCsv(test::latencyCsv(), s.name, "pixel3_ms");
    ASSERT_EQ(rows.size(), 4000u);
    std::vector<Measurement> train(rows.begin(), rows.begin() + 3000), test(rows.begin() + 3000, rows.end());
    FitOptions o;
    o.device = "pixel3";
    const LatencyTable t = fitLatencyTable(s, train, o);
    EXPECT_TRUE(t.missing(s).empty());
    std::vector<double> pred, meas;
    for (const auto &m : test) {
        pred.push_back(t.predict(s, m.architecture));
        meas.push_back(m.latencyMs);
    }
    const auto q = predictionQuality(pred, meas);
    EXPECT_LT(q.mape, 0.01);
    EXPECT_LT(q.maxError, 0.05);
    EXPECT_GT(q.spearman, 0.9999);
}

TEST(LatencyFit, ShippedPixel3TableReproducesTheData)
{
    const auto s = test::cifarSpace();
    const auto t = LatencyTable::load(resolveLutPath("pixel3", s.name));
    EXPECT_EQ(t.provenanceKind, "derived");
    auto rows = readMeasurementsCsv(test::latencyCsv(), s.name, "pixel3_ms");
    double worst = 0;
    for (std::size_t i = 0; i < rows.size(); i += 7)
        worst = std::max(worst, std::abs(t.predict(s, rows[i].architecture) / rows[i].latencyMs - 1));
    EXPECT_LT(worst, 1e-3);
}

TEST(LatencyFit, BadCsvNamesFileLineAndField)
{
    const auto p = (std::filesystem::temp_directory_path() / "fbnet-bad.csv").string();
    writeTextFileAtomic(p, "arch,latency_ms\n" + std::string(22 * 6, 'x') + ",abc\n");
    try {
        readMeasurementsCsv(p, "fbnet-cifar");
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string(e.what()).find(p + ": line 2: latency_ms: expected a positive decimal latency"), std::string::npos)
            << e.what();
    }
    writeTextFileAtomic(p, "arch,ms\n");
    EXPECT_THROW(readMeasurementsCsv(p, "fbnet-cifar"), Error);
}

TEST(LatencyFit, SpearmanOfKnownRankings)
{
    EXPECT_DOUBLE_EQ(spearmanRho({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
    EXPECT_DOUBLE_EQ(spearmanRho({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
}

// issue 3: 20 measurements of a Xeon with the other devices' tables as priors.
TEST(LatencyFitWithPriors, SilverFitRanksBetterThanEveryPriorAlone)
{
    const auto [fit, prior] = priorFitRanking({"silver_4114_ms", {"pixel3", "samsung-a50", "titan-rtx", "gtx-1080ti", "xeon-gold-6226"}});
    EXPECT_GT(fit, prior + 0.02) << "fit " << fit << " vs best prior " << prior;
}

TEST(LatencyFitWithPriors, GoldFitRanksBetterThanEveryPriorAlone)
{
    const auto [fit, prior] = priorFitRanking({"gold_6226_ms", {"pixel3", "samsung-a50", "titan-rtx", "gtx-1080ti", "xeon-silver-4114"}});
    EXPECT_GT(fit, prior + 0.005) << "fit " << fit << " vs best prior " << prior;
}

TEST(LatencyFitWithPriors, NeedsEnoughRowsAndCoveringPriors)
{
    const auto s = test::cifarSpace();
    auto rows = readMeasurementsCsv(test::latencyCsv(), s.name, "gold_6226_ms");
    rows.resize(2);
    EXPECT_THROW(fitWithPriors(s, rows, {LatencyTable::load(resolveLutPath("pixel3", s.name))}, {}), Error);
    LatencyTable partial = LatencyTable::load(resolveLutPath("pixel3", s.name));
    partial.entries.erase(partial.entries.begin());
    rows = readMeasurementsCsv(test::latencyCsv(), s.name, "gold_6226_ms");
    rows.resize(20);
    EXPECT_THROW(fitWithPriors(s, rows, {partial}, {}), Error);
}

// issue 3: on the noisy Samsung A50 totals (integer ms) the default fit (relative error) beats the
// plain additive least-squares fit on 1,000 held-out architectures.
TEST(LatencyFit, A50FitBeatsPlainLeastSquaresOnHeldOutRows)
{
    const auto s = test::cifarSpace();
    auto rows = readMeasurementsCsv(test::latencyCsv(), s.name, "samsung_a50_ms");
    std::vector<Measurement> train(rows.begin(), rows.begin() + 3000), test(rows.begin() + 3000, rows.end());
    FitOptions rel, abs;
    abs.relative = false;
    const auto ours = fitLatencyTable(s, train, rel), plain = fitLatencyTable(s, train, abs);
    std::vector<double> meas, p1, p2;
    for (const auto &m : test) {
        meas.push_back(m.latencyMs);
        p1.push_back(ours.predict(s, m.architecture));
        p2.push_back(plain.predict(s, m.architecture));
    }
    const auto q1 = predictionQuality(p1, meas), q2 = predictionQuality(p2, meas);
    EXPECT_LT(q1.mape, 0.9 * q2.mape) << q1.mape << " vs " << q2.mape;
    EXPECT_GE(q1.spearman, q2.spearman);
}

TEST(LatencyFit, APriorWithStemAndHeadEntriesKeepsTheFittedOffset)
{
    // The S8 table keeps its fixed part as stem and head entries (as tables from lut build do):
    // measurements 1.5 x S8 + 3 ms must come back as exactly that, offset included.
    const SearchSpace s = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    const LatencyTable s8 = LatencyTable::load(resolveLutPath("s8", s.name));
    std::mt19937_64 rng(5);
    std::vector<Measurement> rows, test;
    for (int i = 0; i < 40; ++i) {
        Measurement m;
        m.architecture.space = s.name;
        for (const auto &l : s.layers())
            m.architecture.blocks.push_back(l.candidates[std::uniform_int_distribution<std::size_t>(0, l.candidates.size() - 1)(rng)]);
        m.latencyMs = 1.5 * s8.predict(s, m.architecture) + 3.0;
        (i < 30 ? rows : test).push_back(m);
    }
    FitOptions o;
    o.device = "phone";
    const LatencyTable t = fitWithPriors(s, rows, {s8}, o);
    for (const auto &m : test)
        EXPECT_NEAR(t.predict(s, m.architecture), m.latencyMs, 0.01 * m.latencyMs) << m.architecture.blocksString();
}
