// Choosers: scoring an architecture by theta, the supernet, a zero-cost proxy or its size, and the
// rank statistics that measure them against a ground truth.
#include "fbnet/chooser.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <nlohmann/json.hpp>

#include "fbnet/error.h"
#include "compute/device.h"
#include "nn/zerocost.h"
#include "search/batcher.h"

namespace fbnet {

namespace {

struct ChooserName
{
    ChooserKind kind;
    const char *name;
};
constexpr ChooserName kNames[] = {{ChooserKind::Theta, "theta"},     {ChooserKind::Supernet, "supernet"}, {ChooserKind::Synflow, "synflow"},
                                  {ChooserKind::Naswot, "naswot"},   {ChooserKind::GradNorm, "gradnorm"}, {ChooserKind::Params, "params"},
                                  {ChooserKind::Macs, "macs"}};

/** theta's log-probability of the architecture's blocks (one logit row per layer). */
double thetaLogProbability(const SearchSpace &space, const std::vector<std::vector<double>> &theta, const Architecture &arch)
{
    const auto layers = space.layers();
    if (theta.size() != layers.size() || arch.blocks.size() != layers.size())
        throw Error::at("chooser theta", "theta", "expected one logit row per layer of " + space.name + " (" + std::to_string(layers.size())
                                                      + "), got " + std::to_string(theta.size()));
    double lp = 0;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const auto &row = theta[l];
        const auto &cands = layers[l].candidates;
        const auto at = std::find(cands.begin(), cands.end(), arch.blocks[l]);
        if (at == cands.end() || row.size() != cands.size())
            throw Error::at("chooser theta", "layer " + std::to_string(l), "block " + arch.blocks[l] + " is not a candidate of the search's theta");
        const double mx = *std::max_element(row.begin(), row.end());
        double z = 0;
        for (double v : row)
            z += std::exp(v - mx);
        lp += row[std::size_t(at - cands.begin())] - mx - std::log(z);
    }
    return lp;
}

/** One batch of `inputs.data` (a seeded draw), normalised as in training, on the CPU. */
std::pair<torch::Tensor, torch::Tensor> proxyBatch(const NetworkPlan &plan, const ChooserInputs &inputs)
{
    if (inputs.data.size() < 2)
        throw Error::at("chooser", "data", "the zero-cost proxies need at least 2 images, got " + std::to_string(inputs.data.size()));
    std::vector<std::size_t> order(inputs.data.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(inputs.seed);
    std::shuffle(order.begin(), order.end(), rng);
    const std::size_t n = std::min<std::size_t>(order.size(), std::size_t(std::max(2, inputs.batchSize)));
    ComputeOptions cpu;
    cpu.channelsLast = false;
    detail::Batcher batcher(inputs.data, plan.inputChannels, plan.inputSize, cpu);
    batcher.begin(order, 0, n, n, detail::Transform::Eval, detail::passSeed(inputs.seed, 0, 7));
    return batcher.next();
}

} // namespace

std::string toString(ChooserKind kind)
{
    for (const auto &n : kNames)
        if (n.kind == kind)
            return n.name;
    return "?";
}

ChooserKind chooserFromString(const std::string &name, const std::string &field)
{
    for (const auto &n : kNames)
        if (name == n.name)
            return n.kind;
    std::string all;
    for (const auto &n : kNames)
        all += std::string(all.empty() ? "" : ", ") + n.name;
    throw Error::at(field, name, "expected one of " + all);
}

std::vector<ChooserKind> allChoosers()
{
    std::vector<ChooserKind> out;
    for (const auto &n : kNames)
        out.push_back(n.kind);
    return out;
}

bool chooserNeedsSearch(ChooserKind kind)
{
    return kind == ChooserKind::Theta || kind == ChooserKind::Supernet;
}

double chooserScore(ChooserKind kind, const Architecture &arch, const ChooserInputs &in, const StopToken &stop)
{
    switch (kind) {
    case ChooserKind::Params:
        return double(computeCost(in.space, arch).params);
    case ChooserKind::Macs:
        return double(computeCost(in.space, arch).macs);
    case ChooserKind::Theta:
        if (in.theta.empty())
            throw Error::at("chooser theta", "", "needs a search run whose theta scores the architectures");
        return thetaLogProbability(in.space, in.theta, arch);
    case ChooserKind::Supernet: {
        if (in.checkpoint.empty())
            throw Error::at("chooser supernet", "", "needs a search run with a checkpoint (its supernet's weights)");
        TrainConfig c;
        c.epochs = 0;
        c.initFromCheckpoint = in.checkpoint;
        c.compute = in.compute;
        c.seed = in.seed;
        c.batchSize = in.batchSize;
        c.maxStepsPerEpoch = in.recalibrationBatches;
        return trainArchitecture(in.space, arch, in.data, in.heldOut, c, {}, stop).testTop1;
    }
    case ChooserKind::Synflow:
        return detail::synflowScore(resolve(in.space, arch), in.seed);
    case ChooserKind::Naswot: {
        const NetworkPlan plan = resolve(in.space, arch);
        return detail::naswotScore(plan, proxyBatch(plan, in).first, in.seed);
    }
    case ChooserKind::GradNorm: {
        const NetworkPlan plan = resolve(in.space, arch);
        const auto [x, y] = proxyBatch(plan, in);
        return detail::gradNormScore(plan, x, y, in.seed);
    }
    }
    throw Error::at("chooser", toString(kind), "not a chooser");
}

std::string chooserDetail(ChooserKind kind, const ChooserInputs &in)
{
    nlohmann::json j = {{"chooser", toString(kind)}};
    if (kind == ChooserKind::Supernet || kind == ChooserKind::Theta)
        j["search"] = in.source;
    if (kind == ChooserKind::Supernet) {
        j["recalibration_images"] = std::min<std::size_t>(in.data.size(), std::size_t(in.batchSize * in.recalibrationBatches));
        j["held_out_images"] = in.heldOut.size();
        j["dataset"] = in.data.name;
    }
    if (kind == ChooserKind::Naswot || kind == ChooserKind::GradNorm) {
        j["batch"] = in.batchSize;
        j["dataset"] = in.data.name;
    }
    if (kind == ChooserKind::Supernet || kind == ChooserKind::Synflow || kind == ChooserKind::Naswot || kind == ChooserKind::GradNorm)
        j["seed"] = in.seed;
    return j.dump();
}

double bandPrecisionAtK(const std::vector<double> &latency, const std::vector<double> &truth, const std::vector<double> &score,
                        int bands, int k)
{
    if (latency.size() != truth.size() || latency.size() != score.size())
        throw Error::at("rank statistics", "", "expected latencies, truths and scores of the same length");
    if (latency.empty() || bands < 1 || k < 1)
        return std::nan("");
    const auto [mn, mx] = std::minmax_element(latency.begin(), latency.end());
    const double width = (*mx - *mn) / bands;
    double sum = 0;
    int counted = 0;
    for (int band = 0; band < bands; ++band) {
        std::vector<std::size_t> in;
        for (std::size_t i = 0; i < latency.size(); ++i) {
            const int b = width > 0 ? std::min(bands - 1, int((latency[i] - *mn) / width)) : 0;
            if (b == band)
                in.push_back(i);
        }
        if (int(in.size()) <= k)
            continue;
        auto topBy = [&](const std::vector<double> &v) {
            std::vector<std::size_t> s = in;
            std::stable_sort(s.begin(), s.end(), [&](std::size_t a, std::size_t b) { return v[a] > v[b]; });
            s.resize(std::size_t(k));
            std::sort(s.begin(), s.end());
            return s;
        };
        const auto t = topBy(truth), c = topBy(score);
        std::vector<std::size_t> both;
        std::set_intersection(t.begin(), t.end(), c.begin(), c.end(), std::back_inserter(both));
        sum += double(both.size()) / k;
        ++counted;
    }
    return counted ? sum / counted : std::nan("");
}

} // namespace fbnet
