#include "fbnet/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <random>
#include <tuple>

#include <torch/serialize.h>

#include <nlohmann/json.hpp>

#include "fbnet/compute.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "compute/device.h"
#include "compute/distributed.h"
#include "compute/precision.h"
#include "nn/network.h"
#include "nn/statedict.h"
#include "nn/syncbatchnorm.h"
#include "search/batcher.h"
#include "search/checkpointarchive.h"

namespace fbnet {

namespace {

using Clock = std::chrono::steady_clock;

/** Where the training's tensors live and in which memory layout (from its ComputeOptions). */
struct Placement
{
    torch::Device device = torch::kCPU;
    at::MemoryFormat format = at::MemoryFormat::ChannelsLast;
    detail::Precision precision;  ///< autocast of the forward passes

    torch::Tensor put(const torch::Tensor &t) const { return (device.is_cpu() ? t : t.to(device)).contiguous(format); }
};

/** Normalised float batch; with `augment`, a random crop after 4-pixel zero padding and a random flip. */
torch::Tensor makeBatch(const Dataset &d, const std::vector<std::size_t> &idx, std::size_t from, std::size_t count,
                        int channels, bool augment, std::mt19937_64 &rng, const Placement &where)
{
    const int h = d.height, w = d.width;
    const std::size_t img = d.imageBytes();
    auto raw = torch::empty({int64_t(count), d.channels, h, w}, torch::kUInt8);
    for (std::size_t i = 0; i < count; ++i)
        std::copy_n(d.pixels.data() + idx[from + i] * img, img, raw.data_ptr<std::uint8_t>() + i * img);
    std::vector<float> mean(d.mean), stdv(d.std);
    mean.resize(std::size_t(d.channels), 0.5f);
    stdv.resize(std::size_t(d.channels), 0.25f);
    auto x = (raw.to(torch::kFloat).div_(255.f) - torch::tensor(mean).view({1, d.channels, 1, 1}))
        / torch::tensor(stdv).view({1, d.channels, 1, 1});
    if (augment) {
        auto padded = torch::constant_pad_nd(x, {4, 4, 4, 4}, 0);
        std::uniform_int_distribution<int> shift(0, 8), coin(0, 1);
        std::vector<torch::Tensor> out;
        for (std::size_t i = 0; i < count; ++i) {
            auto crop = padded[int64_t(i)].narrow(1, shift(rng), h).narrow(2, shift(rng), w);
            out.push_back(coin(rng) ? crop.flip({2}) : crop);
        }
        x = torch::stack(out);
    }
    if (d.channels != channels)
        x = x.expand({int64_t(count), channels, h, w});
    return where.put(x);
}

/**
 * The batch at an architecture's input resolution (FBNetV2 searches it): area-averaged down to
 * size x size (anti-aliased, as a resized image would be), or unchanged at the data's own size.
 */
torch::Tensor atResolution(const torch::Tensor &x, int size, at::MemoryFormat format)
{
    if (size <= 0 || (x.size(2) == size && x.size(3) == size))
        return x;
    auto y = size < x.size(2) ? torch::adaptive_avg_pool2d(x, {size, size})
                              : torch::nn::functional::interpolate(x, torch::nn::functional::InterpolateFuncOptions()
                                                                          .size(std::vector<int64_t>{size, size})
                                                                          .mode(torch::kBilinear)
                                                                          .align_corners(false));
    return y.contiguous(format);
}

torch::Tensor labels(const Dataset &d, const std::vector<std::size_t> &idx, std::size_t from, std::size_t count,
                     const Placement &where)
{
    auto y = torch::empty({int64_t(count)}, torch::kLong);
    for (std::size_t i = 0; i < count; ++i)
        y[int64_t(i)] = d.labels[idx[from + i]];
    return where.device.is_cpu() ? y : y.to(where.device);
}

double evaluate(detail::Network &net, const Dataset &test, int channels, int batch, int size, const Placement &where,
                const ComputeOptions &compute)
{
    torch::NoGradGuard ng;
    const detail::AutocastScope autocast(where.precision);
    net->eval();
    std::vector<std::size_t> idx(test.size());
    std::iota(idx.begin(), idx.end(), 0);
    double correct = 0;
    if (test.streamed()) {
        detail::Batcher batcher(test, channels, 0, compute, where.device);
        batcher.begin(idx, 0, idx.size(), std::size_t(batch), detail::Transform::Eval, 0);
        for (std::size_t at = 0; at < idx.size(); at += std::size_t(batch)) {
            auto [x, y] = batcher.next();
            correct += net->forward(atResolution(where.put(x), size, where.format)).argmax(1).eq(y).sum().item<double>();
        }
    } else {
        std::mt19937_64 unused(0);
        for (std::size_t at = 0; at < idx.size(); at += std::size_t(batch)) {
            const std::size_t n = std::min<std::size_t>(std::size_t(batch), idx.size() - at);
            auto x = atResolution(makeBatch(test, idx, at, n, channels, false, unused, where), size, where.format);
            correct += net->forward(x).argmax(1).eq(labels(test, idx, at, n, where)).sum().item<double>();
        }
    }
    net->train();
    return correct / double(idx.size());
}

} // namespace

/**
 * Copies the supernet's weights of the chosen candidates into the network.
 * FBNet supernets hold every candidate at the layer's shape: layerI.X <- layerI.BLOCK.X, shapes equal.
 * FBNetV2 (masked) supernets hold each candidate once at the largest widths and choose widths by
 * prefix masks, so the chosen network's tensors are the leading slices: layerI.X <- layerI_BLOCK.X[:c0, :c1, ...].
 * A skip that needs a projection where the supernet's was the identity (widths differ) keeps its fresh weights.
 */
static void initFromSupernet(detail::NetworkImpl &net, const Architecture &arch, const std::string &path, bool masked)
{
    torch::serialize::InputArchive a;
    loadCheckpointArchive(a, path);
    torch::NoGradGuard ng;
    auto supernetName = [&](const std::string &name, bool &inSkip) {
        inSkip = false;
        if (name.rfind("layer", 0) == 0) {
            const auto dot = name.find('.');
            const int i = std::stoi(name.substr(5, dot - 5));
            const std::string &block = arch.blocks.at(std::size_t(i));
            inSkip = block == "skip";
            return name.substr(0, dot) + (masked ? "_" : ".") + block + name.substr(dot);
        }
        return name;
    };
    auto copyFrom = [&](const std::string &prefix, const std::string &name, torch::Tensor &t, const std::string &what) {
        bool inSkip = false;
        const std::string key = prefix + supernetName(name, inSkip);
        torch::Tensor v;
        if (!a.try_read(key, v)) {
            if (masked && inSkip)
                return;
            throw Error::at(path, key, "the checkpoint has no " + what + " (is the architecture from this run's space?)");
        }
        if (!masked) {
            if (!v.sizes().equals(t.sizes()))
                throw Error::at(path, key, "shape " + c10::str(v.sizes()) + " differs from the architecture's " + what + " " + c10::str(t.sizes()));
            t.copy_(v);
            return;
        }
        if (v.dim() != t.dim())
            throw Error::at(path, key, "rank differs from the architecture's " + what);
        for (int64_t d = 0; d < t.dim(); ++d) {
            if (v.size(d) < t.size(d))
                throw Error::at(path, key, "the supernet's " + what + " is narrower than the architecture's (dimension " +
                                               std::to_string(d) + ": " + std::to_string(v.size(d)) + " < " +
                                               std::to_string(t.size(d)) + ")");
            v = v.narrow(d, 0, t.size(d));
        }
        t.copy_(v);
    };
    for (auto &p : net.named_parameters())
        copyFrom("p/", p.key(), p.value(), p.key());
    for (auto &b : net.named_buffers())
        copyFrom("b/", b.key(), b.value(), b.key());
}

static TrainResult trainUnchecked(const SearchSpace &space, const Architecture &arch, const Dataset &train, const Dataset &test,
                                  const TrainConfig &c, const std::function<void(const TrainEpoch &)> &onEpoch,
                                  const StopToken &stop, const std::string &weightsPath, detail::GradientSync &sync);

TrainResult trainArchitecture(const SearchSpace &space, const Architecture &arch, const Dataset &train, const Dataset &test,
                              const TrainConfig &c, const std::function<void(const TrainEpoch &)> &onEpoch,
                              const StopToken &stop, const std::string &weightsPath)
{
    return trainArchitecture(space, arch, train, test, c, onEpoch, stop, weightsPath, DistributedLaunch{});
}

TrainResult trainArchitecture(const SearchSpace &space, const Architecture &arch, const Dataset &train, const Dataset &test,
                              const TrainConfig &c, const std::function<void(const TrainEpoch &)> &onEpoch,
                              const StopToken &stop, const std::string &weightsPath, const DistributedLaunch &launch)
{
    if (c.epochs < 0 || c.epochs > 100000 || c.batchSize < 2 || c.batchSize > 65536 || !(c.lr > 0 && c.lr <= 100))
        throw Error::at("train config", "", "expected 0 <= epochs <= 100000, 2 <= batch <= 65536, 0 < lr <= 100");
    if (c.epochs == 0 && c.initFromCheckpoint.empty())
        throw Error::at("train config", "epochs",
                        "0 evaluates a supernet's weights of the architecture without training, so it needs a supernet to start from");
    try {
        detail::NoGradientSync single;
        TrainConfig mine = c;  // one GPU per process: "cuda" is this rank's LOCAL_RANK
        mine.compute.device = detail::rankDevice(c.compute.device, launch);
        std::unique_ptr<detail::GradientSync> group;
        if (launch.active()) {
            // What every rank must agree on before the first step (a difference is named, not a Gloo abort).
            const nlohmann::json signature = {{"architecture", arch.blocksString()}, {"space", space.name}, {"classes", space.numClasses},
                                              {"input", space.inputSize}, {"data", train.name}, {"train_images", train.size()},
                                              {"test_images", test.size()}, {"epochs", c.epochs}, {"batch_size", c.batchSize},
                                              {"lr", c.lr}, {"momentum", c.momentum}, {"weight_decay", c.weightDecay},
                                              {"augment", c.augment}, {"seed", c.seed}, {"sync_bn", c.syncBatchNorm},
                                              {"max_steps", c.maxStepsPerEpoch}, {"init", c.initFromCheckpoint.empty() ? "scratch" : "supernet"}};
            group = detail::joinProcessGroup(launch, detail::torchDevice(mine.compute), signature.dump());
        }
        return trainUnchecked(space, arch, train, test, mine, onEpoch, stop, weightsPath, group ? *group : single);
    } catch (const c10::Error &e) {
        // libtorch's message without its C++ stack (values that parse but torch refuses)
        throw Error::at("training " + (arch.name.empty() ? std::string("the architecture") : arch.name), "",
                        e.what_without_backtrace());
    }
}

namespace {

/** One training's state: the network on its device, its optimizer, the data order and the loader. */
struct Training
{
    const Dataset &train;
    const TrainConfig &c;
    detail::GradientSync &sync;
    Placement where;
    detail::LossScaler scaler;
    NetworkPlan plan;
    detail::Network net;
    torch::optim::SGD sgd;
    std::mt19937_64 rng;
    std::vector<std::size_t> idx;
    std::unique_ptr<detail::Batcher> stream;

