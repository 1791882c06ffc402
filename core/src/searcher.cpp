#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <random>
#include <fstream>
#include <sstream>
#include <thread>

#include <malloc.h>
#include <mutex>

#include "checkpointarchive.h"
#include "fbnet/checkpointfile.h"
#include "fbnet/error.h"
#include "fbnet/report.h"
#include "fbnet/resources.h"
#include "fbnet/search.h"
#include "jsonutil.h"
#include "loss.h"
#include "dmasking.h"
#include "supernet.h"

namespace fbnet {

SearchObserver::~SearchObserver() = default;

/** A checkpoint's archive, verified (checksum) before libtorch reads a byte of it. */
void loadCheckpointArchive(torch::serialize::InputArchive &a, const std::string &path)
{
    const std::string bytes = readCheckpointFile(path);
    try {
        a.load_from(bytes.data(), bytes.size());
    } catch (const c10::Error &e) {
        throw Error::at(path, "", std::string("not a readable search checkpoint (") + e.what_without_backtrace() + ")");
    }
}

static detail::json checkpointMeta(const std::string &path)
{
    torch::serialize::InputArchive a;
    loadCheckpointArchive(a, path);
    c10::IValue meta;
    try {
        a.read("meta", meta);
    } catch (const c10::Error &e) {
        throw Error::at(path, "meta", std::string("not a readable search checkpoint (") + e.what_without_backtrace() + ")");
    }
    if (!meta.isString())
        throw Error::at(path, "meta", "expected a string");
    const auto j = detail::parseJson(meta.toStringRef(), path + ": meta");
    if (!j.is_object() || !j.contains("epochs") || !j.at("epochs").is_array())
        throw Error::at(path, "meta/epochs", "expected an array");
    return j;
}

int checkpointEpochs(const std::string &path)
{
    return int(checkpointMeta(path).at("epochs").size());
}

bool checkpointHasPosition(const std::string &path)
{
    return checkpointMeta(path).contains("position");
}

std::string toString(MaskMode m)
{
    return m == MaskMode::Soft ? "soft" : "hard";
}

std::string toString(LossForm f)
{
    switch (f) {
    case LossForm::Multiplicative: return "mul";
    case LossForm::Additive: return "add";
    case LossForm::Target: return "target";
    }
    return "?";
}

MaskMode maskModeFromString(const std::string &s)
{
    if (s == "soft")
        return MaskMode::Soft;
    if (s == "hard")
        return MaskMode::Hard;
    throw Error::at("mode", s, "expected soft or hard");
}

LossForm lossFormFromString(const std::string &s)
{
    if (s == "mul")
        return LossForm::Multiplicative;
    if (s == "add")
        return LossForm::Additive;
    if (s == "target")
        return LossForm::Target;
    throw Error::at("loss", s, "expected mul, add or target");
}

void SearchConfig::validate() const
{
    auto bad = [](const std::string &field, const std::string &expected) { throw Error::at("search config", field, expected); };
    if (epochs < 1)
        bad("epochs", "expected >= 1");
    if (warmupEpochs < 0 || warmupEpochs >= epochs)
        bad("warmup_epochs", "expected 0 <= warm-up < epochs (theta must train for at least one epoch)");
    if (batchSize < 2)
        bad("batch_size", "expected >= 2 (batch norm needs more than one sample)");
    if (!(weightSplit > 0 && weightSplit < 1))
        bad("weight_split", "expected a share strictly between 0 and 1");
    // Every bound excludes NaN and infinity (comparisons with NaN are false).
    if (epochs > 100000)
        bad("epochs", "expected <= 100000");
    if (batchSize > 65536)
        bad("batch_size", "expected <= 65536");
    if (!(lrWeights > 0 && lrWeights <= 100) || !(lrTheta > 0 && lrTheta <= 100))
        bad("learning rate", "expected 0 < lr <= 100");
    if (!(momentum >= 0 && momentum < 1))
        bad("momentum", "expected 0 <= momentum < 1");
    if (!(weightDecay >= 0 && weightDecay <= 1) || !(thetaWeightDecay >= 0 && thetaWeightDecay <= 1))
        bad("weight decay", "expected 0 <= decay <= 1");
    if (!(alpha >= 0 && alpha <= 1e3) || !(beta >= 0 && beta <= 100))
        bad("alpha/beta", "expected 0 <= alpha <= 1000 and 0 <= beta <= 100");
    if (lossForm == LossForm::Target && !(targetMs > 0 && targetMs <= 1e7))
        bad("target_ms", "expected a positive latency target in ms (at most 1e7)");
    if (!(targetWeight >= 0 && targetWeight <= 1e6))
        bad("target_weight", "expected 0 <= weight <= 1e6");
    if (!(tau0 > 0 && tau0 <= 1e6))
        bad("temperature", "expected 0 < temperature <= 1e6");
    if (!(tauDecay > 0 && tauDecay <= 1))
        bad("temperature_decay", "expected 0 < decay <= 1");
    if (threads < 0 || threads > 4096)
        bad("threads", "expected 0..4096 (0: all cores)");
    if (samples < 0 || samples > 100000)
        bad("samples", "expected 0..100000");
    if (maxStepsPerEpoch < 0)
        bad("max_steps", "expected >= 0 (0: whole split)");
}

void StopToken::requestStop()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_stop = true;
    }
    m_cv.notify_all();
}

