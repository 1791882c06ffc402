#include "fbnet/convergence.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fbnet {

double layerConfidence(const std::vector<double> &p)
{
    return p.empty() ? 0.0 : *std::max_element(p.begin(), p.end()) * double(p.size());
}

namespace {

std::string format(const char *fmt, double a, double b = 0, double c = 0)
{
    char buf[512];
    std::snprintf(buf, sizeof buf, fmt, a, b, c);
    return buf;
}

} // namespace

std::string ThetaConvergence::summary() const
{
    if (confidence.empty())
        return "no θ to assess";
    const auto [lo, hi] = std::minmax_element(confidence.begin(), confidence.end());
    std::string s = format("θ's argmax is %.2fx as probable as a uniform choice on average (layers %.2fx-%.2fx)", meanConfidence, *lo, *hi);
    if (skippableLayers > 0)
        s += "; " + std::to_string(skipLayers) + " of " + std::to_string(layers) + " layers skip";
    return s;
}

ThetaConvergence assessConvergence(const SearchSpace &space, const std::vector<std::vector<double>> &probabilities,
                                   double expectedMs, double argmaxMs, const std::string &unit)
{
    ThetaConvergence c;
    c.expectedMs = expectedMs;
    c.argmaxMs = argmaxMs;
    const auto layers = space.layers();
    if (probabilities.empty() || probabilities.size() != layers.size())
        return c;
    c.layers = int(layers.size());
    double sum = 0;
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const auto &p = probabilities[i];
        if (p.empty() || p.size() != layers[i].candidates.size())
            return ThetaConvergence{};  // not this space's θ: say nothing rather than something wrong
        const std::size_t best = std::size_t(std::max_element(p.begin(), p.end()) - p.begin());
        c.confidence.push_back(layerConfidence(p));
        sum += c.confidence.back();
        bool offersSkip = false;
        for (const auto &name : layers[i].candidates)
            offersSkip = offersSkip || (space.hasBlock(name) && space.block(name).kind == BlockSpec::Kind::Skip);
        c.skippableLayers += offersSkip;
        c.skipLayers += space.hasBlock(layers[i].candidates[best]) && space.block(layers[i].candidates[best]).kind == BlockSpec::Kind::Skip;
    }
    c.meanConfidence = sum / double(c.confidence.size());
    if (c.meanConfidence < kBarelyMovedConfidence)
        c.warnings.push_back(format("θ barely moved: its argmax is on average %.2fx as probable as a uniform choice, so the chosen "
                                    "architecture is close to a tie-break; train θ longer (more epochs after the warm-up), raise "
                                    "the θ learning rate or anneal the temperature further",
                                    c.meanConfidence));
    if (c.skipLayers >= 3 && 2 * c.skipLayers > c.skippableLayers)
        c.warnings.push_back(std::to_string(c.skipLayers) + " of the " + std::to_string(c.skippableLayers) +
                             " layers that may skip chose skip: θ collapsed towards the cheapest blocks; weaken the latency "
                             "term (smaller alpha or beta), give a looser target, or warm the weights up longer before θ trains");
    if (expectedMs > 0 && argmaxMs > 0 && std::fabs(argmaxMs / expectedMs - 1) > kLatencyGap) {
        char buf[320];
        std::snprintf(buf, sizeof buf,
                      "the argmax costs %.3g %s where θ expects %.3g %s: θ is still spread over blocks of very different cost, "
                      "so the architecture handed back is not the one θ trained towards; train θ longer or lower the final temperature",
                      argmaxMs, unit.c_str(), expectedMs, unit.c_str());
        c.warnings.push_back(buf);
    }
    return c;
}

ThetaConvergence assessConvergence(const SearchSpace &space, const EpochStats &last, const std::string &unit)
{
    if (!last.thetaTrained || space.searchesShapes())
        return {};  // FBNetV2's θ are masks over widths, not a distribution of blocks: no verdict
    if (last.family.empty())
        return assessConvergence(space, last.probabilities, last.expectedLatencyMs, last.argmaxLatencyMs, unit);
    ThetaConvergence worst;
    bool first = true;
    for (const auto &f : last.family) {
        // A family member is judged on its pick's band, not the plain argmax: only confidence and skip apply.
        ThetaConvergence c = assessConvergence(space, f.probabilities, 0, 0, unit);
        if (first || c.meanConfidence < worst.meanConfidence)
            worst = std::move(c);
        first = false;
    }
    return worst;
}

} // namespace fbnet
