#pragma once
// Private (torch): the few libtorch C++ API differences between Debian's 1.13 (the default and CI
// build) and PyTorch 2.x (the GPU build, docs/gpu.md), in one place.

#include <string>
#include <variant>

#include <torch/optim/optimizer.h>
#include <torch/version.h>

#if TORCH_VERSION_MAJOR >= 2
#define FBNET_TORCH2 1
#else
#define FBNET_TORCH2 0
#endif

namespace fbnet::detail {

/** The optimizer state key of a parameter (1.13: its TensorImpl address as a string; 2.x: the address). */
inline auto optimizerStateKey(const torch::Tensor &p)
{
#if FBNET_TORCH2
    return static_cast<void *>(p.unsafeGetTensorImpl());
#else
    return c10::guts::to_string(p.unsafeGetTensorImpl());
#endif
}

/** A pointer to the alternative T of a torch options variant (c10::variant in 1.13, std::variant in 2.x), or null. */
template <typename T, typename Variant>
const T *variantIf(const Variant &v)
{
#if FBNET_TORCH2
    return std::get_if<T>(&v);
#else
    return c10::get_if<T>(&v);
#endif
}

} // namespace fbnet::detail