void StopToken::requestPause()
{
    m_pause = true;
}

void StopToken::resume()
{
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_pause = false;
    }
    m_cv.notify_all();
}

bool StopToken::checkpoint()
{
    if (m_pause.load()) {
        std::unique_lock<std::mutex> lock(m_mutex);
        m_cv.wait(lock, [this] { return !m_pause.load() || m_stop.load(); });
    }
    return !m_stop.load();
}

/**
 * Supernet activations are tens of MB each. glibc serves blocks above its mmap threshold (at most
 * 32 MB) with fresh mmaps and returns them on free, so every such tensor pays its page faults
 * again: memory-bound ops (BN, ReLU, depthwise conv) then run 4-8x slower (tests/bench). Keep
 * freed memory in the heap instead. Process-wide, done once.
 */
static void keepFreedMemoryInHeap()
{
    static std::once_flag once;
    std::call_once(once, [] {
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_TOP_PAD, 64 << 20);
    });
}

int setComputeThreads(int threads)
{
    keepFreedMemoryInHeap();
    const int n = threads > 0 ? threads : int(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(n);
    return n;
}

Architecture argmaxArchitecture(const SearchSpace &space, const std::vector<std::vector<double>> &probabilities)
{
    Architecture a;
    a.space = space.name;
    const auto layers = space.layers();
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const auto &p = probabilities.at(l);
        a.blocks.push_back(layers[l].candidates[std::size_t(std::max_element(p.begin(), p.end()) - p.begin())]);
    }
    return a;
}

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t)
{
    return std::chrono::duration<double>(Clock::now() - t).count();
}

/** Builds normalised float batches from the 8-bit data set, matching the space's input. */
class Batcher
{
public:
    Batcher(const Dataset &data, const SearchSpace &space, bool channelsLast)
        : m_data(data), m_channels(space.inputChannels), m_channelsLast(channelsLast)
    {
        if (data.height != space.inputSize || data.width != space.inputSize)
            throw Error::at("data set " + data.name, "image size",
                            "expected " + std::to_string(space.inputSize) + "x" + std::to_string(space.inputSize)
                                + " for space " + space.name + ", got " + std::to_string(data.height) + "x"
                                + std::to_string(data.width));
        if (data.channels != m_channels && data.channels != 1)
            throw Error::at("data set " + data.name, "channels",
                            "expected 1 or " + std::to_string(m_channels) + " channels, got " + std::to_string(data.channels));
        std::vector<float> mean(data.mean), stdv(data.std);
        mean.resize(std::size_t(data.channels), 0.5f);
        stdv.resize(std::size_t(data.channels), 0.25f);
        m_mean = torch::tensor(mean).view({1, data.channels, 1, 1});
        m_std = torch::tensor(stdv).view({1, data.channels, 1, 1});
    }

