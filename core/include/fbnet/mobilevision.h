#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/searchspace.h"

namespace fbnet {

/**
 * The architecture as mobile-vision's FBNet `arch_def` (mobile_cv/arch/fbnet_v2), as JSON:
 * {"input_size": N, "blocks": [[[op, c, s, n, {kwargs}], ...], ...]} with one list per stage,
 * the stem (`conv_k3`) first and the head (`conv_k1`) last, so that
 * `FBNetBuilder(...).build_blocks(unify_arch_def(arch_def))` gives the network we mean:
 * - our blocks keep their first 1x1 conv at expansion 1 (the paper's block), so those get
 *   `"always_pw": true` (mobile-vision drops it otherwise);
 * - group-2 blocks are `ir_kK_g2` with `"pwl_groups": 2` (as mobile-vision's fbnet_a);
 * - the stem and head convolutions get `"bias": false` (ours have none; mobile-vision's
 *   conv_k3 / conv_k1 are nn.Conv2d with its default bias otherwise);
 * - the double-depthwise `k33_e6` is written as `ir_k3_sep`, the FBNet v1 builder's name:
 *   fbnet_v2's block factory has no such block, so such networks do not build there;
 * - mobile-vision's classifier is outside the arch_def; "num_classes" is recorded beside it.
 * FBNetV2 networks (SE, h-swish, ir_pool head) are refused with fbnet::Error: not supported yet.
 */
std::string toMobileVisionArchDef(const SearchSpace &space, const Architecture &arch, int indent = 2);

/**
 * The inverse: reads an arch_def (this JSON shape) as an architecture of `space`. Stem, head,
 * stage widths and strides must match the space (or give the overrides our Architecture
 * supports); every error names the source and the JSON path of the bad field.
 */
Architecture fromMobileVisionArchDef(const SearchSpace &space, const std::string &text, const std::string &source);

/**
 * Our module paths and mobile-vision's for the same modules, in the model that
 * mobile_cv.model_zoo.models.fbnet_v2.FBNet(arch_def, num_classes) builds from the arch_def above:
 * stem -> backbone.stages.xif0_0 (conv, bn); layer i -> backbone.stages.xif{stage}_{block}
 * (pw/dw/pwl -> pw.conv/dw.conv/pwl.conv, pw_bn/... -> pw.bn/..., a projecting skip's conv/bn ->
 * conv.conv/conv.bn); head -> the last stage's xif{S}_0; fc -> head.conv (ClsConvHead: average
 * pool, 1x1 conv with bias). fbnet::Error for networks mobile-vision cannot build the same way
 * (FBNetV2 networks, the double-depthwise block, a hidden width other than int(Cin * e)).
 */
std::vector<std::pair<std::string, std::string>> mobileVisionModuleNames(const SearchSpace &space, const Architecture &arch);

struct MobileVisionWeightsSummary
{
    std::size_t tensors = 0;   ///< entries of the written state dict
    std::int64_t values = 0;   ///< numbers in them (BN statistics and counters included)
    int numClasses = 0;
    int inputSize = 0;
};

/**
 * Reads `weightsPath` (fbnet train --weights; checked strictly against the architecture, errors
 * name the file and the key) and writes the same tensors to `outPath` under mobile-vision's names
 * (mobileVisionModuleNames; the classifier's [classes, C] weight as the 1x1 conv's
 * [classes, C, 1, 1]) in torch.save's format, atomically, so that
 * `FBNet(arch_def, num_classes).load_state_dict(torch.load(outPath), strict=True)` takes them.
 */
MobileVisionWeightsSummary exportMobileVisionWeights(const SearchSpace &space, const Architecture &arch, const std::string &weightsPath,
                                                     const std::string &outPath);

/** true if `text` looks like an arch_def (has "blocks" as a list of lists). */
bool isMobileVisionArchDef(const std::string &text);

} // namespace fbnet
