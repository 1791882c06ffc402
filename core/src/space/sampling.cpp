#include "fbnet/sampling.h"

#include <algorithm>
#include <cmath>

#include "fbnet/error.h"
#include "space/shapeplan.h"

namespace fbnet {

namespace {

/** An index drawn with probabilities exp(logProbs), its log-probability added to `lp`. */
std::size_t draw(const std::vector<double> &logProbs, std::mt19937_64 &rng, double *lp)
{
    std::vector<double> p;
    for (double v : logProbs)
        p.push_back(std::exp(v));
    std::discrete_distribution<std::size_t> d(p.begin(), p.end());
    const std::size_t k = d(rng);
    if (lp)
        *lp += std::max(logProbs[k], std::log(1e-300));
    return k;
}

DrawnArchitecture sampleShapes(const SearchSpace &space, const std::vector<std::vector<double>> &theta, std::mt19937_64 &rng)
{
    const auto plan = detail::dmaskingPlan(space);
    const auto resolutions = detail::dmaskingResolutions(space);
    const auto lp = detail::shapeLogProbs(space, plan, resolutions.size(), theta);
    DrawnArchitecture out;
    const std::size_t res = resolutions.size() > 1 ? draw(lp.res, rng, &out.logProbability) : 0;
    std::vector<std::size_t> op, width, mid;
    for (std::size_t l = 0; l < plan.size(); ++l) {
        op.push_back(draw(lp.op[l], rng, &out.logProbability));
        width.push_back(draw(lp.width[l], rng, &out.logProbability));
        const bool skip = plan[l].ops[op.back()].kind == BlockSpec::Kind::Skip;
        mid.push_back(draw(lp.mid[l], rng, skip ? nullptr : &out.logProbability));
    }
    out.architecture = detail::concreteArchitecture(space, plan, resolutions, op, width, mid, res);
    return out;
}

DrawnArchitecture sampleBlocks(const SearchSpace &space, const std::vector<std::vector<double>> &theta, std::mt19937_64 &rng)
{
    const auto layers = space.layers();
    if (theta.size() != layers.size())
        throw Error::at("space " + space.name, "theta",
                        "expected " + std::to_string(layers.size()) + " logit vectors (one per layer), got " + std::to_string(theta.size()));
    DrawnArchitecture out;
    out.architecture.space = space.name;
    for (std::size_t l = 0; l < layers.size(); ++l) {
        const auto &row = theta[l];
        if (row.size() != layers[l].candidates.size())
            throw Error::at("space " + space.name, "theta/" + std::to_string(l),
                            "expected " + std::to_string(layers[l].candidates.size()) + " logits (the layer's candidates), got "
                                + std::to_string(row.size()));
        if (!std::all_of(row.begin(), row.end(), [](double v) { return std::isfinite(v); }))
            throw Error::at("space " + space.name, "theta/" + std::to_string(l), "holds a value that is not finite");
        out.architecture.blocks.push_back(layers[l].candidates[draw(detail::logSoftmax(row), rng, &out.logProbability)]);
    }
    return out;
}

} // namespace

DrawnArchitecture sampleFromTheta(const SearchSpace &space, const std::vector<std::vector<double>> &theta, std::mt19937_64 &rng)
{
    return space.searchesShapes() ? sampleShapes(space, theta, rng) : sampleBlocks(space, theta, rng);
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

} // namespace fbnet