    std::pair<torch::Tensor, torch::Tensor> batch(const std::vector<std::size_t> &order, std::size_t from, std::size_t count)
    {
        const std::size_t img = m_data.imageBytes();
        auto raw = torch::empty({int64_t(count), m_data.channels, m_data.height, m_data.width}, torch::kUInt8);
        auto labels = torch::empty({int64_t(count)}, torch::kLong);
        auto *dst = raw.data_ptr<std::uint8_t>();
        auto *lab = labels.data_ptr<int64_t>();
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t s = order[from + i];
            std::copy_n(m_data.pixels.data() + s * img, img, dst + i * img);
            lab[i] = m_data.labels[s];
        }
        auto x = (raw.to(torch::kFloat).div_(255.f) - m_mean) / m_std;
        if (m_data.channels != m_channels)
            x = x.expand({int64_t(count), m_channels, m_data.height, m_data.width});
        x = x.contiguous(m_channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous);
        return {x, labels};
    }

private:
    const Dataset &m_data;
    int m_channels;
    bool m_channelsLast;
    torch::Tensor m_mean, m_std;
};

detail::json epochToJson(const EpochStats &e)
{
    return {{"epoch", e.epoch}, {"temperature", e.temperature}, {"weights_loss", e.weightsLoss},
            {"weights_acc", e.weightsAccuracy}, {"theta_loss", e.thetaLoss}, {"theta_acc", e.thetaAccuracy},
            {"theta_trained", e.thetaTrained}, {"expected_ms", e.expectedLatencyMs}, {"probabilities", e.probabilities},
            {"argmax", architectureToJsonText(e.argmax, -1)}, {"argmax_ms", e.argmaxLatencyMs}, {"seconds", e.seconds}};
}

EpochStats epochFromJson(const detail::json &j)
{
    EpochStats e;
    e.epoch = j.at("epoch").get<int>();
    e.temperature = j.at("temperature").get<double>();
    e.weightsLoss = j.at("weights_loss").get<double>();
    e.weightsAccuracy = j.at("weights_acc").get<double>();
    e.thetaLoss = j.at("theta_loss").get<double>();
    e.thetaAccuracy = j.at("theta_acc").get<double>();
    e.thetaTrained = j.at("theta_trained").get<bool>();
    e.expectedLatencyMs = j.at("expected_ms").get<double>();
    e.probabilities = j.at("probabilities").get<std::vector<std::vector<double>>>();
    e.argmax = architectureFromJsonText(j.at("argmax").get<std::string>(), "checkpoint");
    e.argmaxLatencyMs = j.at("argmax_ms").get<double>();
    e.seconds = j.at("seconds").get<double>();
    return e;
}

torch::Tensor indexTensor(const std::vector<std::size_t> &v)
{
    std::vector<int64_t> w(v.begin(), v.end());
    return torch::tensor(w, torch::kLong);
}

std::vector<std::size_t> indexVector(const torch::Tensor &t)
{
    std::vector<std::size_t> v(std::size_t(t.numel()));
    const auto *p = t.data_ptr<int64_t>();
    for (std::size_t i = 0; i < v.size(); ++i)
        v[i] = std::size_t(p[i]);
    return v;
}

/** What must match for a checkpoint to continue this search. */
std::string checkpointKey(const SearchSpace &space, const Dataset &data, const SearchConfig &config)
{
    SearchConfig c = config;
    c.threads = 0;  // the thread count may change (results then differ in the last bits)
    return space.name + "|" + std::to_string(space.layerCount()) + "|" + data.name + "|" + std::to_string(data.size()) + "|"
        + searchConfigToJson(c);
}

void setRequiresGrad(const std::vector<torch::Tensor> &params, bool on)
{
    for (auto p : params)
        p.set_requires_grad(on);
}

} // namespace

