#include "space/shapeplan.h"

#include <algorithm>
#include <cmath>

#include "fbnet/error.h"

namespace fbnet::detail {

std::vector<DMaskingLayerPlan> dmaskingPlan(const SearchSpace &space)
{
    std::vector<DMaskingLayerPlan> out;
    for (const auto &l : space.layers()) {
        const StageSpec &st = space.stages[std::size_t(l.stage)];
        DMaskingLayerPlan p;
        p.layer = l;
        for (const auto &c : l.candidates)
            p.ops.push_back(space.block(c));
        p.widths = st.widthOptions.empty() ? std::vector<int>{st.channels} : st.widthOptions;
        std::sort(p.widths.begin(), p.widths.end());
        if (p.widths.back() != l.cout)
            throw Error::at("space " + space.name, "stages/" + std::to_string(l.stage) + "/width_options",
                            "the largest width option must equal the stage's channels (" + std::to_string(l.cout) + ")");
        const std::vector<double> ex = st.expansionOptions.empty() ? std::vector<double>{6.0} : st.expansionOptions;
        for (double e : ex)
            p.mids.push_back(roundWidth(e * l.cin, 8));
        std::sort(p.mids.begin(), p.mids.end());
        p.mids.erase(std::unique(p.mids.begin(), p.mids.end()), p.mids.end());
        out.push_back(p);
    }
    return out;
}

std::vector<int> dmaskingResolutions(const SearchSpace &space)
{
    return space.resolutions.empty() ? std::vector<int>{space.inputSize} : space.resolutions;
}

Architecture concreteArchitecture(const SearchSpace &space, const std::vector<DMaskingLayerPlan> &plan, const std::vector<int> &resolutions,
                                  const std::vector<std::size_t> &op, const std::vector<std::size_t> &width,
                                  const std::vector<std::size_t> &mid, std::size_t res)
{
    Architecture a;
    a.space = space.name;
    int cin = space.stemChannels;
    for (std::size_t l = 0; l < plan.size(); ++l) {
        const auto &p = plan[l];
        const BlockSpec &b = p.ops[op[l]];
        a.blocks.push_back(b.name);
        const int w = p.widths[width[l]];
        a.layerWidths.push_back(w);
        // The hidden width as the search masked it, as an expansion of the actual input width.
        a.layerExpansions.push_back(b.kind == BlockSpec::Kind::Skip ? 0.0 : double(p.mids[mid[l]]) / double(cin));
        cin = w;
    }
    if (resolutions.size() > 1 && resolutions[res] != space.inputSize)
        a.inputSize = resolutions[res];
    return a;
}

std::vector<double> logSoftmax(const std::vector<double> &logits)
{
    const double m = *std::max_element(logits.begin(), logits.end());
    double z = 0;
    for (double v : logits)
        z += std::exp(v - m);
    std::vector<double> out;
    for (double v : logits)
        out.push_back(v - m - std::log(z));
    return out;
}

ShapeLogProbs shapeLogProbs(const SearchSpace &space, const std::vector<DMaskingLayerPlan> &plan, std::size_t resolutions,
                            const std::vector<std::vector<double>> &logits)
{
    const std::size_t expected = (resolutions > 1 ? 1 : 0) + 3 * plan.size();
    if (logits.size() != expected)
        throw Error::at("space " + space.name, "theta",
                        "expected " + std::to_string(expected) + " logit vectors (resolution, then block, width and hidden width per layer), got "
                            + std::to_string(logits.size()));
    auto row = [&](std::size_t i, std::size_t size) {
        if (logits[i].size() != size)
            throw Error::at("space " + space.name, "theta/" + std::to_string(i),
                            "expected " + std::to_string(size) + " logits, got " + std::to_string(logits[i].size()));
        for (double v : logits[i])
            if (!std::isfinite(v))
                throw Error::at("space " + space.name, "theta/" + std::to_string(i), "holds a value that is not finite");
        return logSoftmax(logits[i]);
    };
    ShapeLogProbs lp;
    std::size_t i = 0;
    lp.res = resolutions > 1 ? row(i++, resolutions) : std::vector<double>{0.0};
    for (const auto &p : plan) {
        lp.op.push_back(row(i++, p.ops.size()));
        lp.width.push_back(row(i++, p.widths.size()));
        lp.mid.push_back(row(i++, p.mids.size()));
    }
    return lp;
}

} // namespace fbnet::detail
