#include "fbnet/trainingplan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include <nlohmann/json.hpp>

#include "fbnet/evaluate.h"
#include "fbnet/randombaseline.h"
#include "fbnet/search.h"
#include "fbnet/storedsearch.h"

namespace fbnet {

namespace {

/** Images one epoch trains on: all of them, or maxStepsPerEpoch batches. */
double imagesPerEpoch(double trainImages, double batchSize, double maxSteps)
{
    return maxSteps > 0 && batchSize > 0 ? std::min(trainImages, maxSteps * batchSize) : trainImages;
}

std::string thousands(std::size_t n)
{
    std::string digits = std::to_string(n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0)
            out += ',';
        out += digits[i];
    }
    return out;
}

std::string fixed(double v, int decimals)
{
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

/** The counts a training will use, and what to say about them. */
void fitImages(TrainingPlan &p, std::size_t trainImages, std::size_t testImages, int batchSize)
{
    p.trainImages = trainImages == 0 ? p.availableTrain : std::min(trainImages, p.availableTrain);
    p.testImages = testImages == 0 ? p.availableTest : std::min(testImages, p.availableTest);
    if (trainImages > p.availableTrain)
        p.warnings.push_back(p.dataset + " has " + thousands(p.availableTrain) + " training images, not " + thousands(trainImages)
                             + ": each training uses all " + thousands(p.availableTrain) + ".");
    if (testImages > p.availableTest)
        p.warnings.push_back(p.dataset + " has " + thousands(p.availableTest) + " test images, not " + thousands(testImages)
                             + ": each architecture is tested on all " + thousands(p.availableTest) + ".");
    if (p.trainImages < std::size_t(std::max(1, batchSize)))
        p.warnings.push_back("Fewer training images (" + thousands(p.trainImages) + ") than one batch (" + std::to_string(batchSize)
                             + "): a training is a step or two, its top-1 near chance.");
    if (p.testImages > 0 && p.testImages < 500) {
        // One image is 100/N points; a top-1 near 80% has a binomial standard error of 40/sqrt(N) points.
        const double step = 100.0 / double(p.testImages), se = 100.0 * std::sqrt(0.8 * 0.2 / double(p.testImages));
        p.warnings.push_back("Only " + thousands(p.testImages) + " test images: top-1 moves in steps of " + fixed(step, 2)
                             + " points, and a top-1 near 80% is uncertain by about ±" + fixed(se, 1)
                             + " points: smaller differences between architectures are noise.");
    }
}

} // namespace

struct TrainingPlanner::Impl
{
    Impl(const RunStore &s, RunInfo r) : store(s), run(std::move(r)) {}

    const RunStore &store;
    RunInfo run;
    std::string datasetName;
    std::size_t availableTrain = 0, availableTest = 0;
    int inputSize = 0;
    double secondsPerImageEpoch = 0;  ///< from the store's trainings of this space at this input size
    int basis = 0;

    void learnRate()
    {
        double seconds = 0, work = 0;
        for (const auto &r : store.runs()) {
            if (r.space != run.space)
                continue;
            for (const auto &e : store.evaluationsOfRun(r.id)) {
                const auto j = nlohmann::json::parse(e.protocol, nullptr, false);
                if (!j.is_object() || !(e.seconds > 0) || j.value("input_size", 0) != inputSize || j.value("init", "") != "scratch")
                    continue;
                const double w = double(j.value("epochs", 0))
                                 * imagesPerEpoch(j.value("train_images", 0.0), j.value("batch_size", 0.0), j.value("max_steps_per_epoch", 0.0));
                if (w > 0) {
                    seconds += e.seconds;
                    work += w;
                    ++basis;
                }
            }
        }
        secondsPerImageEpoch = work > 0 ? seconds / work : 0;
    }