SearchResult runSearch(const SearchSpace &space, const LatencyTable &lut, const Dataset &data,
                       const SearchConfig &config, SearchObserver &observer, StopToken &stop,
                       const CheckpointOptions &checkpoint)
{
    try {
        config.validate();
        if (data.numClasses > space.numClasses)
            throw Error::at("data set " + data.name, "classes",
                            "has " + std::to_string(data.numClasses) + " classes but space " + space.name + " outputs "
                                + std::to_string(space.numClasses) + " (load the space with num_classes)");
        const bool dmasking = detail::isDMaskingSpace(space);
        if (dmasking && lut.metric.empty())
            throw Error::at("search", "--lut " + lut.device,
                            "space " + space.name + " searches widths, expansions or resolutions: its cost is analytic, use --lut flops or --lut params");
        const std::size_t nTrain = std::size_t(std::floor(data.size() * config.weightSplit));
        const std::size_t nTheta = data.size() - nTrain;
        if (nTrain < std::size_t(config.batchSize) || nTheta < std::size_t(config.batchSize))
            throw Error::at("data set " + data.name, "size",
                            "expected at least " + std::to_string(config.batchSize) + " samples in each split, got "
                                + std::to_string(nTrain) + " + " + std::to_string(nTheta)
                                + " (use a larger subset or a smaller batch)");

        const auto t0 = Clock::now();
        setComputeThreads(config.threads);
        torch::manual_seed(config.seed);
        std::mt19937_64 rng(config.seed);
        torch::autograd::GradMode::set_enabled(true);

        std::shared_ptr<detail::SearchableNet> net;
        if (dmasking)
            net = std::make_shared<detail::DMaskingSupernetImpl>(space, lut.metric);
        else
            net = std::make_shared<detail::SupernetImpl>(space, lut.layerTable(space), lut.fixedPart(space));
        if (config.channelsLast) {
            torch::NoGradGuard ng;
            for (auto &p : net->parameters())
                if (p.dim() == 4)
                    p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
        }
        auto weights = net->weightParameters();
        auto thetas = net->thetaParameters();
        torch::optim::SGD sgd(weights, torch::optim::SGDOptions(config.lrWeights)
                                           .momentum(config.momentum)
                                           .weight_decay(config.weightDecay));
        torch::optim::Adam adam(thetas, torch::optim::AdamOptions(config.lrTheta)
                                            .weight_decay(config.thetaWeightDecay));

        std::vector<std::size_t> all(data.size());
        std::iota(all.begin(), all.end(), 0);
        std::shuffle(all.begin(), all.end(), rng);
        std::vector<std::size_t> wIdx(all.begin(), all.begin() + std::ptrdiff_t(nTrain));
        std::vector<std::size_t> tIdx(all.begin() + std::ptrdiff_t(nTrain), all.end());
        Batcher batcher(data, space, config.channelsLast);

        SearchResult result;
        const std::string key = checkpointKey(space, data, config);
        auto named = [&] {
            std::vector<std::pair<std::string, torch::Tensor>> v;
            for (const auto &p : net->named_parameters())
                v.emplace_back("p/" + p.key(), p.value());
            for (const auto &b : net->named_buffers())
                v.emplace_back("b/" + b.key(), b.value());
            for (std::size_t i = 0; i < thetas.size(); ++i)
                v.emplace_back("theta/" + std::to_string(i), thetas[i]);
            return v;
        };
        // Where a stopped search stood inside an epoch (a stop checkpoint resumes from there).
        struct Position
        {
            bool active = false;
            int epoch = 0;
            Phase phase = Phase::Weights;
            int step = 0;  ///< the next step to run
            double lossSum = 0, correct = 0, seen = 0;
            double weightsLoss = 0, weightsAccuracy = 0;  ///< the epoch's weight phase, when stopped in theta
        } resumeAt, stopAt;
        auto saveCheckpoint = [&](const Position *pos) {
            torch::serialize::OutputArchive a;
            for (const auto &[name, t] : named())
                a.write(name, t.detach());
            torch::serialize::OutputArchive so, ao;
            sgd.save(so);
            adam.save(ao);
            a.write("sgd", so);
            a.write("adam", ao);
            auto gen = at::detail::getDefaultCPUGenerator();
            {
                std::lock_guard<std::mutex> lock(gen.mutex());
                a.write("torch_rng", gen.get_state());
            }
            std::ostringstream rs;
            rs << rng;
            detail::json meta = {{"format", "fbnet-search-checkpoint-1"}, {"key", key}, {"rng", rs.str()},
                                 {"epochs", detail::json::array()}};
            for (const auto &e : result.epochs)
                meta["epochs"].push_back(epochToJson(e));
            if (pos)
                meta["position"] = {{"epoch", pos->epoch}, {"phase", pos->phase == Phase::Weights ? "weights" : "theta"},
                                    {"step", pos->step}, {"loss_sum", pos->lossSum}, {"correct", pos->correct},
                                    {"seen", pos->seen}, {"weights_loss", pos->weightsLoss}, {"weights_acc", pos->weightsAccuracy}};
            a.write("meta", c10::IValue(meta.dump()));
            a.write("w_order", indexTensor(wIdx));
            a.write("t_order", indexTensor(tIdx));
            std::ostringstream bytes;
            a.save_to(bytes);
            writeCheckpointFile(checkpoint.path, bytes.str());
        };
        if (checkpoint.resume && !checkpoint.path.empty() && std::ifstream(checkpoint.path).good()) {
            torch::serialize::InputArchive a;
            loadCheckpointArchive(a, checkpoint.path);
            c10::IValue metaValue;
            a.read("meta", metaValue);
            const auto meta = detail::parseJson(metaValue.toStringRef(), checkpoint.path);
            if (meta.value("key", std::string()) != key)
                throw Error::at(checkpoint.path, "key", "the checkpoint belongs to a search with another space, data set or configuration");
            torch::NoGradGuard ng;
            for (auto &[name, t] : named()) {
                torch::Tensor v;
                a.read(name, v);
                if (!v.sizes().equals(t.sizes()))
                    throw Error::at(checkpoint.path, name, "tensor shape does not match the supernet");
                t.copy_(v);
            }
            torch::serialize::InputArchive si, ai;
            a.read("sgd", si);
            a.read("adam", ai);
            sgd.load(si);
            adam.load(ai);
            // Momentum buffers in the parameters' layout, so the update runs the same kernels.
            for (auto &g : sgd.param_groups())
                for (auto &p : g.params()) {
                    auto it = sgd.state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
                    if (it == sgd.state().end())
                        continue;
                    auto &st = static_cast<torch::optim::SGDParamState &>(*it->second);
                    if (st.momentum_buffer().defined())
                        st.momentum_buffer(st.momentum_buffer().contiguous(p.suggest_memory_format()));
                }
            torch::Tensor rngState, wOrder, tOrder;
            a.read("torch_rng", rngState);
            auto gen = at::detail::getDefaultCPUGenerator();
            {
                std::lock_guard<std::mutex> lock(gen.mutex());
                gen.set_state(rngState);
            }
            std::istringstream rs(meta.at("rng").get<std::string>());
            rs >> rng;
            a.read("w_order", wOrder);
            a.read("t_order", tOrder);
            wIdx = indexVector(wOrder);
            tIdx = indexVector(tOrder);
            for (const auto &e : meta.at("epochs"))
                result.epochs.push_back(epochFromJson(e));
            result.epochsCompleted = int(result.epochs.size());
            if (meta.contains("position")) {
                const auto &p = meta.at("position");
                resumeAt.active = true;
                resumeAt.epoch = p.at("epoch").get<int>();
                resumeAt.phase = p.at("phase").get<std::string>() == "theta" ? Phase::Theta : Phase::Weights;
                resumeAt.step = p.at("step").get<int>();
                resumeAt.lossSum = p.at("loss_sum").get<double>();
                resumeAt.correct = p.at("correct").get<double>();
                resumeAt.seen = p.at("seen").get<double>();
                resumeAt.weightsLoss = p.at("weights_loss").get<double>();
                resumeAt.weightsAccuracy = p.at("weights_acc").get<double>();
            }
        }

        auto stepsOf = [&](std::size_t n) {
            std::size_t s = n / std::size_t(config.batchSize);  // drop the ragged last batch (BN)
            if (config.maxStepsPerEpoch > 0)
                s = std::min<std::size_t>(s, std::size_t(config.maxStepsPerEpoch));
            return int(s);
        };
        const int wSteps = stepsOf(nTrain), tSteps = stepsOf(nTheta);
        const double totalSteps = double(config.epochs) * wSteps + double(config.epochs - config.warmupEpochs) * tSteps;
        double doneSteps = 0;
        for (int e = 0; e < result.epochsCompleted; ++e)
            doneSteps += wSteps + (e >= config.warmupEpochs ? tSteps : 0);
        if (resumeAt.active)
            doneSteps += (resumeAt.phase == Phase::Theta ? wSteps : 0) + resumeAt.step;
        const double resumedSteps = doneSteps;

        bool stopped = false;
        for (int epoch = result.epochsCompleted; epoch < config.epochs && !stopped; ++epoch) {
            const auto te = Clock::now();
            const int annealed = config.tauDecayAfterWarmup ? std::max(0, epoch - config.warmupEpochs) : epoch;
            const double tau = config.tau0 * std::pow(config.tauDecay, annealed);
            const double lr = 0.5 * config.lrWeights * (1 + std::cos(M_PI * epoch / config.epochs));
            for (auto &g : sgd.param_groups())
                static_cast<torch::optim::SGDOptions &>(g.options()).lr(lr);

            EpochStats es;
            es.epoch = epoch;
            es.temperature = tau;
            // A stop checkpoint inside this epoch: continue its phase where it stopped (the data
            // order of the phase was shuffled before the stop and is restored as it was).
            const bool continuing = resumeAt.active && resumeAt.epoch == epoch;
            auto runPhase = [&](Phase phase, std::vector<std::size_t> &idx, int steps, double &lossOut, double &accOut) {
                const bool here = continuing && resumeAt.phase == phase;
                if (!here)
                    std::shuffle(idx.begin(), idx.end(), rng);
                const bool w = phase == Phase::Weights;
                setRequiresGrad(weights, w);
                setRequiresGrad(thetas, !w);
                net->train();
                double lossSum = here ? resumeAt.lossSum : 0, correct = here ? resumeAt.correct : 0, seen = here ? resumeAt.seen : 0;
                for (int s = here ? resumeAt.step : 0; s < steps; ++s) {
                    if (!stop.checkpoint()) {
                        stopped = true;
                        stopAt = {true, epoch, phase, s, lossSum, correct, seen, es.weightsLoss, es.weightsAccuracy};
                        break;
                    }
                    const auto ts = Clock::now();
                    auto [x, y] = batcher.batch(idx, std::size_t(s) * config.batchSize, std::size_t(config.batchSize));
                    auto out = net->forward(x, tau, config.mode);
                    auto terms = detail::latencyAwareLoss(out.logits, y, out.latencyMs, config);
                    // Undefined (not zero) gradients: SGD then leaves the candidates this step did
                    // not sample alone, instead of moving them by stale momentum and weight decay.
                    const double l = terms.loss.item<double>();
                    if (!std::isfinite(l))
                        throw Error::at("search", "loss",
                                        "became " + std::to_string(l) + " at epoch " + std::to_string(epoch) + ", step " + std::to_string(s)
                                            + " of the " + (w ? "weight" : "theta")
                                            + " phase (a learning rate, alpha or beta, or the latency table's values too large?). "
                                              "Stopped before the update: the run keeps its checkpoint of epoch "
                                            + std::to_string(result.epochsCompleted));
                    for (auto &p : w ? weights : thetas)
                        p.mutable_grad().reset();
                    terms.loss.backward();
                    if (w)
                        sgd.step();
                    else
                        adam.step();
                    const double batchCorrect = out.logits.argmax(1).eq(y).sum().item<double>();
                    lossSum += l * config.batchSize;
                    correct += batchCorrect;
                    seen += config.batchSize;
                    doneSteps += 1;
                    StepStats st;
                    st.epoch = epoch;
                    st.step = s;
                    st.stepsInPhase = steps;
                    st.phase = phase;
                    st.loss = l;
                    st.crossEntropy = terms.crossEntropy.item<double>();
                    st.accuracy = batchCorrect / config.batchSize;
                    st.expectedLatencyMs = out.latencyMs.mean().item<double>();
                    st.temperature = tau;
                    st.imagesPerSecond = config.batchSize / std::max(1e-9, secondsSince(ts));
                    st.elapsedSeconds = secondsSince(t0);
                    st.etaSeconds = st.elapsedSeconds / (doneSteps - resumedSteps) * (totalSteps - doneSteps);
                    observer.onStep(st);
                }
                lossOut = seen > 0 ? lossSum / seen : 0;
                accOut = seen > 0 ? correct / seen : 0;
            };
            if (continuing && resumeAt.phase == Phase::Theta) {
                es.weightsLoss = resumeAt.weightsLoss;
                es.weightsAccuracy = resumeAt.weightsAccuracy;
            } else {
                runPhase(Phase::Weights, wIdx, wSteps, es.weightsLoss, es.weightsAccuracy);
            }
            if (!stopped && epoch >= config.warmupEpochs) {
                runPhase(Phase::Theta, tIdx, tSteps, es.thetaLoss, es.thetaAccuracy);
                es.thetaTrained = true;
            }
            setRequiresGrad(weights, true);
            setRequiresGrad(thetas, true);
            if (stopped)
                break;
            es.probabilities = net->probabilities();
            for (const auto &layer : es.probabilities)
                for (double p : layer)
                    if (!std::isfinite(p))
                        throw Error::at("search", "theta",
                                        "became NaN or infinite in epoch " + std::to_string(epoch)
                                            + " (learning rate of theta too large?); the run keeps its checkpoint of epoch "
                                            + std::to_string(result.epochsCompleted));
            es.expectedLatencyMs = net->expectedLatencyMs();
            es.argmax = net->argmax();
            es.argmax.name = "epoch" + std::to_string(epoch) + "-argmax";
            es.argmaxLatencyMs = lut.predict(space, es.argmax);
            es.seconds = secondsSince(te);
            result.epochs.push_back(es);
            result.epochsCompleted = epoch + 1;
            observer.onEpoch(es);
            if (!checkpoint.path.empty()) {
                const auto tc = Clock::now();
                saveCheckpoint(nullptr);
                result.checkpointSeconds += secondsSince(tc);
            }
        }
        if (stopped && !checkpoint.path.empty()) {
            // On stop: the state inside the epoch, so a resume loses nothing of it.
            const auto tc = Clock::now();
            saveCheckpoint(&stopAt);
            result.checkpointSeconds += secondsSince(tc);
        }

        // Sample the final distribution: the argmax first, then K draws from softmax(theta).
        result.stopped = stopped;
        result.theta = net->thetaValues();
        auto describe = [&](Architecture a, bool isArgmax, double logProbability) {
            SampledArchitecture s;
            s.isArgmax = isArgmax;
            s.logProbability = logProbability;
            const auto cost = computeCost(space, a);
            s.macs = cost.macs;
            s.params = cost.params;
            s.latencyMs = lut.predict(space, a);
            s.architecture = std::move(a);
            result.samples.push_back(s);
            observer.onSample(result.samples.back());
        };
        Architecture best = net->argmax();
        best.name = "argmax";
        best.source = "fbnet search (argmax of softmax(theta))";
        describe(best, true, net->argmaxLogProbability());
        for (int i = 0; i < config.samples; ++i) {
            double lp = 0;
            Architecture a = net->sample(rng, lp);
            a.name = "sample" + std::to_string(i + 1);
            a.source = "fbnet search (sampled from softmax(theta))";
            describe(a, false, lp);
        }
        result.seconds = secondsSince(t0);
        observer.onFinished(result);
        return result;
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

} // namespace fbnet
