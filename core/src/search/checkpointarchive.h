#pragma once
// Private (torch): reading a search checkpoint's libtorch archive after its checksum is verified.

#include <optional>
#include <string>

#include <torch/serialize.h>

namespace fbnet {

/** Loads the archive of the checkpoint at `path` (its tensors onto `device`, default the CPU); fbnet::Error naming the file if it is damaged or not one. */
void loadCheckpointArchive(torch::serialize::InputArchive &a, const std::string &path,
                           std::optional<torch::Device> device = std::nullopt);

} // namespace fbnet
