#include "search/searchphase.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <tuple>

#include "fbnet/error.h"
#include "nn/syncbatchnorm.h"
#include "search/loss.h"
#include "search/supernet.h"

namespace fbnet::detail {

namespace {

/**
 * The Gumbel-noise keys of one step (SearchConfig::syncBatchNorm): per sample, a hash of the pass
 * and the sample's position in the pass's order of global batches, which is the same whether one
 * process takes the whole global batch or `world` processes a shard each; in hard mode one key
 * per step. Below 2^32 (keyedGumbelNoise).
 */
torch::Tensor noiseKeys(std::uint64_t pass, MaskMode mode, int step, int world, int rank, std::size_t bs, const torch::Device &device)
{
    auto mix = [pass](std::uint64_t position) {
        std::uint64_t z = pass + 0x9e3779b97f4a7c15ull * (position + 1);  // splitmix64
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return std::int64_t((z ^ (z >> 31)) & 0xffffffffull);
    };
    std::vector<std::int64_t> keys;
    if (mode == MaskMode::Hard) {
        keys.push_back(mix(std::uint64_t(step)));
    } else {
        const std::uint64_t first = (std::uint64_t(step) * std::uint64_t(world) + std::uint64_t(rank)) * bs;
        for (std::size_t i = 0; i < bs; ++i)
            keys.push_back(mix(first + i));
    }
    return torch::tensor(keys, torch::kLong).to(device);
}


void setRequiresGrad(const std::vector<torch::Tensor> &params, bool on)
{
    for (auto p : params)
        p.set_requires_grad(on);
}

[[noreturn]] void nonFiniteLoss(double l, int epoch, int step, Phase phase, std::size_t epochsKept)
{
    throw Error::at("search", "loss",
                    "became " + std::to_string(l) + " at epoch " + std::to_string(epoch) + ", step " + std::to_string(step) + " of the "
                        + (phase == Phase::Weights ? "weight" : "theta")
                        + " phase (a learning rate, alpha or beta, or the latency table's values too large?). "
                          "Stopped before the update: the run keeps its checkpoint of epoch "
                        + std::to_string(epochsKept));
}

/** Family search: each sample's target ([N] soft, [1] hard) and the step's E[latency] per target. */
struct FamilyStep
{
    int members = 0;            ///< 0: not a family search
    torch::Tensor softTargets;  ///< [batch]: sample n serves target n mod members