    Training(const SearchSpace &space, const Architecture &arch, const Dataset &trainSet, const TrainConfig &config,
             detail::GradientSync &s, const Placement &p, const StopToken *stop)
        : train(trainSet), c(config), sync(s), where(p), scaler(p.precision), plan(resolve(space, arch)),
          net(placed(plan, space, arch, config, p)),
          sgd(net->parameters(), torch::optim::SGDOptions(config.lr).momentum(config.momentum).weight_decay(config.weightDecay)),
          rng(config.seed), idx(trainSet.size())
    {
        std::iota(idx.begin(), idx.end(), 0);
        if (train.streamed())
            stream = std::make_unique<detail::Batcher>(train, plan.inputChannels, 0, c.compute, where.device);
        if (stream)
            stream->setStop(stop);
    }

    /** The network of `plan` (from the supernet's weights when the config names a checkpoint), on its device, training. */
    static detail::Network placed(const NetworkPlan &plan, const SearchSpace &space, const Architecture &arch, const TrainConfig &c,
                                  const Placement &where)
    {
        detail::Network net(plan);
        if (!c.initFromCheckpoint.empty())
            initFromSupernet(*net, arch, c.initFromCheckpoint, space.searchesShapes());
        net->to(where.device);
        if (c.compute.channelsLast)
            detail::toChannelsLast(*net);
        net->train();
        return net;
    }

