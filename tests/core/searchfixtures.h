#pragma once
// A tiny space, a latency table for it and a data set only a spatial kernel can learn: the search tests' fixtures.

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <string>

#include "fbnet/architecture.h"
#include "fbnet/dataset.h"
#include "fbnet/latencytable.h"
#include "fbnet/searchconfig.h"
#include "fbnet/searchspace.h"
#include "fbnet/searchtypes.h"

namespace fbnet::test {

// A tiny space: stem 1x1 (no spatial receptive field), two searchable layers, 16x16 input.
inline SearchSpace tinySpace(const std::string &candidates, int classes = 2)
{
    const std::string text = R"({
      "name": "tiny", "input": {"size": 16, "channels": 3}, "num_classes": )" + std::to_string(classes) + R"(,
      "stem": {"channels": 8, "kernel": 1, "stride": 1},
      "stages": [{"channels": 8, "repeats": 1, "stride": 1}, {"channels": 8, "repeats": 1, "stride": 1}],
      "head": {"channels": 16},
      "candidates": )" + candidates + R"(,
      "blocks": {"k3_e1": {"type": "irf", "kernel": 3, "expansion": 1},
                 "k3_e3": {"type": "irf", "kernel": 3, "expansion": 3},
                 "k5_e3": {"type": "irf", "kernel": 5, "expansion": 3},
                 "skip": {"type": "skip"}}})";
    return SearchSpace::fromJsonText(text, "tiny-space");
}

inline LatencyTable tableFor(const SearchSpace &s, const std::map<std::string, double> &perBlock)
{
    LatencyTable t;
    t.device = "test";
    t.provenanceKind = "modeled";
    t.fixedMs = 2.0;
    for (const auto &l : s.layers())
        for (const auto &c : l.candidates)
            t.entries[opSignature(l, s.block(c))] = {perBlock.at(c)};
    return t;
}

/**
 * Horizontal vs vertical stripes with random phase: every pixel has the same distribution in both
 * classes, so a network without a spatial kernel after its 1x1 stem is at chance level.
 */
inline Dataset stripes(int n, std::uint64_t seed)
{
    Dataset d;
    d.name = "stripes";
    d.channels = 1;
    d.height = d.width = 16;
    d.numClasses = 2;
    std::mt19937_64 rng(seed);
    std::normal_distribution<float> noise(0, 10);
    for (int i = 0; i < n; ++i) {
        const int cls = i % 2, phase = int(rng() % 4);
        d.labels.push_back(cls);
        for (int y = 0; y < 16; ++y)
            for (int x = 0; x < 16; ++x) {
                const int coord = cls == 0 ? y : x;
                const float v = ((coord + phase) / 2) % 2 ? 200.f : 50.f;
                d.pixels.push_back(std::uint8_t(std::clamp(v + noise(rng), 0.f, 255.f)));
            }
    }
    d.mean = {0.49f};
    d.std = {0.3f};
    return d;
}

/** Two epochs (one warm-up) of three steps of batch 16 on one thread, one sample: a search in a second. */
inline SearchConfig tinySearch(const std::string &device = "cpu", const std::string &precision = "auto")
{
    SearchConfig c;
    c.epochs = 2;
    c.warmupEpochs = 1;
    c.batchSize = 16;
    c.maxStepsPerEpoch = 3;
    c.compute.threads = 1;
    c.compute.device = device;
    c.compute.precision = precision;
    c.samples = 1;
    return c;
}

/** Records the search's events in order ("w", "t", "epochN", "sample", "finished", "failed"). */
struct Recorder : SearchObserver
{
    std::vector<std::string> events;
    std::function<void()> onFirstStep;
    void onStep(const StepStats &s) override
    {
        if (events.empty() && onFirstStep)
            onFirstStep();
        events.push_back(s.phase == Phase::Weights ? "w" : "t");
    }
    void onEpoch(const EpochStats &e) override { events.push_back("epoch" + std::to_string(e.epoch)); }
    void onSample(const SampledArchitecture &) override { events.push_back("sample"); }
    void onFinished(const SearchResult &) override { events.push_back("finished"); }
    void onFailed(const std::string &) override { events.push_back("failed"); }
};

/** A six-epoch search of a tiny space that finishes in seconds. */
inline SearchConfig quickConfig()
{
    SearchConfig c;
    c.epochs = 6;
    c.warmupEpochs = 1;
    c.batchSize = 32;
    c.lrWeights = 0.05;
    c.lrTheta = 0.1;
    c.tau0 = 1.0;
    c.compute.threads = 1;  // ctest runs tests in parallel: avoid oversubscribing OpenMP
    c.samples = 3;
    c.seed = 3;
    return c;
}


} // namespace fbnet::test
