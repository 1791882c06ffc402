#pragma once

#include <string>

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
 * - the double-depthwise `k33_e6` is mobile-vision's `ir_k3_sep`;
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

/** true if `text` looks like an arch_def (has "blocks" as a list of lists). */
bool isMobileVisionArchDef(const std::string &text);

} // namespace fbnet
