// Trained weights under mobile-vision's module names (the renaming itself is mobilevision.cpp's).
#include "fbnet/mobilevision.h"

#include "fbnet/error.h"
#include "nn/network.h"
#include "nn/statedict.h"

namespace fbnet {

MobileVisionWeightsSummary exportMobileVisionWeights(const SearchSpace &space, const Architecture &arch, const std::string &weightsPath,
                                                     const std::string &outPath)
{
    const auto names = mobileVisionModuleNames(space, arch);
    const NetworkPlan plan = resolve(space, arch);
    detail::Network net(plan);
    detail::loadIntoModule(*net, detail::loadStateDict(weightsPath), weightsPath);  // strict: every key, every shape
    MobileVisionWeightsSummary sum;
    sum.numClasses = plan.numClasses;
    sum.inputSize = plan.inputSize;
    detail::StateDict out;
    for (const auto &item : detail::stateDictOf(*net)) {
        const std::string &key = item.key();
        const std::pair<std::string, std::string> *match = nullptr;
        for (const auto &n : names)
            if (key.size() > n.first.size() && key.compare(0, n.first.size(), n.first) == 0 && key[n.first.size()] == '.')
                match = &n;
        if (!match)
            throw Error::at(weightsPath, key, "has no counterpart in mobile-vision's model of this architecture");
        torch::Tensor t = item.value();
        if (match->first == "fc" && t.dim() == 2)
            t = t.reshape({t.size(0), t.size(1), 1, 1}).contiguous();
        const std::string theirs = match->second + key.substr(match->first.size());
        if (out.contains(theirs))
            throw Error::at(weightsPath, key, "maps to " + theirs + " twice (please report this with the architecture)");
        out.insert(theirs, t);
        ++sum.tensors;
        sum.values += t.numel();
    }
    detail::saveStateDict(out, outPath);
    return sum;
}

} // namespace fbnet
