#pragma once
// Networks with random weights for the export tests (torch test files only).

#include <filesystem>
#include <string>

#include <torch/torch.h>

#include "nn/statedict.h"
#include "fbnet/architecture.h"
#include "nn/network.h"

namespace fbnet::test {

/**
 * Writes weights of `arch` with every parameter and BN statistic random (BN at its initial
 * statistics would hide a wrong fold or a misplaced BN) to dir/<name>-<seed>.pt; returns the path.
 */
inline std::string randomWeights(const SearchSpace &space, const Architecture &arch, const std::filesystem::path &dir, int seed)
{
    torch::manual_seed(seed);
    fbnet::detail::Network net(resolve(space, arch));
    torch::NoGradGuard ng;
    for (auto &p : net->named_parameters())
        p.value().normal_(0, p.key().find("bn") != std::string::npos ? 0.5 : 0.2).add_(p.key().find("bn.weight") != std::string::npos ? 1.0 : 0.0);
    for (auto &b : net->named_buffers()) {
        if (b.key().find("running_mean") != std::string::npos)
            b.value().normal_(0, 0.1);
        else if (b.key().find("running_var") != std::string::npos)
            b.value().uniform_(0.5, 2.0);
    }
    const std::string path = (dir / (arch.name + "-" + std::to_string(seed) + ".pt")).string();
    fbnet::detail::saveStateDict(fbnet::detail::stateDictOf(*net), path);
    return path;
}

} // namespace fbnet::test