    FamilyStep(const SearchConfig &config, torch::Device device) : members(int(config.targets.size()))
    {
        if (members == 0)
            return;
        std::vector<float> t;
        for (int i = 0; i < config.batchSize; ++i)
            t.push_back(float(config.targets[std::size_t(i % members)]));
        softTargets = torch::tensor(t).to(device);
    }
    /** The targets of this step's samples (undefined: not a family); a hard step serves member `member`. */
    torch::Tensor targets(const SearchConfig &config, int member) const
    {
        if (members == 0)
            return {};
        if (config.mode == MaskMode::Soft)
            return softTargets;
        return torch::full({1}, config.targets[std::size_t(member)], softTargets.options());
    }
    /** From the step's latencies already on the host (`v`: `count` of them). */
    std::vector<double> latencyPerMember(const double *v, int64_t count_, const SearchConfig &config, int member) const
    {
        std::vector<double> out;
        if (members == 0)
            return out;
        out.assign(std::size_t(members), std::nan(""));
        if (config.mode == MaskMode::Hard) {
            out[std::size_t(member)] = v[0];
            return out;
        }
        std::vector<double> sum(std::size_t(members), 0), count(std::size_t(members), 0);
        for (int64_t n = 0; n < count_; ++n) {
            sum[std::size_t(n % members)] += v[n];
            count[std::size_t(n % members)] += 1;
        }
        for (std::size_t m = 0; m < out.size(); ++m)
            if (count[m] > 0)
                out[m] = sum[m] / count[m];
        return out;
    }
};

/** The phase's samples handed to the loader from step `first` on; data-parallel: this rank's shard of each global batch. */
void beginPhaseData(PhaseContext &ctx, const std::vector<std::size_t> &order, Phase phase, int epoch, int steps, std::size_t first)
{
    const SearchConfig &config = ctx.config;
    const std::size_t bs = std::size_t(config.batchSize);
    const int world = ctx.sync.worldSize();
    if (world > 1) {
        // Data-parallel: step s takes global batch s (bs x world samples), this rank its shard of it.
        std::vector<std::size_t> &mine = ctx.shard;
        mine.clear();
        for (std::size_t s = 0; s < std::size_t(steps); ++s)
            for (std::size_t i = 0; i < bs; ++i)
                mine.push_back(order[(s * std::size_t(world) + std::size_t(ctx.sync.rank())) * bs + i]);
        ctx.batcher.begin(mine, first * bs, mine.size(), bs, Transform::Train, passSeed(config.seed, epoch, int(phase)));
    } else {
        ctx.batcher.begin(order, first * bs, std::size_t(steps) * bs, bs, Transform::Train, passSeed(config.seed, epoch, int(phase)));
    }
}

/** A step's timing and progress (throughput, time waiting for data, elapsed, ETA), then the observer's onStep. */
void finishStepStats(PhaseContext &ctx, StepStats &st, Clock::time_point started, double waitedBefore)
{
    const auto &pr = ctx.progress;
    st.imagesPerSecond = ctx.config.batchSize / std::max(1e-9, secondsSince(started));
    st.dataWaitSeconds = ctx.batcher.waitSeconds() - waitedBefore;
    st.elapsedSeconds = secondsSince(pr.start);
    st.etaSeconds = st.elapsedSeconds / (pr.doneSteps - pr.resumedSteps) * (pr.totalSteps - pr.doneSteps);
    st.doneSteps = int(pr.doneSteps);
    st.totalSteps = int(pr.totalSteps);
    ctx.observer.onStep(st);
}

/** splitmix64: a counter-based hash, so a path depends only on (seed, layer, step), never on where a run resumed. */
std::uint64_t mix(std::uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

} // namespace

std::vector<int64_t> weightStepPath(WeightSampling sampling, std::uint64_t seed, std::int64_t g, const std::vector<int64_t> &counts)
{
    std::vector<int64_t> path;
    for (std::size_t l = 0; l < counts.size(); ++l) {
        const auto k = std::uint64_t(counts[l]);
        const std::uint64_t key = mix(seed ^ mix(std::uint64_t(l) + 1));
        if (sampling == WeightSampling::Uniform) {
            path.push_back(int64_t(mix(key ^ std::uint64_t(g)) % k));
            continue;
        }
        std::vector<int64_t> cycle(k);
        std::iota(cycle.begin(), cycle.end(), 0);
        std::mt19937_64 rng(mix(key ^ (std::uint64_t(g) / k)));
        std::shuffle(cycle.begin(), cycle.end(), rng);
        path.push_back(cycle[std::uint64_t(g) % k]);
    }
    return path;
}


PhaseResult runPhase(PhaseContext &ctx, Phase phase, int epoch, double tau, int steps, const PhasePosition &from)
{
    SearchState &s = ctx.state;
    const SearchConfig &config = ctx.config;
    const bool here = from.active && from.epoch == epoch && from.phase == phase;
    const bool w = phase == Phase::Weights;
    auto &order = w ? s.weightOrder : s.thetaOrder;
    auto &params = w ? s.weights : s.thetas;
    if (!here)
        std::shuffle(order.begin(), order.end(), s.rng);
    setRequiresGrad(s.weights, w);
    setRequiresGrad(s.thetas, !w);
    s.net->train();
    double lossSum = here ? from.lossSum : 0, correct = here ? from.correct : 0, seen = here ? from.seen : 0;
    PhaseResult r;
    const std::size_t bs = std::size_t(config.batchSize), first = here ? std::size_t(from.step) : 0;
    const int world = ctx.sync.worldSize();
    beginPhaseData(ctx, order, phase, epoch, steps, first);
    ctx.batcher.setStop(&ctx.stop);
    const FamilyStep family(config, s.device);
    for (int step = int(first); step < steps; ++step) {
        bool go = ctx.stop.checkpoint();
        if (world > 1) {  // every rank stops at the same step, or the others would wait in the all-reduce
            std::vector<double> stops{go ? 0.0 : 1.0};
            ctx.sync.sum(stops);
            go = stops[0] == 0;
        }
        if (!go) {
            r.stopped = true;
            r.stopAt = {true, epoch, phase, step, lossSum, correct, seen, 0, 0};
            break;
        }
        const auto ts = Clock::now();
        const double waitedBefore = ctx.batcher.waitSeconds();
        torch::Tensor x, y;
        try {
            std::tie(x, y) = ctx.batcher.next();
        } catch (const LoaderStopped &) {
            r.stopped = true;  // a stop while waiting for images, even for a read that never returns
            r.stopAt = {true, epoch, phase, step, lossSum, correct, seen, 0, 0};
            break;
        } catch (const Error &e) {
            r.stopped = true;
            r.stopAt = {true, epoch, phase, step, lossSum, correct, seen, 0, 0};
            r.dataError = e.what();
            break;
        }
        // A hard-mode family step serves one target, in turn (every target gets the same share of
        // weight and theta steps; the order is fixed, so a resume continues it).
        const int member = family.members > 0 ? (epoch * steps + step) % family.members : 0;
        s.net->setMember(member);
        if (config.syncBatchNorm)  // noise keyed by each sample's place in the global batch (or by the step, hard)
            s.net->setNoiseKeys(noiseKeys(passSeed(config.seed, epoch, int(phase)), config.mode, step, world, ctx.sync.rank(), bs, s.device));
        if (w && config.mode == MaskMode::Hard && config.weightSampling != WeightSampling::Theta)
            s.net->setPath(weightStepPath(config.weightSampling, config.seed, std::int64_t(epoch) * steps + step, s.net->choiceCounts()));
        else
            s.net->setPath({});
        SupernetOutput out;
        {
            const AutocastScope autocast(s.precision);
            const SyncBatchNormScope syncBn(config.syncBatchNorm ? &ctx.sync : nullptr);
            out = s.net->forward(x, tau, config.mode);
        }
        out.logits = out.logits.to(torch::kFloat);  // the loss in fp32 whatever the precision
        auto terms = latencyAwareLoss(out.logits, y, out.latencyMs, config, family.targets(config, member));
        // The step's numbers in one read from the device: on a GPU the only host synchronisation
        // of a step (fp16's overflow check aside); the finite check needs it before any update.
        const auto numbers = torch::cat({torch::stack({terms.loss.detach(), out.logits.argmax(1).eq(y).sum().to(torch::kFloat),
                                                       terms.crossEntropy.detach()})
                                             .to(torch::kDouble),
                                         out.latencyMs.detach().flatten().to(torch::kDouble)})
                                 .to(torch::kCPU);
        const double *v = numbers.data_ptr<double>();
        const int64_t latencies = numbers.numel() - 3;
        const double l = v[0];
        if (!std::isfinite(l))
            nonFiniteLoss(l, epoch, step, phase, s.epochs.size());
        // Undefined (not zero) gradients: SGD then leaves the candidates this step did not sample
        // alone, instead of moving them by stale momentum and weight decay.
        for (auto &p : params)
            p.mutable_grad().reset();
        s.scaler.scale(terms.loss).backward();
        const auto tsync = Clock::now();
        ctx.sync.synchronize(params, w ? detail::GradientSync::Step::Weights : detail::GradientSync::Step::Theta);
        ctx.progress.syncSeconds += secondsSince(tsync);
        // fp16: an overflowed step is skipped (same sums on every rank, so the same decision)
        if (s.scaler.unscale(params)) {
            if (w)
                s.sgd.step();
            else
                s.adam.step();
        }
        const double batchCorrect = v[1];
        lossSum += l * config.batchSize;
        correct += batchCorrect;
        seen += config.batchSize;
        ctx.progress.doneSteps += 1;
        StepStats st;
        st.epoch = epoch;
        st.step = step;
        st.stepsInPhase = steps;
        st.phase = phase;
        st.loss = l;
        st.crossEntropy = v[2];
        st.accuracy = batchCorrect / config.batchSize;
        st.expectedLatencyMs = std::accumulate(v + 3, v + 3 + latencies, 0.0) / double(std::max<int64_t>(1, latencies));
        st.familyLatencyMs = family.latencyPerMember(v + 3, latencies, config, member);
        st.temperature = tau;
        finishStepStats(ctx, st, ts, waitedBefore);
    }
    setRequiresGrad(s.weights, true);
    setRequiresGrad(s.thetas, true);
    if (world > 1 && !r.stopped) {  // the epoch's means over every rank's samples
        std::vector<double> totals{lossSum, correct, seen};
        ctx.sync.sum(totals);
        lossSum = totals[0], correct = totals[1], seen = totals[2];
    }
    r.loss = seen > 0 ? lossSum / seen : 0;
    r.accuracy = seen > 0 ? correct / seen : 0;
    return r;
}

} // namespace fbnet::detail
