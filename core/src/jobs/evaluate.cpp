#include "fbnet/evaluate.h"
#include "fbnet/datasetkinds.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/resources.h"

namespace fbnet {

TrainingSetup loadTrainingSetup(const std::string &spaceName, const std::string &dataset, std::size_t trainSubset,
                                std::size_t testSubset, std::uint64_t seed, const ImageOptions &image, int inputSize)
{
    const SearchSpace probe = SearchSpace::load(resolveSpacePath(spaceName));
    if (inputSize > 0 && inputSize != probe.inputSize && probe.searchesShapes())
        throw Error::at("input size", std::to_string(inputSize),
                        "space " + probe.name + " searches its input resolution; a fixed input size applies to FBNet spaces");
    const int size = inputSize > 0 ? inputSize : probe.inputSize;
    TrainingSetup s;
    s.train = subset(loadDataset(dataset, Split::Train, size, image), trainSubset, seed);
    s.test = subset(loadDataset(dataset, Split::Test, size, image), testSubset, seed);
    SpaceParams params;
    params.numClasses = s.train.numClasses;
    params.inputSize = inputSize;
    s.space = SearchSpace::load(resolveSpacePath(spaceName), params);
    return s;
}

std::string trainingProtocol(const TrainingSetup &setup, const TrainConfig &config)
{
    return trainingProtocol(setup.train.name, setup.train.size(), setup.test.size(), setup.space.inputSize, config);
}

std::string trainingProtocol(const std::string &dataset, std::size_t trainImages, std::size_t testImages, int inputSize,
                             const TrainConfig &c)
{
    const nlohmann::json j = {{"dataset", dataset},
                              {"train_images", trainImages},
                              {"test_images", testImages},
                              {"input_size", inputSize},
                              {"epochs", c.epochs},
                              {"batch_size", c.batchSize},
                              {"lr", c.lr},
                              {"momentum", c.momentum},
                              {"weight_decay", c.weightDecay},
                              {"augment", c.augment},
                              {"seed", c.seed},
                              {"max_steps_per_epoch", c.maxStepsPerEpoch},
                              {"init", c.initFromCheckpoint.empty() ? "scratch" : "supernet"}};
    return j.dump();  // keys sorted: canonical
}

Evaluation evaluateStoredArchitecture(RunStore &store, const StoredArchitecture &a, const TrainingSetup &setup,
                                      const TrainConfig &config, const LatencyTable &lut, const StopToken &stop, bool measure,
                                      const std::string &weightsPath, const std::function<void(const TrainEpoch &)> &onEpoch)
{
    const TrainResult r = trainArchitecture(setup.space, a.architecture, setup.train, setup.test, config, onEpoch, stop, weightsPath);
    Evaluation e;
    e.architectureId = a.id;
    e.dataset = setup.train.name;
    e.epochs = int(r.epochs.size());
    e.top1 = r.testTop1;
    e.device = lut.device;
    try {
        e.lutMs = lut.predict(setup.space, a.architecture);
    } catch (const Error &) {
        // Trained at another input size than the table was measured at (a proxy protocol, --input-size):
        // the architecture's latency is the one recorded at the table's size.
        e.lutMs = a.lutMs;
    }
    e.seconds = r.seconds;
    e.weightsPath = weightsPath;
    e.protocol = trainingProtocol(setup, config);
    if (measure && !r.stopped)
        e.measuredMs = measureArchitectureMs(setup.space, a.architecture, LutBuildOptions{});
    if (!r.stopped)
        e.id = store.addEvaluation(e);
    return e;
}

std::optional<Evaluation> findEvaluation(const RunStore &store, std::int64_t architectureId, const std::string &protocol, bool measured)
{
    std::optional<Evaluation> found;
    for (const auto &e : store.evaluations(architectureId))
        if (!e.protocol.empty() && e.protocol == protocol && (!measured || e.measuredMs > 0))
            found = e;  // the newest
    return found;
}

EvaluationOutcome evaluateArchitectures(RunStore &store, const std::vector<StoredArchitecture> &architectures,
                                        const TrainingSetup &setup, const TrainConfig &config, const LatencyTable &lut,
                                        bool measure, const StopToken &stop, const EvaluationEvents &events, bool keepWeights)
{
    EvaluationOutcome out;
    const std::string protocol = trainingProtocol(setup, config);
    const int total = int(architectures.size());
    for (int i = 0; i < total && !stop.stopRequested(); ++i) {
        const StoredArchitecture &a = architectures[std::size_t(i)];
        auto stored = findEvaluation(store, a.id, protocol, measure);
        std::error_code ec;
        if (stored && keepWeights && (stored->weightsPath.empty() || !std::filesystem::is_regular_file(stored->weightsPath, ec)))
            stored.reset();  // weights are asked for and that training kept none: train again
        if (events.onArchitecture)
            events.onArchitecture(i + 1, total, a, bool(stored));
        EvaluatedArchitecture done{a, {}, bool(stored)};
        if (stored) {
            done.evaluation = *stored;
            ++out.reused;
        } else {
            std::string weights;
            if (keepWeights) {
                std::filesystem::create_directories(store.weightsDir());
                weights = keptWeightsPath(store, a.id, protocol);
            }
            done.evaluation = evaluateStoredArchitecture(store, a, setup, config, lut, stop, measure, weights, [&](const TrainEpoch &ep) {
                if (events.onEpoch)
                    events.onEpoch(i + 1, total, a, ep);
            });
            if (done.evaluation.id == 0)
                break;  // stopped inside the training: nothing stored for this one
            ++out.trained;
        }
        if (events.onEvaluated)
            events.onEvaluated(i + 1, total, a, done.evaluation, done.reused);
        out.evaluated.push_back(std::move(done));
    }
    out.stopped = stop.stopRequested();
    return out;
}

std::string keptWeightsPath(const RunStore &store, std::int64_t architectureId, const std::string &protocol)
{
    return (std::filesystem::path(store.weightsDir()) / ("arch-" + std::to_string(architectureId) + "-" + contentHash(protocol) + ".pt")).string();
}

std::vector<StoredArchitecture> runArchitectures(const RunStore &store, const RunInfo &run, int max)
{
    auto archs = store.architectures(run.id);
    // A chooser's scored alternatives (role "candidate") are not the run's results: its pick is.
    archs.erase(std::remove_if(archs.begin(), archs.end(), [](const StoredArchitecture &a) { return a.role == "candidate"; }), archs.end());
    if (archs.empty())
        throw Error::at(store.path(), "run " + run.name, "has no architectures to train (a search stores its argmax and samples)");
    if (max > 0 && int(archs.size()) > max)
        archs.resize(std::size_t(max));
    return archs;
}

} // namespace fbnet
