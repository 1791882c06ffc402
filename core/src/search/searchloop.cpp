// runSearch: the FBNet search loop. The state and its checkpoint live in searchcheckpoint.cpp,
// one phase's steps in searchphase.cpp, the batches in batcher.cpp.
#include "fbnet/search.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <numeric>

#include <nlohmann/json.hpp>

#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/family.h"
#include "compute/device.h"
#include "compute/distributed.h"
#include "search/dmasking.h"
#include "search/searchloop.h"
#include "search/searchphase.h"

namespace fbnet {

SearchObserver::~SearchObserver() = default;

namespace detail {
namespace {


std::shared_ptr<SearchableNet> makeSupernet(const SearchSpace &space, const LatencyTable &lut, const SearchConfig &config,
                                            torch::Device device)
{
    std::shared_ptr<SearchableNet> net;
    if (isDMaskingSpace(space))
        net = std::make_shared<DMaskingSupernetImpl>(space, lut.metric, std::max<int>(1, int(config.targets.size())));
    else
        net = std::make_shared<SupernetImpl>(space, lut.layerTable(space), lut.fixedPart(space), std::max<int>(1, int(config.targets.size())));
    net->to(device);
    if (config.compute.channelsLast) {
        torch::NoGradGuard ng;
        for (auto &p : net->parameters())
            if (p.dim() == 4)
                p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
    return net;
}

/** The current member's pick for `target`: the most probable architecture within +-5% on the table. */
BudgetPick pickWithin(const SearchSpace &space, const LatencyTable &lut, const SearchableNet &net, double target)
{
    return isDMaskingSpace(space) ? mostProbableShapesWithin(space, lut, net.thetaValues(), target)
                                  : mostProbableWithin(space, lut, net.probabilities(), target);
}

/** The argmax first, then `config.samples` draws from softmax(theta), each described and reported. */
void sampleArchitectures(const SearchSpace &space, const LatencyTable &lut, const SearchConfig &config, SearchState &s,
                         SearchObserver &observer, SearchResult &result)
{
    auto describe = [&](Architecture a, bool isArgmax, double logProbability, double target) {
        SampledArchitecture d;
        d.isArgmax = isArgmax;
        d.logProbability = logProbability;
        d.targetMs = target;
        const auto cost = computeCost(space, a);
        d.macs = cost.macs;
        d.params = cost.params;
        d.latencyMs = lut.predict(space, a);
        d.architecture = std::move(a);
        result.samples.push_back(d);
        observer.onSample(result.samples.back());
    };
    if (config.targets.empty()) {
        Architecture best = s.net->argmax();
        best.name = "argmax";
        best.source = "fbnet search (argmax of softmax(theta))";
        describe(best, true, s.net->argmaxLogProbability(), 0);
        for (int i = 0; i < config.samples; ++i) {
            double lp = 0;
            Architecture a = s.net->sample(s.rng, lp);
            a.name = "sample" + std::to_string(i + 1);
            a.source = "fbnet search (sampled from softmax(theta))";
            describe(a, false, lp, 0);
        }
        return;
    }
    // A family: per target, its pick (the most probable architecture within +-5%), then its samples.
    for (std::size_t m = 0; m < config.targets.size(); ++m) {
        const double target = config.targets[m];
        const std::string label = targetLabel(target, lut.unit());
        s.net->setMember(int(m));
        BudgetPick pick = pickWithin(space, lut, *s.net, target);
        char tol[32];
        std::snprintf(tol, sizeof tol, "%g", target);
        if (pick.found) {
            pick.architecture.source = "fbnet family search (most probable under theta of target " + std::string(tol) + " " + lut.unit()
                + " within +-5%)";
        } else {
            pick.architecture = s.net->argmax();
            pick.logProbability = s.net->argmaxLogProbability();
            pick.architecture.source = "fbnet family search (argmax of theta of target " + std::string(tol) + " " + lut.unit()
                + "; no architecture lies within +-5%)";
        }
        pick.architecture.name = label;
        describe(pick.architecture, true, pick.logProbability, target);
        for (int i = 0; i < config.samples; ++i) {
            double lp = 0;
            Architecture a = s.net->sample(s.rng, lp);
            a.name = label + "-sample" + std::to_string(i + 1);
            a.source = "fbnet family search (sampled from theta of target " + std::string(tol) + " " + lut.unit() + ")";
            describe(a, false, lp, target);
        }
    }
    s.net->setMember(0);
}

/** Throws fbnet::Error when a distribution is no longer finite (theta diverged). */
void checkFinite(const std::vector<std::vector<double>> &probabilities, int epoch, std::size_t epochsKept)
{
    for (const auto &layer : probabilities)
        for (double p : layer)
            if (!std::isfinite(p))
                throw Error::at("search", "theta",
                                "became NaN or infinite in epoch " + std::to_string(epoch)
                                    + " (learning rate of theta too large?); the run keeps its checkpoint of epoch "
                                    + std::to_string(epochsKept));
}

/** An epoch's summary once both phases ran: theta's distribution (finite, or fbnet::Error) and its argmax. */
void summarizeEpoch(const SearchSpace &space, const LatencyTable &lut, const SearchConfig &config, SearchState &s, EpochStats &es)
{
    for (std::size_t m = 0; m < config.targets.size(); ++m) {  // a family: every target's distribution
        s.net->setMember(int(m));
        FamilyMemberStats f;
        f.targetMs = config.targets[m];
        f.probabilities = s.net->probabilities();
        checkFinite(f.probabilities, es.epoch, s.epochs.size());
        f.theta = s.net->thetaValues();
        f.expectedLatencyMs = s.net->expectedLatencyMs();
        f.argmax = s.net->argmax();
        f.argmax.name = "epoch" + std::to_string(es.epoch) + "-" + targetLabel(f.targetMs, lut.unit()) + "-argmax";
        f.argmaxLatencyMs = lut.predict(space, f.argmax);
        const BudgetPick pick = pickWithin(space, lut, *s.net, f.targetMs);
        if (pick.found) {
            f.pick = pick.architecture;
            f.pick.name = "epoch" + std::to_string(es.epoch) + "-" + targetLabel(f.targetMs, lut.unit());
            f.pickLatencyMs = pick.latencyMs;
        }
        es.family.push_back(std::move(f));
    }
    s.net->setMember(0);
    es.probabilities = s.net->probabilities();
    checkFinite(es.probabilities, es.epoch, s.epochs.size());
    es.expectedLatencyMs = s.net->expectedLatencyMs();
    es.argmax = s.net->argmax();
    es.argmax.name = "epoch" + std::to_string(es.epoch) + "-argmax";
    es.argmaxLatencyMs = lut.predict(space, es.argmax);
}

SearchResult searchLoop(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                        SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint, GradientSync &sync,
                        bool inputsChecked)
{
    const SearchSplits splits = inputsChecked ? searchSplits(data.size(), config) : SearchSplits{};
    const auto [nTrain, nTheta] = inputsChecked ? std::pair(splits.weights, splits.theta) : checkSearchInputs(space, lut, data, config);
    const torch::Device device = torchDevice(config.compute);
    SearchProgress progress;
    setComputeThreads(config.compute.threads);
    torch::manual_seed(config.seed);
    torch::autograd::GradMode::set_enabled(true);
    SearchState s(makeSupernet(space, lut, config, device), config, device);
    s.key = checkpointKey(space, data, config, sync.worldSize());
    std::vector<std::size_t> all(data.size());
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), s.rng);
    s.weightOrder.assign(all.begin(), all.begin() + std::ptrdiff_t(nTrain));
    s.thetaOrder.assign(all.begin() + std::ptrdiff_t(nTrain), all.end());
    Batcher batcher(data, space.inputChannels, space.inputSize, config.compute, device);
    PhasePosition resumeAt;
    const bool haveCheckpoint = !checkpoint.path.empty() && std::ifstream(checkpoint.path).good();
    if (checkpoint.resume && haveCheckpoint)
        resumeAt = restoreCheckpoint(s, checkpoint.path);
    if (sync.rank() > 0)  // Gumbel noise differs per rank (after the identical initialisation or restore)
        torch::manual_seed(config.seed ^ (0x9e3779b97f4a7c15ull * std::uint64_t(sync.rank()))
                           ^ (std::uint64_t(s.epochs.size()) << 32) ^ std::uint64_t(resumeAt.step));
    const bool writer = sync.rank() == 0;  // rank 0 alone writes the checkpoints

