#include "fbnet/randombaseline.h"

#include <chrono>
#include <random>

#include <nlohmann/json.hpp>

#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"

namespace fbnet {

double runComputeSeconds(const RunStore &store, const RunInfo &run)
{
    double seconds = run.seconds;
    for (const auto &a : store.architectures(run.id))
        for (const auto &e : store.evaluations(a.id))
            seconds += e.seconds;
    return seconds;
}

namespace {

RunInfo recordRandomRun(const RandomBaselineRequest &r, const SearchInvocation &inv, const TrainingSetup &setup,
                        const LatencyTable &lut, double budget)
{
    RunInfo info;
    info.name = r.name;
    info.kind = "random";
    info.space = setup.space.name;
    info.dataset = setup.train.name;
    info.lutDevice = lut.device;
    info.lutHash = contentHash(lut.toJsonText());
    info.seed = r.config.seed;
    SearchInvocation recorded = inv;
    recorded.numClasses = setup.train.numClasses;
    info.invocationJson = invocationToJson(recorded);
    info.configJson = nlohmann::json{{"budget_seconds", budget}, {"budget_of", r.budgetOf}, {"max_archs", r.maxArchitectures},
                                     {"train_epochs", r.config.epochs}, {"batch_size", r.config.batchSize}, {"lr", r.config.lr},
                                     {"test_subset", r.testSubset}, {"seed", r.config.seed}}
                          .dump(2);
    info.versions = versionString();
    return info;
}

StoredArchitecture drawArchitecture(const TrainingSetup &setup, const LatencyTable &lut, std::int64_t runId, int n,
                                    std::uint64_t seed, std::mt19937_64 &rng)
{
    StoredArchitecture s;
    s.runId = runId;
    s.role = "random";
    Architecture &a = s.architecture;
    a.space = setup.space.name;
    a.name = "random" + std::to_string(n);
    a.source = "fbnet random (uniform over the space, seed " + std::to_string(seed) + ")";
    for (const auto &l : setup.space.layers())
        a.blocks.push_back(l.candidates[std::uniform_int_distribution<std::size_t>(0, l.candidates.size() - 1)(rng)]);
    const ArchCost cost = computeCost(setup.space, a);
    s.macs = cost.macs;
    s.params = cost.params;
    s.lutMs = lut.predict(setup.space, a);
    return s;
}

} // namespace

RandomBaselineOutcome runRandomBaseline(RunStore &store, const RandomBaselineRequest &r, const StopToken &stop,
                                        const RandomBaselineEvents &events)
{
    SearchInvocation inv = r.invocation;
    double budget = r.budgetSeconds;
    if (!r.budgetOf.empty()) {
        const RunInfo ref = store.run(r.budgetOf);
        inv = invocationFromJson(ref.invocationJson, store.path() + ": run " + ref.name + ": invocation");
        budget = runComputeSeconds(store, ref);
    }
    if (!(budget > 0) && r.maxArchitectures <= 0)
        throw Error::at("random baseline", "budget", "expected a budget in seconds, a search run whose compute is the budget, or a maximum count");
    setComputeThreads(r.config.compute.threads);
    inv.subset = r.trainSubset;
    const TrainingSetup setup = loadTrainingSetup(inv.space, inv.dataset, inv.subset, r.testSubset, r.config.seed, inv.image, inv.inputSize);
    const LatencyTable lut = loadTableFor(inv.lut, setup.space, events.lutProgress);

    RandomBaselineOutcome out;
    out.budgetSeconds = budget;
    const std::int64_t id = store.createRun(recordRandomRun(r, inv, setup, lut, budget));
    out.run = store.run(id);
    if (events.onStarted)
        events.onStarted(out.run, setup, budget);
    std::mt19937_64 rng(r.config.seed + 0x5eed);
    const auto t0 = std::chrono::steady_clock::now();
    int n = 0;
    while (!stop.stopRequested() && (r.maxArchitectures <= 0 || n < r.maxArchitectures)
           && (n == 0 || !(budget > 0) || out.spentSeconds < budget)) {
        StoredArchitecture s = drawArchitecture(setup, lut, id, n + 1, r.config.seed, rng);
        s.id = store.addArchitecture(s);
        ++n;
        if (events.onArchitecture)
            events.onArchitecture(n, s, out.spentSeconds);
        const Evaluation e = evaluateStoredArchitecture(store, s, setup, r.config, lut, stop, false, {}, [&](const TrainEpoch &ep) {
            if (events.onEpoch)
                events.onEpoch(n, s, ep);
        });
        out.spentSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        store.setSeconds(id, out.spentSeconds);
        if (e.id && events.onEvaluated)
            events.onEvaluated(n, s, e);
    }
    out.architectures = n;
    out.stopped = stop.stopRequested();
    store.setStatus(id, out.stopped ? "stopped" : "finished");
    out.run = store.run(id);
    return out;
}

} // namespace fbnet
