// The choosers' ground truth: stratified architectures trained with several seeds, and the report
// of every stored chooser against it.
#include "fbnet/groundtruth.h"

#include <algorithm>
#include <set>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>

#include <nlohmann/json.hpp>

#include "fbnet/chooser.h"
#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/family.h"
#include "fbnet/resources.h"
#include "fbnet/storedsearch.h"

namespace fbnet {

namespace {

/** What identifies a ground truth's architectures: the space, the table, the count and the draw. */
nlohmann::json identity(const GroundTruthRequest &r)
{
    return {{"space", r.space}, {"lut", r.lut}, {"count", r.count}, {"draw_seed", r.drawSeed}};
}

RunInfo createGroundTruthRun(RunStore &store, const GroundTruthRequest &r, const SearchSpace &space, const LatencyTable &lut, int numClasses)
{
    const auto archs = stratifiedArchitectures(space, lut, r.count, r.drawSeed);
    RunInfo info;
    info.name = r.name;
    info.kind = "groundtruth";
    info.status = "finished";
    info.space = space.name;
    info.dataset = r.dataset;
    info.lutDevice = lut.device;
    info.lutHash = contentHash(lut.toJsonText());
    info.seed = r.drawSeed;
    info.configJson = identity(r).dump();
    SearchInvocation inv;
    inv.space = r.space;
    inv.lut = r.lut;
    inv.dataset = r.dataset;
    inv.subset = r.subset;
    inv.image = r.image;
    inv.inputSize = r.inputSize;
    inv.numClasses = numClasses;  // the data's: the run's space is rebuilt with it (fbnet rank, export)
    info.invocationJson = invocationToJson(inv);
    info.versions = versionString();
    const std::int64_t id = store.createRun(info);
    for (const auto &a : archs) {
        StoredArchitecture sa;
        sa.runId = id;
        sa.role = "stratified";
        sa.architecture = a;
        const ArchCost cost = computeCost(space, a);
        sa.macs = cost.macs;
        sa.params = cost.params;
        sa.lutMs = lut.predict(space, a);
        store.addArchitecture(sa);
    }
    return store.run(id);
}

} // namespace

GroundTruthOutcome buildGroundTruth(RunStore &store, const GroundTruthRequest &r, const StopToken &stop, const EvaluationEvents &events)
{
    if (r.seeds.empty() || r.seeds.size() > 100)
        throw Error::at("seeds", "", "expected 1..100 seeds");
    checkComputeAvailable(r.config.compute);
    const SearchSpace probe = SearchSpace::load(resolveSpacePath(r.space));
    const LatencyTable lut = loadTableFor(r.lut, probe);
    // Training and test images are drawn once (drawSeed): the seeds vary initialisation, order and augmentation only.
    const TrainingSetup setup = loadTrainingSetup(r.space, r.dataset, r.subset, r.testSubset, r.drawSeed, r.image, r.inputSize);
    GroundTruthOutcome out;
    bool exists = false;
    for (const auto &run : store.runs())
        exists = exists || run.name == r.name;
    if (exists) {
        out.run = store.run(r.name);
        if (out.run.kind != "groundtruth")
            throw Error::at(store.path(), "run " + r.name, "is a " + out.run.kind + " run, not a ground truth; choose another --name");
        const auto had = nlohmann::json::parse(out.run.configJson, nullptr, false);
        if (had != identity(r))
            throw Error::at(store.path(), "run " + r.name,
                            "holds another ground truth (" + out.run.configJson + "); this one is " + identity(r).dump() + ": choose another --name");
    } else {
        out.run = createGroundTruthRun(store, r, probe, lut, setup.space.numClasses);
    }
    const auto archs = store.architectures(out.run.id);
    for (std::uint64_t seed : r.seeds) {
        TrainConfig c = r.config;
        c.seed = seed;
        const EvaluationOutcome e = evaluateArchitectures(store, archs, setup, c, lut, false, stop, events);
        out.trained += e.trained;
        out.reused += e.reused;
        if (e.stopped) {
            out.stopped = true;
            break;
        }
    }
    return out;
}

namespace {

/** A protocol without its seed: the evaluations of one ground truth differ only there. */
std::string withoutSeed(const std::string &protocol)
{
    auto j = nlohmann::json::parse(protocol, nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return protocol;
    j.erase("seed");
    return j.dump();
}

double mean(const std::vector<double> &v)
{
    return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
}

double sd(const std::vector<double> &v)
{
    if (v.size() < 2)
        return 0;
    const double m = mean(v);
    double s = 0;
    for (double x : v)
        s += (x - m) * (x - m);
    return std::sqrt(s / double(v.size() - 1));
}

/** The latencies cut into `count` equal bands: per band its architectures, the spread of their means and their mean seed sd. */
std::vector<GroundTruthReport::Band> latencyBands(const std::vector<double> &latency, const std::vector<double> &means,
                                                  const std::vector<double> &noise, int count)
{
    std::vector<GroundTruthReport::Band> out;
    const auto [lo, hi] = std::minmax_element(latency.begin(), latency.end());
    const double width = (*hi - *lo) / std::max(1, count);
    for (int b = 0; b < count; ++b) {
        GroundTruthReport::Band band;
        band.fromMs = *lo + width * b;
        band.toMs = *lo + width * (b + 1);
        std::vector<double> m, n;
        for (std::size_t i = 0; i < latency.size(); ++i)
            if (std::min(count - 1, width > 0 ? int((latency[i] - *lo) / width) : 0) == b) {
                m.push_back(means[i]);
                n.push_back(noise[i]);
            }
        band.architectures = int(m.size());
        if (!m.empty())
            band.spread = *std::max_element(m.begin(), m.end()) - *std::min_element(m.begin(), m.end());
        band.noise = mean(n);
        out.push_back(band);
    }
    return out;
}

} // namespace

GroundTruthReport groundTruthReport(const RunStore &store, const RunInfo &run, int bandCount)
{
    const auto archs = store.architectures(run.id);
    // Evaluations per protocol (apart from the seed) -> architecture -> seed -> top-1 (%).
    std::map<std::string, std::map<std::int64_t, std::map<std::uint64_t, double>>> byProtocol;
    for (const auto &e : store.evaluationsOfRun(run.id)) {
        const auto j = nlohmann::json::parse(e.protocol, nullptr, false);
        const std::uint64_t seed = j.is_object() && j.contains("seed") ? j["seed"].get<std::uint64_t>() : 0;
        byProtocol[withoutSeed(e.protocol)][e.architectureId][seed] = 100 * e.top1;
    }
    const std::map<std::int64_t, std::map<std::uint64_t, double>> *truth = nullptr;
    for (const auto &[p, m] : byProtocol)
        if (!truth || m.size() > truth->size())
            truth = &m;
    if (!truth || truth->size() < 3)
        throw Error::at(store.path(), "run " + run.name, "has fewer than 3 evaluated architectures: nothing to rank against");
    // Every seed any architecture has, and the architectures trained under all of them (a ground
    // truth still being built reports its complete part); with fewer than 3 of those, the seeds
    // every evaluated architecture has.
    std::set<std::uint64_t> all;
    for (const auto &[id, m] : *truth)
        for (const auto &[s, v] : m)
            all.insert(s);
    std::vector<std::uint64_t> seeds(all.begin(), all.end());
    auto complete = [&](const std::map<std::uint64_t, double> &m) {
        return std::all_of(seeds.begin(), seeds.end(), [&](std::uint64_t s) { return m.count(s) > 0; });
    };
    std::size_t completeCount = 0;
    for (const auto &[id, m] : *truth)
        completeCount += complete(m);
    if (completeCount < 3)
        for (const auto &entry : *truth) {
            const auto &m = entry.second;  // a named reference: Clang cannot capture a structured binding
            seeds.erase(std::remove_if(seeds.begin(), seeds.end(), [&](std::uint64_t s) { return !m.count(s); }), seeds.end());
        }
    std::vector<const StoredArchitecture *> rows;
    for (const auto &a : archs)
        if (const auto it = truth->find(a.id); it != truth->end() && complete(it->second))
            rows.push_back(&a);
    GroundTruthReport r;
    r.architectures = rows.size();
    r.seeds = seeds;
    std::vector<double> means, noise, latency;
    std::map<std::uint64_t, std::vector<double>> perSeed;
    for (const auto *a : rows) {
        std::vector<double> v;
        for (std::uint64_t s : seeds) {
            v.push_back(truth->at(a->id).at(s));
            perSeed[s].push_back(v.back());
        }
        if (v.empty())
            for (const auto &[s, t] : truth->at(a->id))
                v.push_back(t);
        means.push_back(mean(v));
        noise.push_back(sd(v));
        latency.push_back(a->lutMs);
    }
    r.seedNoise = mean(noise);
    r.minMean = *std::min_element(means.begin(), means.end());
    r.maxMean = *std::max_element(means.begin(), means.end());
    for (std::size_t i = 0; i < seeds.size(); ++i)
        for (std::size_t j = i + 1; j < seeds.size(); ++j)
            r.seedTaus.push_back(kendallTauB(perSeed[seeds[i]], perSeed[seeds[j]]));
    r.bands = latencyBands(latency, means, noise, bandCount);
    // Each stored chooser (chooser, source) over the architectures it scored.
    std::map<std::pair<std::string, std::string>, std::map<std::int64_t, double>> scores;
    for (const auto &s : store.scoresOfRun(run.id))
        scores[{s.chooser, s.source}][s.architectureId] = s.value;
    auto measure = [&](const std::string &chooser, const std::string &source, const std::vector<double> &against,
                       const std::function<bool(std::size_t, double &)> &value) {
        ChooserMeasure m;
        m.chooser = chooser;
        m.source = source;
        std::vector<double> sc, tr, lat;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            double v = 0;
            if (value(i, v)) {
                sc.push_back(v);
                tr.push_back(against[i]);
                lat.push_back(latency[i]);
            }
        }
        m.n = sc.size();
        if (m.n < 3)
            return;
        m.tau = kendallTauB(sc, tr);
        m.tauSd = tauNullSd(m.n);
        m.rho = spearmanRho(sc, tr);
        m.precisionAt3 = bandPrecisionAtK(lat, tr, sc, bandCount, 3);
        r.choosers.push_back(m);
    };
    for (const auto &entry : scores) {
        const auto &byArch = entry.second;  // a named reference: Clang cannot capture a structured binding
        measure(entry.first.first, entry.first.second, means, [&](std::size_t i, double &v) {
            const auto it = byArch.find(rows[i]->id);
            if (it == byArch.end())
                return false;
            v = it->second;
            return true;
        });
    }
    // One seed's training as a chooser, against the other seeds' mean: what one training from scratch ranks.
    if (seeds.size() > 1)
        for (std::uint64_t s : seeds) {
            std::vector<double> others;
            for (const auto *a : rows) {
                std::vector<double> v;
                for (std::uint64_t o : seeds)
                    if (o != s)
                        v.push_back(truth->at(a->id).at(o));
                others.push_back(mean(v));
            }
            measure("seed " + std::to_string(s), "", others, [&](std::size_t i, double &v) {
                v = truth->at(rows[i]->id).at(s);
                return true;
            });
        }
    std::stable_sort(r.choosers.begin(), r.choosers.end(), [](const ChooserMeasure &a, const ChooserMeasure &b) { return a.tau > b.tau; });
    return r;
}

} // namespace fbnet