    /** Batch `b` of `order` (the loader's next one for folder data sets), on the device at the plan's resolution. */
    std::pair<torch::Tensor, torch::Tensor> batch(const std::vector<std::size_t> &order, std::size_t b, bool augment, bool withLabels)
    {
        const std::size_t bs = std::size_t(c.batchSize);
        torch::Tensor x, y;
        if (stream) {
            std::tie(x, y) = stream->next();
            x = where.put(x);
        } else {
            x = makeBatch(train, order, b * bs, bs, plan.inputChannels, augment, rng, where);
            if (withLabels)
                y = labels(train, order, b * bs, bs, where);
        }
        return {atResolution(x, plan.inputSize, where.format), y};
    }

    /**
     * The supernet's own weights of this architecture, no training step (how well the supernet
     * ranks architectures): the BN statistics are recalibrated first on training batches of this one
     * path (cumulative averages, no gradient). The supernet's were gathered on mixtures of every
     * candidate (soft masks) or on other paths; with them a single path scored chance on the default
     * search's argmax (10.0% on Fashion-MNIST).
     */
    void recalibrateBatchNorm(const StopToken &stop)
    {
        for (auto &m : net->modules(false))
            if (auto *bn = m->as<torch::nn::BatchNorm2dImpl>()) {
                bn->reset_running_stats();
                bn->options.momentum(c10::nullopt);
            }
        torch::NoGradGuard noGrad;
        const detail::AutocastScope autocast(where.precision);
        std::shuffle(idx.begin(), idx.end(), rng);
        const std::size_t batches = std::min(train.size() / std::size_t(c.batchSize),
                                             std::size_t(c.maxStepsPerEpoch > 0 ? c.maxStepsPerEpoch : 50));
        if (stream)
            stream->begin(idx, 0, batches * std::size_t(c.batchSize), std::size_t(c.batchSize), detail::Transform::Eval,
                          detail::passSeed(c.seed, 0, 2));
        try {
            for (std::size_t b = 0; b < batches && !stop.stopRequested(); ++b)
                net->forward(batch(idx, b, false, false).first);
        } catch (const detail::LoaderStopped &) {
            // stopped while waiting for images: the caller sees the stop
        }
    }

