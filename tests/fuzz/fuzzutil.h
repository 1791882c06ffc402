#pragma once
// Shared by the libFuzzer harnesses: every harness feeds one parser a user can reach and accepts
// exactly two outcomes, a result or fbnet::Error. Anything else (a crash, a sanitizer report, an
// exception of another type, unbounded memory) is a finding.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "fbnet/searchspace.h"

namespace fbnet::fuzz {

inline std::string text(const std::uint8_t *data, std::size_t size)
{
    return std::string(reinterpret_cast<const char *>(data), size);
}

/** A private folder for this fuzzing process (parsers that take paths read files from it). */
inline const std::string &scratchDir()
{
    static const std::string dir = [] {
        const auto d = std::filesystem::temp_directory_path() / ("fbnet-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d.string();
    }();
    return dir;
}

/** Writes `bytes` to scratchDir()/name and returns the path. */
inline std::string writeScratch(const std::string &name, const std::string &bytes)
{
    const std::string path = scratchDir() + "/" + name;
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    return path;
}

/** A shipped space, loaded once. */
inline const SearchSpace &shippedSpace(const std::string &name)
{
    static const SearchSpace cifar = SearchSpace::load(resolveSpacePath("fbnet-cifar"));
    static const SearchSpace imagenet = SearchSpace::load(resolveSpacePath("fbnet-imagenet"));
    static const SearchSpace v2 = SearchSpace::load(resolveSpacePath("fbnetv2-cifar"));
    return name == "fbnet-imagenet" ? imagenet : name == "fbnetv2-cifar" ? v2 : cifar;
}

} // namespace fbnet::fuzz

/** The body of LLVMFuzzerTestOneInput: runs the statements, where fbnet::Error is an accepted outcome. */
#define FBNET_FUZZ_BODY(...)                                                                                                     \
    try {                                                                                                                        \
        __VA_ARGS__;                                                                                                             \
    } catch (const fbnet::Error &) {                                                                                             \
    }                                                                                                                            \
    return 0
