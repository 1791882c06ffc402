#pragma once
// Shared by the FBNetV2 / DMasking tests: a space small enough to enumerate, and a data set a narrow
// network solves as well as a wide one.

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

#include "fbnet/dataset.h"
#include "fbnet/searchspace.h"

namespace fbnet::test {

// Two searchable layers with two blocks, two widths and two hidden widths each; resolutions 16 / 8.
inline SearchSpace tinyV2(const std::string &widths1 = "[8, 16]", const std::string &widths2 = "[16, 24]",
                          const std::string &resolutions = "[16, 8]", const std::string &candidates = R"(["ir_k3", "ir_k5_se"])")
{
    const std::string text = R"({
      "name": "tiny-v2", "input": {"size": 16, "channels": 3}, "num_classes": 4, "resolutions": )" + resolutions + R"(,
      "stem": {"channels": 8, "kernel": 3, "stride": 1, "activation": "hswish"},
      "stages": [{"channels": 16, "repeats": 1, "stride": 1, "width_options": )" + widths1 + R"(, "expansion_options": [1, 2]},
                 {"channels": 24, "repeats": 1, "stride": 2, "width_options": )" + widths2 + R"(, "expansion_options": [2, 4]}],
      "head": {"type": "ir_pool", "channels": 32, "expansion": 2},
      "candidates": )" + candidates + R"(,
      "blocks": {"ir_k3": {"type": "irf", "kernel": 3, "expansion": 1, "width_divisor": 8},
                 "ir_k5_se": {"type": "irf", "kernel": 5, "expansion": 1, "se": true, "hswish": true, "width_divisor": 8},
                 "skip": {"type": "skip"}}})";
    return SearchSpace::fromJsonText(text, "tiny-v2");
}

/** Labels are a function of the mean colour: a narrow network solves it as well as a wide one. */
inline Dataset colours(int n, std::uint64_t seed)
{
    Dataset d;
    d.name = "colours";
    d.channels = 3;
    d.height = d.width = 16;
    d.numClasses = 4;
    std::mt19937_64 rng(seed);
    for (int i = 0; i < n; ++i) {
        const int cls = i % 4;
        d.labels.push_back(cls);
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < 256; ++p)
                d.pixels.push_back(std::uint8_t(std::clamp(40 + 60 * cls + int(rng() % 30), 0, 255)));
    }
    d.mean = {0.5f, 0.5f, 0.5f};
    d.std = {0.3f, 0.3f, 0.3f};
    return d;
}

} // namespace fbnet::test
