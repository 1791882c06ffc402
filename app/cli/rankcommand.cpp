// fbnet groundtruth: stratified architectures trained with several seeds; fbnet rank: choosers'
// scores of a run's architectures, stored, and measured against a ground truth.

#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/chooser.h"
#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/family.h"
#include "fbnet/groundtruth.h"
#include "fbnet/resources.h"
#include "fbnet/searchconfig.h"
#include "progress.h"
#include "usage.h"

namespace fbnet::cli {

namespace {

struct GroundTruthOptions
{
    std::string runs;
    std::string seeds = "1,2,3";
    GroundTruthRequest request;
};

std::vector<std::uint64_t> parseSeeds(const std::string &list)
{
    std::vector<std::uint64_t> out;
    for (double v : parseTargets(list, "--seeds")) {
        if (v != std::floor(v) || v > 1e15)
            throw Error::at("--seeds", list, "expected whole numbers separated by commas, e.g. 1,2,3");
        out.push_back(std::uint64_t(v));
    }
    return out;
}

int runGroundTruth(GroundTruthOptions &o)
{
    GroundTruthRequest r = o.request;
    r.seeds = parseSeeds(o.seeds);
    RunStore store(storePath(o.runs));
    StopToken stop;
    SigintStop sigint(stop);
    EvaluationEvents events;
    events.onArchitecture = [](int index, int total, const StoredArchitecture &a, bool reused) {
        if (!reused)
            std::fprintf(stderr, "[%d/%d] %s: %.3f ms, %s params\n", index, total, a.architecture.name.c_str(), a.lutMs,
                         formatCount(double(a.params)).c_str());
    };
    events.onEvaluated = [](int, int, const StoredArchitecture &a, const Evaluation &e, bool reused) {
        if (!reused)
            std::printf("%-6s %8.3f ms  top-1 %6.2f%%  %s\n", a.architecture.name.c_str(), a.lutMs, e.top1 * 100,
                        a.architecture.blocksString().c_str());
    };
    attachTrainProgress(r.config);
    const GroundTruthOutcome out = buildGroundTruth(store, r, stop, events);
    std::printf("ground truth '%s': %d training(s) run, %d already stored%s; fbnet rank --run %s --report measures the choosers\n",
                out.run.name.c_str(), out.trained, out.reused, out.stopped ? " (stopped: run the same command to continue)" : "",
                out.run.name.c_str());
    return out.stopped ? 130 : 0;
}

struct RankOptions
{
    std::string runs;
    std::string run;
    std::string by;
    std::string search;      ///< the search whose theta / supernet scores (default: the run itself)
    std::string dataset;     ///< default: the run's
    std::size_t heldOut = 2000;
    bool report = false;
    bool evaluatedOnly = false;  ///< skip architectures without an evaluation
    int bands = 6;
    ChooserInputs inputs;
};

/** The data a run trained or searched on: its training images (its subset) and, for a search, those it never saw. */
struct RunData
{
    Dataset train;
    Dataset heldOut;
};

RunData runData(const RunInfo &run, const SearchInvocation &inv, const std::string &datasetOverride, std::size_t heldOutCount,
                const SearchSpace &space)
{
    const std::string spec = datasetOverride.empty() ? (inv.dataset.empty() ? std::string("fashion-mnist") : inv.dataset) : datasetOverride;
    const Dataset all = loadDataset(spec, Split::Train, inv.inputSize > 0 ? inv.inputSize : space.inputSize, inv.image);
    RunData d;
    d.train = subset(all, inv.subset, run.seed);
    d.heldOut = heldOutOf(all, inv.subset, run.seed, heldOutCount);
    if (d.heldOut.size() == 0) {
        std::fprintf(stderr, "fbnet rank: run '%s' used every training image; the supernet is scored on the test split\n", run.name.c_str());
        d.heldOut = subset(loadDataset(spec, Split::Test, inv.inputSize > 0 ? inv.inputSize : space.inputSize, inv.image), heldOutCount,
                           run.seed);
    }
    return d;
}

int printReport(const RunStore &store, const RunInfo &run, int bands)
{
    const GroundTruthReport r = groundTruthReport(store, run, bands);
    std::string seeds;
    for (auto s : r.seeds)
        seeds += (seeds.empty() ? "" : ",") + std::to_string(s);
    std::printf("ground truth '%s': %zu architectures, seeds %s; mean top-1 %.2f..%.2f%%, seed noise (mean sd) %.2f points\n",
                run.name.c_str(), r.architectures, seeds.c_str(), r.minMean, r.maxMean, r.seedNoise);
    std::printf("seeds agree at tau");
    double sum = 0;
    for (double t : r.seedTaus) {
        std::printf(" %+.3f", t);
        sum += t;
    }
    if (!r.seedTaus.empty())
        std::printf(" (mean %+.3f)", sum / double(r.seedTaus.size()));
    std::printf("; tau's sd with no relation: %.3f\n\n", tauNullSd(r.architectures));
    std::printf("%-22s %6s %10s %10s\n", "latency band (ms)", "archs", "spread", "seed sd");
    for (const auto &b : r.bands)
        std::printf("%7.2f .. %-10.2f %6d %9.2f %10.2f\n", b.fromMs, b.toMs, b.architectures, b.spread, b.noise);
    std::printf("\n%-12s %-18s %5s %8s %8s %8s %14s\n", "chooser", "source", "n", "tau", "null sd", "rho", "prec@3 in band");
    for (const auto &c : r.choosers)
        std::printf("%-12s %-18s %5zu %+8.3f %8.3f %+8.3f %14.3f\n", c.chooser.c_str(), c.source.empty() ? "-" : c.source.c_str(), c.n,
                    c.tau, c.tauSd, c.rho, c.precisionAt3);
    std::printf("(tau and rho against the mean top-1 over seeds; 'seed N' is one training against the other seeds' mean)\n");
    return 0;
}

int runRank(RankOptions &o)
{
    if (o.report) {
        const RunStore reading(storePath(o.runs), RunStore::Access::ReadOnly);
        return printReport(reading, reading.run(o.run), o.bands);
    }
    RunStore store(storePath(o.runs));
    const RunInfo run = store.run(o.run);
    if (o.by.empty())
        throw Error::at("--by", "", "name the choosers to score with (e.g. params,naswot,synflow), or ask for --report");
    std::vector<ChooserKind> kinds;
    std::stringstream list(o.by);
    for (std::string piece; std::getline(list, piece, ',');)
        kinds.push_back(chooserFromString(piece, "--by"));
    checkComputeAvailable(o.inputs.compute);
    const SpaceAndTable target = loadRunSpace(run, store.path());
    ChooserInputs in = o.inputs;
    in.space = target.space;
    const RunData data = runData(run, target.invocation, o.dataset, o.heldOut, in.space);
    in.data = data.train;
    bool needsSearch = false;
    for (auto k : kinds)
        needsSearch = needsSearch || chooserNeedsSearch(k);
    if (needsSearch) {
        const RunInfo search = store.run(o.search.empty() ? o.run : o.search);
        if (search.kind != "search")
            throw Error::at("--search", search.name, "is a " + search.kind + " run; theta and supernet need a search run");
        in.source = search.name;
        in.checkpoint = search.checkpointPath;
        const auto theta = nlohmann::json::parse(search.thetaJson, nullptr, false);
        if (theta.is_array())
            in.theta = theta.get<std::vector<std::vector<double>>>();
        const SpaceAndTable searched = loadRunSpace(search, store.path());
        in.space = searched.space;  // the supernet's own (its classes, input size): the architectures' blocks are the same
        const RunData sd = runData(search, searched.invocation, "", o.heldOut, searched.space);
        in.data = sd.train;  // BN recalibrates on the images the supernet trained on
        in.heldOut = sd.heldOut;
    }
    setComputeThreads(in.compute.threads);
    StopToken stop;
    SigintStop sigint(stop);
    const auto archs = store.architectures(run.id);
    std::printf("%-8s %9s", "arch", "ms");
    for (auto k : kinds)
        std::printf(" %12s", toString(k).c_str());
    std::printf("\n");
    std::size_t scored = 0;
    for (const auto &a : archs) {
        if (o.evaluatedOnly && store.evaluations(a.id).empty())
            continue;
        ++scored;
        std::printf("%-8s %9.3f", a.architecture.name.c_str(), a.lutMs);
        for (auto k : kinds) {
            if (stop.stopRequested())
                return 130;
            ArchitectureScore s;
            s.architectureId = a.id;
            s.chooser = toString(k);
            s.source = chooserNeedsSearch(k) ? in.source : std::string();
            s.value = chooserScore(k, a.architecture, in, stop);
            s.detail = chooserDetail(k, in);
            store.setScore(s);
            std::printf(" %12.5g", s.value);
        }
        std::printf("\n");
        std::fflush(stdout);
    }
    std::printf("%zu architecture(s) of run '%s' scored and stored; fbnet rank --run %s --report compares them with the evaluations\n",
                scored, run.name.c_str(), run.name.c_str());
    return 0;
}

struct SizePickOptions
{
    std::string runs, name, space = "fbnet-cifar", lut = "pixel3", targets, by = "params";
    int front = 0;
};

/** The largest architecture within +-5% of each target, by an exact programme over the table: no search, no training. */
int runSizePick(SizePickOptions &o)
{
    if (o.targets.empty() == (o.front == 0))
        throw Error::at("--targets", o.targets, "give either --targets LIST or --front K");
    RunStore store(storePath(o.runs));
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space));
    const LatencyTable lut = loadTableWithProgress(o.lut, space);
    const std::vector<double> targets = o.front > 0 ? frontTargets(space, lut, o.front) : parseTargets(o.targets, "--targets");
    checkTargets(space, lut, targets);
    const LayerScores sizes = layerSizes(space, o.by == "macs");
    RunInfo info;
    info.name = o.name;
    info.kind = "sizepick";
    info.status = "finished";
    info.space = space.name;
    info.lutDevice = lut.device;
    info.lutHash = contentHash(lut.toJsonText());
    SearchInvocation inv;
    inv.space = o.space;
    inv.lut = o.lut;
    info.invocationJson = invocationToJson(inv);
    SearchConfig c;
    c.targets = targets;
    c.pickBy = o.by;
    info.configJson = searchConfigToJson(c);
    info.versions = versionString();
    const std::int64_t id = store.createRun(info);
    for (double t : targets) {
        const auto best = bestWithin(space, lut, sizes, t, 1);
        if (best.empty()) {
            std::printf("%-10s no architecture within +-5%%\n", targetLabel(t, lut.unit()).c_str());
            continue;
        }
        StoredArchitecture a;
        a.runId = id;
        a.role = "pick";
        a.architecture = best.front().architecture;
        a.architecture.name = targetLabel(t, lut.unit()) + "-" + o.by;
        a.architecture.source = "the most " + o.by + " within +-5% of " + targetLabel(t, lut.unit()) + " on " + lut.device;
        const ArchCost cost = computeCost(space, a.architecture);
        a.macs = cost.macs;
        a.params = cost.params;
        a.lutMs = best.front().latencyMs;
        a.targetMs = t;
        store.addArchitecture(a);
        std::printf("%-10s %8.3f %s  %s params  %s MACs  %s\n", targetLabel(t, lut.unit()).c_str(), a.lutMs, lut.unit().c_str(),
                    formatCount(double(a.params)).c_str(), formatCount(double(a.macs)).c_str(), a.architecture.blocksString().c_str());
    }
    std::printf("run '%s': the largest architecture (by %s) within +-5%% of each target; fbnet pareto --run %s trains them\n",
                store.run(id).name.c_str(), o.by.c_str(), store.run(id).name.c_str());
    return 0;
}

} // namespace