    TrainingPlan start(const TrainConfig &config, std::size_t trainImages, std::size_t testImages) const
    {
        TrainingPlan p;
        p.dataset = datasetName;
        p.availableTrain = availableTrain;
        p.availableTest = availableTest;
        p.epochs = config.epochs;
        fitImages(p, trainImages, testImages, config.batchSize);
        p.basis = basis;
        p.secondsPerArchitecture = secondsPerImageEpoch * config.epochs
                                   * imagesPerEpoch(double(p.trainImages), config.batchSize, config.maxStepsPerEpoch);
        return p;
    }
};

TrainingPlanner::TrainingPlanner(const RunStore &store, const RunInfo &run, const std::string &dataset)
    : d(std::make_unique<Impl>(store, run))
{
    const SearchInvocation inv = invocationFromJson(run.invocationJson, store.path() + ": run " + run.name + ": invocation");
    // Both splits whole (subset 0): their sizes, the name the protocol records and the space's input size.
    const TrainingSetup all = loadTrainingSetup(inv.space, dataset.empty() ? inv.dataset : dataset, 0, 0, 0, inv.image, inv.inputSize);
    d->datasetName = all.train.name;
    d->availableTrain = all.train.size();
    d->availableTest = all.test.size();
    d->inputSize = all.space.inputSize;
    d->learnRate();
}

TrainingPlanner::~TrainingPlanner() = default;

std::size_t TrainingPlanner::availableTrain() const { return d->availableTrain; }
std::size_t TrainingPlanner::availableTest() const { return d->availableTest; }

TrainingPlan TrainingPlanner::plan(const std::vector<StoredArchitecture> &architectures, const TrainConfig &config,
                                   std::size_t trainImages, std::size_t testImages) const
{
    TrainingPlan p = d->start(config, trainImages, testImages);
    p.architectures = int(architectures.size());
    const std::string protocol = trainingProtocol(d->datasetName, p.trainImages, p.testImages, d->inputSize, config);
    for (const auto &a : architectures)
        p.reused += findEvaluation(d->store, a.id, protocol, false).has_value();
    return p;
}

TrainingPlan TrainingPlanner::planBaseline(const TrainConfig &config, std::size_t trainImages, std::size_t testImages) const
{
    TrainingPlan p = d->start(config, trainImages, testImages);
    p.budgetSeconds = runComputeSeconds(d->store, d->run);
    return p;
}

namespace {

/** Images a search's steps take: every epoch's weights split, θ's after the warm-up (each capped at maxSteps batches). */
double searchWork(std::size_t images, const SearchConfig &c, int epochs)
{
    if (images == 0)
        return 0;
    const SearchSplits split = searchSplits(images, c);
    const double weights = imagesPerEpoch(double(split.weights), c.batchSize, c.maxStepsPerEpoch);
    const double theta = imagesPerEpoch(double(split.theta), c.batchSize, c.maxStepsPerEpoch);
    return epochs * weights + std::max(0, epochs - c.warmupEpochs) * theta;
}

} // namespace

SearchEstimate estimateSearch(const RunStore &store, const std::string &space, std::size_t images, const SearchConfig &config)
{
    double seconds = 0, work = 0;
    SearchEstimate e;
    for (const auto &r : store.runs()) {
        if (r.kind != "search" || r.space != space || !(r.seconds > 0) || r.epochsCompleted <= 0
            || (r.status != "finished" && r.status != "stopped"))
            continue;
        try {
            const SearchConfig c = searchConfigFromJson(r.configJson, r.name);
            const SearchInvocation inv = invocationFromJson(r.invocationJson, r.name);
            if (c.mode != config.mode || c.compute.device != config.compute.device)
                continue;
            const double w = searchWork(inv.images, c, r.epochsCompleted);
            if (w > 0) {
                seconds += r.seconds;
                work += w;
                ++e.basis;
            }
        } catch (const std::exception &) {
            continue;  // a record this version cannot read says nothing about the time
        }
    }
    if (work > 0)
        e.seconds = seconds / work * searchWork(images, config, config.epochs);
    return e;
}

double TrainingPlan::estimatedSeconds() const
{
    return budgetSeconds > 0 ? budgetSeconds : toTrain() * secondsPerArchitecture;
}

int TrainingPlan::budgetArchitectures() const
{
    if (!(budgetSeconds > 0) || !(secondsPerArchitecture > 0))
        return 0;
    // The baseline trains while its spent time is under the budget: the last one crosses it.
    return std::max(1, int(std::ceil(budgetSeconds / secondsPerArchitecture)));
}

std::string TrainingPlan::describe() const
{
    const std::string images = thousands(trainImages) + " of " + dataset + "'s " + thousands(availableTrain) + " training images, tested on "
                               + thousands(testImages) + " of " + thousands(availableTest);
    const std::string perEpochs = std::to_string(epochs) + (epochs == 1 ? " epoch" : " epochs");
    const std::string from = " (from " + std::to_string(basis) + (basis == 1 ? " training" : " trainings")
                             + " of this space in this store)";
    std::string s;
    if (budgetSeconds > 0) {
        s = "Trains architectures drawn at random for " + perEpochs + " each on " + images + ", until the compute of the run it matches ("
            + formatDuration(budgetSeconds) + ": its search and the training of its architectures) is spent";
        if (secondsPerArchitecture > 0)
            s += ": about " + std::to_string(budgetArchitectures()) + " architectures at " + formatDuration(secondsPerArchitecture)
                 + " each" + from + ".";
        else
            s += ". No training of this space in this store yet to say how many that is.";
    } else {
        s = "Trains " + std::to_string(toTrain()) + " of " + std::to_string(architectures) + " architectures for " + perEpochs + " on "
            + images + ".";
        if (reused > 0)
            s += " " + std::to_string(reused) + " already trained with these settings " + (reused == 1 ? "is" : "are") + " reused.";
        if (toTrain() == 0)
            s += " Nothing to train.";
        else if (secondsPerArchitecture > 0)
            s += " About " + formatDuration(secondsPerArchitecture) + " each, " + formatDuration(estimatedSeconds()) + " in all" + from + ".";
        else
            s += " No training of this space in this store yet to estimate how long it takes.";
    }
    for (const auto &w : warnings)
        s += "\n" + w;
    return s;
}

std::string formatDuration(double s)
{
    if (!(s >= 0) || !std::isfinite(s))
        s = 0;
    char buf[32];
    const long long t = (long long)(s + 0.5);
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%lldh%02lldm", t / 3600, t / 60 % 60);
    else
        std::snprintf(buf, sizeof buf, "%lldm%02llds", t / 60, t % 60);
    return buf;
}

} // namespace fbnet
