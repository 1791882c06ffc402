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
 * {"input_size": N, "basic_args": {...}, "blocks": [[[op, c, s, n, {kwargs}], ...], ...]} with one
 * list per stage, the stem first and the head last, so that
 * `FBNetBuilder(...).build_blocks(unify_arch_def(arch_def))` gives the network we mean:
 * - our FBNet blocks keep their first 1x1 conv at expansion 1 (the paper's block), so those get
 *   `"always_pw": true` (mobile-vision drops it otherwise);
 * - group-2 blocks are `ir_kK_g2` with `"pwl_groups": 2` (as mobile-vision's fbnet_a);
 * - the stem and head convolutions get `"bias": false` (ours have none; mobile-vision's
 *   conv_kK / conv_kK_hs are nn.Conv2d with its default bias otherwise);
 * - FBNetV2 networks: `"width_divisor": 8` in basic_args (hidden widths rounded as ours), per-layer
 *   widths and expansions, `conv_k3_hs`, `ir_kK[_sehsig][_hs]`, the `ir_pool_hs` head; an SE block
 *   with h-swish is `ir_kK_hs` with `se_args` naming a ReLU inside the squeeze-excite (ours; the
 *   `_sehsig_hs` op would use the block's h-swish there);
 * - every hidden and squeeze width is checked against mobile-vision's rounding (get_divisible_by);
 * - the double-depthwise `k33_e6` is written as `ir_k3_sep`, the FBNet v1 builder's name:
 *   fbnet_v2's block factory has no such block, so such networks do not build there;
 * - mobile-vision's classifier is outside the arch_def; "num_classes" is recorded beside it.
 * fbnet::Error for what mobile-vision would build differently (a width, a g2 block with SE).
 */
std::string toMobileVisionArchDef(const SearchSpace &space, const Architecture &arch, int indent = 2);

/**
 * The inverse, for FBNet spaces (FBNetV2 arch_defs are refused): reads an arch_def (this JSON shape) as an architecture of `space`. Stem, head,
 * stage widths and strides must match the space (or give the overrides our Architecture
 * supports); every error names the source and the JSON path of the bad field.
 */
Architecture fromMobileVisionArchDef(const SearchSpace &space, const std::string &text, const std::string &source);

/**
 * Our module paths and mobile-vision's for the same modules, in the model that
 * mobile_cv.model_zoo.models.fbnet_v2.FBNet(arch_def, num_classes) builds from the arch_def above:
 * stem -> backbone.stages.xif0_0 (conv, bn); layer i -> backbone.stages.xif{stage}_{block}
 * (pw/dw/pwl -> pw.conv/dw.conv/pwl.conv, pw_bn/... -> pw.bn/..., se.reduce/se.expand ->
 * se.se.0.conv/se.se.1, a projecting skip's conv/bn -> conv.conv/conv.bn); head -> the last
 * stage's xif{S}_0 (ir_pool: pw.conv, pw.bn, pwl.conv); fc -> head.conv (ClsConvHead: average
 * pool, 1x1 conv with bias). fbnet::Error for networks mobile-vision cannot build the same way
 * (toMobileVisionArchDef's refusals, and the double-depthwise block).
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