    SearchResult result;
    auto stepsOf = [&](std::size_t n) {
        // global batches of batch x world samples; the ragged last one is dropped (BN)
        std::size_t steps = n / (std::size_t(config.batchSize) * std::size_t(sync.worldSize()));
        if (config.maxStepsPerEpoch > 0)
            steps = std::min<std::size_t>(steps, std::size_t(config.maxStepsPerEpoch));
        return int(steps);
    };
    const int wSteps = stepsOf(nTrain), tSteps = stepsOf(nTheta);
    progress.totalSteps = double(config.epochs) * wSteps + double(config.epochs - config.warmupEpochs) * tSteps;
    for (int e = 0; e < int(s.epochs.size()); ++e)
        progress.doneSteps += wSteps + (e >= config.warmupEpochs ? tSteps : 0);
    if (resumeAt.active)
        progress.doneSteps += (resumeAt.phase == Phase::Theta ? wSteps : 0) + resumeAt.step;
    progress.resumedSteps = progress.doneSteps;
    auto timedSave = [&](const PhasePosition *position) {
        const auto tc = Clock::now();
        saveCheckpoint(s, checkpoint.path, position);
        result.checkpointSeconds += secondsSince(tc);
    };

    // The initial state, before the first step: a kill after the first epoch is recorded but before
    // its checkpoint is written then resumes from the start instead of finding no checkpoint at all.
    if (writer && !checkpoint.path.empty() && (!checkpoint.resume || !haveCheckpoint))
        timedSave(nullptr);
    PhaseContext ctx{s, batcher, config, observer, stop, sync, progress};
    for (int epoch = int(s.epochs.size()); epoch < config.epochs && !result.stopped; ++epoch) {
        const auto te = Clock::now();
        const int annealed = config.tauDecayAfterWarmup ? std::max(0, epoch - config.warmupEpochs) : epoch;
        EpochStats es;
        es.epoch = epoch;
        es.temperature = config.tau0 * std::pow(config.tauDecay, annealed);
        const double lr = 0.5 * config.lrWeights * (1 + std::cos(M_PI * epoch / config.epochs));
        for (auto &g : s.sgd.param_groups())
            static_cast<torch::optim::SGDOptions &>(g.options()).lr(lr);
        // A stop checkpoint inside this epoch continues its phase where it stopped.
        PhaseResult ph;
        if (resumeAt.active && resumeAt.epoch == epoch && resumeAt.phase == Phase::Theta) {
            es.weightsLoss = resumeAt.weightsLoss;
            es.weightsAccuracy = resumeAt.weightsAccuracy;
        } else {
            ph = runPhase(ctx, Phase::Weights, epoch, es.temperature, wSteps, resumeAt);
            es.weightsLoss = ph.loss;
            es.weightsAccuracy = ph.accuracy;
        }
        if (!ph.stopped && epoch >= config.warmupEpochs) {
            ph = runPhase(ctx, Phase::Theta, epoch, es.temperature, tSteps, resumeAt);
            es.thetaLoss = ph.loss;
            es.thetaAccuracy = ph.accuracy;
            es.thetaTrained = true;
        }
        if (ph.stopped) {
            // On stop: the state inside the epoch, so a resume loses nothing of it.
            result.stopped = true;
            ph.stopAt.weightsLoss = es.weightsLoss;
            ph.stopAt.weightsAccuracy = es.weightsAccuracy;
            if (writer && !checkpoint.path.empty())
                timedSave(&ph.stopAt);
            if (!ph.dataError.empty())
                // Counted from 1 like the progress lines: epoch E of N, after S of its weight (or theta) steps.
                throw Error(ph.dataError + ". The search stopped in epoch " + std::to_string(epoch + 1) + " of " + std::to_string(config.epochs)
                            + ", after " + std::to_string(ph.stopAt.step) + " of its " + (ph.stopAt.phase == Phase::Weights ? "weight" : "theta")
                            + " steps" + (checkpoint.path.empty() ? std::string() : "; its checkpoint resumes there"));
            break;
        }
        summarizeEpoch(space, lut, config, s, es);
        es.seconds = secondsSince(te);
        s.epochs.push_back(es);
        observer.onEpoch(es);
        if (writer && !checkpoint.path.empty())
            timedSave(nullptr);
    }
    result.epochs = s.epochs;
    result.epochsCompleted = int(s.epochs.size());
    result.theta = s.net->thetaValues();
    sampleArchitectures(space, lut, config, s, observer, result);
    result.seconds = secondsSince(progress.start);
    result.dataWaitSeconds = batcher.waitSeconds();
    result.syncSeconds = progress.syncSeconds;
    result.stepsRun = int(progress.doneSteps - progress.resumedSteps);
    result.syncBytes = sync.reducedBytes();
    result.badImages = batcher.badFiles();
    result.badImages.insert(result.badImages.end(), data.badFiles.begin(), data.badFiles.end());  // unreadable when listed
    observer.onFinished(result);
    return result;
}

} // namespace

SearchResult runSearchWith(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                           SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint, GradientSync &sync,
                           bool inputsChecked)
{
    try {
        return searchLoop(space, lut, data, config, observer, stop, checkpoint, sync, inputsChecked);
    } catch (const Error &e) {
        observer.onFailed(e.what());
        throw;
    } catch (const c10::Error &e) {
        // libtorch's message without its C++ stack: values that parse but that torch refuses
        const std::string message = std::string("search failed: ") + e.what_without_backtrace();
        observer.onFailed(message);
        throw Error(message);
    } catch (const std::exception &e) {
        observer.onFailed(e.what());
        throw Error(std::string("search failed: ") + e.what());
    }
}

std::string searchSignature(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config)
{
    auto j = nlohmann::json::parse(searchConfigToJson(config));
    for (const char *local : {"threads", "loader_threads"})  // may differ per rank
        j.erase(local);
    std::vector<int> widths;
    for (const auto &l : space.layers())
        widths.push_back(l.cout);
    double lutSum = lut.fixedPart(space);
    for (const auto &row : lut.layerTable(space))
        for (double v : row)
            lutSum += v;
    j["space"] = space.name;
    j["space_widths"] = widths;
    j["space_classes"] = space.numClasses;
    j["space_input"] = space.inputSize;
    j["lut"] = lut.device;
    j["lut_total_ms"] = lutSum;
    j["data"] = data.name;
    j["data_images"] = data.size();
    j["data_classes"] = data.numClasses;
    return j.dump();
}

std::unique_ptr<GradientSync> joinSearchGroup(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                                              const DistributedLaunch &launch)
{
    SearchConfig mine = config;
    mine.compute.device = rankDevice(config.compute.device, launch);
    return joinProcessGroup(launch, torchDevice(mine.compute), searchSignature(space, lut, data, config));
}

SearchResult runLaunchedSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                               SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint,
                               const DistributedLaunch &launch, bool inputsChecked, GradientSync *joined)
{
    if (!launch.active()) {
        NoGradientSync single;
        return runSearchWith(space, lut, data, config, observer, stop, checkpoint, single, inputsChecked);
    }
    SearchConfig mine = config;  // one GPU per process: "cuda" is this rank's LOCAL_RANK
    mine.compute.device = rankDevice(config.compute.device, launch);
    std::unique_ptr<GradientSync> group;
    if (!joined) {
        try {
            group = joinSearchGroup(space, lut, data, config, launch);
        } catch (const std::exception &e) {
            observer.onFailed(e.what());
            throw;
        }
        joined = group.get();
    }
    return runSearchWith(space, lut, data, mine, observer, stop, checkpoint, *joined, inputsChecked);
}

} // namespace detail

SearchResult runSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                       SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint)
{
    return detail::runLaunchedSearch(space, lut, data, config, observer, stop, checkpoint, DistributedLaunch{}, false);
}

SearchResult runSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data, const SearchConfig &config,
                       SearchObserver &observer, StopToken &stop, const CheckpointOptions &checkpoint, const DistributedLaunch &launch)
{
    return detail::runLaunchedSearch(space, lut, data, config, observer, stop, checkpoint, launch, false);
}

} // namespace fbnet