void addRankCommands(CLI::App &app, Action &run)
{
    auto sp = std::make_shared<SizePickOptions>();
    auto *pick = app.add_subcommand("sizepick", "The largest architecture within +-5% of each latency target: a zero-compute pick, stored as a run");
    pick->add_option("--runs", sp->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    pick->add_option("--name", sp->name, "Name of the run (default: run-ID)");
    pick->add_option("--space", sp->space, "Search space (FBNet spaces)")->capture_default_str();
    pick->add_option("--lut", sp->lut, "Latency table")->capture_default_str();
    pick->add_option("--targets", sp->targets, "Latency targets, e.g. 6,9,12 (ms on the table)");
    pick->add_option("--front", sp->front, "K targets spread over the table's range, as fbnet search --front")->check(CLI::Range(2, 32));
    pick->add_option("--by", sp->by, "params | macs")->capture_default_str()->check(CLI::IsMember({"params", "macs"}));
    pick->callback([sp, &run] { run = [sp] { return runSizePick(*sp); }; });

    auto g = std::make_shared<GroundTruthOptions>();
    GroundTruthRequest &r = g->request;
    r.config.epochs = 3;
    auto *gt = app.add_subcommand("groundtruth",
                                  "Architectures spread over a table's latency range, each trained from scratch with several seeds: "
                                  "what choosers are measured against (continues where a stopped one ended)");
    gt->add_option("--runs", g->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    gt->add_option("--name", r.name, "Name of the ground-truth run")->capture_default_str();
    gt->add_option("--space", r.space, "Search space (FBNet spaces)")->capture_default_str();
    gt->add_option("--lut", r.lut, "Latency table whose range is cut into strata")->capture_default_str();
    gt->add_option("--count", r.count, "Architectures, one per latency stratum")->capture_default_str()->check(CLI::Range(3, 10000));
    gt->add_option("--draw-seed", r.drawSeed, "Which architectures, training and test images")->capture_default_str();
    gt->add_option("--seeds", g->seeds, "Trainings per architecture, one per seed")->capture_default_str();
    gt->add_option("--dataset", r.dataset, datasetSyntaxSummary(" | ", " | "))->capture_default_str();
    gt->add_option("--subset", r.subset, "Training images (0: all)")->capture_default_str();
    gt->add_option("--test-subset", r.testSubset, "Test images (0: all)")->capture_default_str();
    gt->add_option("--input-size", r.inputSize, "Images and network at NxN instead of the space's input")->check(CLI::Range(8, 1024));
    gt->add_option("--lr", r.config.lr, "SGD learning rate (cosine to 0)")->capture_default_str();
    addPerArchitectureTrainingOptions(gt, r.config);
    addImageOptions(gt, r.image);
    gt->callback([g, &run] { run = [g] { return runGroundTruth(*g); }; });

    auto o = std::make_shared<RankOptions>();
    auto *rank = app.add_subcommand("rank", "Score a run's architectures with choosers (stored per architecture), or compare the stored "
                                            "scores with the run's evaluations (--report)");
    rank->add_option("--runs", o->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    rank->add_option("--run", o->run, "The run whose architectures are scored")->required();
    rank->add_option("--by", o->by, "Choosers, comma-separated: theta, supernet, synflow, naswot, gradnorm, params, macs");
    rank->add_option("--search", o->search, "theta and supernet: the search run whose theta or supernet scores (default: --run)");
    rank->add_option("--dataset", o->dataset, "Images for the proxies (default: the run's data)");
    rank->add_option("--held-out", o->heldOut, "supernet: training images its search never saw, scored on")->capture_default_str();
    rank->add_option("--batch-size", o->inputs.batchSize, "Images per proxy batch and per recalibration batch")->capture_default_str()
        ->check(CLI::Range(2, 4096));
    rank->add_option("--recalibration-batches", o->inputs.recalibrationBatches, "supernet: batches that recalibrate BN per path")
        ->capture_default_str()->check(CLI::Range(1, 100000));
    rank->add_option("--seed", o->inputs.seed, "Initialisation and batch of the proxies")->capture_default_str();
    rank->add_flag("--evaluated-only", o->evaluatedOnly, "Score only the architectures with a stored evaluation (a ground truth being built)");
    rank->add_flag("--report", o->report, "Compare every stored chooser with the run's evaluations (tau, rho, precision@3 per band)");
    rank->add_option("--bands", o->bands, "--report: latency bands")->capture_default_str()->check(CLI::Range(1, 100));
    addComputeOptions(rank, o->inputs.compute);
    rank->callback([o, &run] { run = [o] { return runRank(*o); }; });
}

} // namespace fbnet::cli
