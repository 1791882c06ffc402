#pragma once
// State dicts (name -> tensor) on disk: torch::pickle_save's format, which Python's torch.load reads.

#include <string>
#include <vector>

#include <torch/torch.h>

namespace fbnet::detail {

using StateDict = c10::Dict<std::string, torch::Tensor>;

/** Every parameter and buffer of `module`, detached CPU copies, keyed by their module path. */
StateDict stateDictOf(torch::nn::Module &module);

/** Writes `dict` to `path` atomically (a temporary beside it, then a rename). */
void saveStateDict(const StateDict &dict, const std::string &path);

/**
 * Checks the CRC-32 of every stored record of a torch.save zip (libtorch does not): fbnet::Error
 * naming the file and the damaged record. Bytes that are not a zip pass (the legacy format).
 */
void checkZipRecords(const std::vector<unsigned char> &bytes, const std::string &path);

/** Reads a state dict written by saveStateDict or Python's torch.save(dict), its records' CRCs checked; errors name the file. */
StateDict loadStateDict(const std::string &path);

/**
 * Copies `dict` into `module`'s parameters and buffers. Every name of the module must be in the
 * dict with the same shape and no name may be left over (strict), else fbnet::Error naming the
 * file, the key and both shapes.
 */
void loadIntoModule(torch::nn::Module &module, const StateDict &dict, const std::string &source);

} // namespace fbnet::detail