    struct EpochSums
    {
        double loss = 0, correct = 0, seen = 0;
        bool stopped = false;
    };

    /** One epoch of `steps` global batches; data-parallel: this rank's shard of each, sums over every rank. */
    EpochSums epoch(int e, std::size_t steps, const StopToken &stop, std::chrono::steady_clock::time_point t0)
    {
        const int world = sync.worldSize(), rank = sync.rank();
        const std::size_t bs = std::size_t(c.batchSize);
        for (auto &g : sgd.param_groups())
            static_cast<torch::optim::SGDOptions &>(g.options()).lr(0.5 * c.lr * (1 + std::cos(M_PI * e / c.epochs)));
        std::shuffle(idx.begin(), idx.end(), rng);
        // Data-parallel: global batch s is idx[s*bs*world ...]; this rank takes its shard of each.
        std::vector<std::size_t> shard;
        if (world > 1)
            for (std::size_t s = 0; s < steps; ++s)
                for (std::size_t i = 0; i < bs; ++i)
                    shard.push_back(idx[(s * std::size_t(world) + std::size_t(rank)) * bs + i]);
        const std::vector<std::size_t> &mine = world > 1 ? shard : idx;
        if (stream)  // folder data sets: random-resized crops and flips (or centre crops), decoded ahead
            stream->begin(mine, 0, steps * bs, bs, c.augment ? detail::Transform::Train : detail::Transform::Eval,
                          detail::passSeed(c.seed, e, 2 + 8 * rank));
        EpochSums sums;
        for (std::size_t s = 0; s < steps; ++s) {
            bool stopping = stop.stopRequested();
            if (world > 1) {  // every rank stops at the same step
                std::vector<double> v{stopping ? 1.0 : 0.0};
                sync.sum(v);
                stopping = v[0] > 0;
            }
            if (stopping) {
                sums.stopped = true;
                break;
            }
            torch::Tensor x, y;
            try {
                std::tie(x, y) = batch(mine, s, c.augment, true);
            } catch (const detail::LoaderStopped &) {
                sums.stopped = true;
                break;
            }
            sgd.zero_grad();
            torch::Tensor logits;
            {
                const detail::AutocastScope autocast(where.precision);
                const detail::SyncBatchNormScope syncBn(c.syncBatchNorm ? &sync : nullptr);
                logits = net->forward(x);
            }
            logits = logits.to(torch::kFloat);  // the loss in fp32 whatever the precision
            auto loss = torch::nn::functional::cross_entropy(logits, y);
            scaler.scale(loss).backward();
            std::vector<torch::Tensor> params = net->parameters();
            if (world > 1)
                sync.synchronize(params, detail::GradientSync::Step::Weights);
            if (scaler.unscale(params))  // fp16: an overflowed step is skipped
                sgd.step();
            sums.loss += loss.item<double>() * c.batchSize;
            sums.correct += logits.argmax(1).eq(y).sum().item<double>();
            sums.seen += c.batchSize;
            if (c.onStep)
                c.onStep(e, int(s), int(steps), sums.loss / sums.seen, sums.correct / sums.seen,
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        if (world > 1 && !sums.stopped) {
            std::vector<double> totals{sums.loss, sums.correct, sums.seen};
            sync.sum(totals);
            sums.loss = totals[0], sums.correct = totals[1], sums.seen = totals[2];
        }
        return sums;
    }
};

} // namespace

static TrainResult trainUnchecked(const SearchSpace &space, const Architecture &arch, const Dataset &train, const Dataset &test,
                                  const TrainConfig &c, const std::function<void(const TrainEpoch &)> &onEpoch,
                                  const StopToken &stop, const std::string &weightsPath, detail::GradientSync &sync)
{
    if (train.height != space.inputSize || test.height != space.inputSize)
        throw Error::at("data set " + train.name, "image size",
                        "expected " + std::to_string(space.inputSize) + "x" + std::to_string(space.inputSize));
    if (train.size() < std::size_t(c.batchSize) || test.size() == 0)
        throw Error::at("data set " + train.name, "size", "expected at least one training batch and a test split");
    const auto t0 = Clock::now();
    const torch::Device device = detail::torchDevice(c.compute);
    const Placement where{device, c.compute.channelsLast ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous,
                          detail::resolvePrecision(c.compute, device)};
    setComputeThreads(c.compute.threads);
    torch::manual_seed(c.seed);
    Training t(space, arch, train, c, sync, where, &stop);
    auto score = [&] { return evaluate(t.net, test, t.plan.inputChannels, 256, t.plan.inputSize, where, c.compute); };
    TrainResult result;
    if (c.epochs == 0) {
        t.recalibrateBatchNorm(stop);
        result.stopped = stop.stopRequested();
        result.testTop1 = score();
    }
    std::size_t steps = train.size() / (std::size_t(c.batchSize) * std::size_t(sync.worldSize()));  // global batches
    if (c.maxStepsPerEpoch > 0)
        steps = std::min(steps, std::size_t(c.maxStepsPerEpoch));
    for (int e = 0; e < c.epochs && !result.stopped; ++e) {
        const auto te = Clock::now();
        const Training::EpochSums sums = t.epoch(e, steps, stop, t0);
        result.stopped = sums.stopped;
        if (sums.seen == 0)
            break;
        TrainEpoch ep{e, sums.loss / sums.seen, sums.correct / sums.seen, score(), std::chrono::duration<double>(Clock::now() - te).count()};
        result.epochs.push_back(ep);
        result.testTop1 = ep.testAccuracy;
        if (onEpoch)
            onEpoch(ep);
    }
    if (!weightsPath.empty())
        detail::saveStateDict(detail::stateDictOf(*t.net), weightsPath);
    result.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return result;
}

std::vector<std::pair<std::string, std::vector<std::int64_t>>> readStateDictShapes(const std::string &path)
{
    std::vector<std::pair<std::string, std::vector<std::int64_t>>> out;
    for (const auto &item : detail::loadStateDict(path))
        out.emplace_back(item.key(), item.value().sizes().vec());
    return out;
}

} // namespace fbnet
