#pragma once
// Private: reading input files without being fooled: a FIFO, a device or a socket is refused instead
// of waited on, a file's size is bounded before it is read, and compressed data is bounded by what it
// inflates to. Every refusal names the file.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fbnet::detail {

/** The limits, overridable for tests and unusual data through FBNET_MAX_IMAGE_BYTES and FBNET_MAX_DATA_BYTES. */
std::uint64_t maxImageFileBytes();  ///< one image file: 64 MiB
std::uint64_t maxDataFileBytes();   ///< one data-set file, after decompression: 2 GiB

/**
 * What kind of thing `path` is (following links): a regular file, or why it is not one ("a FIFO",
 * "a device", "a socket", "a folder", "a dangling link", "a link loop", "missing").
 */
struct FileKind
{
    bool regular = false;
    std::uint64_t size = 0;
    std::string why;  ///< when not regular
};
FileKind fileKind(const std::string &path);

/**
 * The whole of `path`, opened without blocking (O_NONBLOCK: a FIFO swapped in for an image is
 * refused, not waited on) after checking it is a regular file of at most `maxBytes`.
 * fbnet::Error naming the file and `what` (e.g. "image") otherwise.
 */
std::vector<unsigned char> readRegularFile(const std::string &path, std::uint64_t maxBytes, const char *what);

/** The first `n` bytes of a regular file (fewer if it is shorter); nullopt with `why` set when it is not one or cannot be opened. */
std::optional<std::vector<unsigned char>> readHead(const std::string &path, std::size_t n, std::string *why);

/**
 * A file through zlib (gzip or plain bytes), refusing anything that is not a regular file and
 * stopping with fbnet::Error when it inflates to more than `maxBytes` (a decompression bomb).
 */
std::vector<std::uint8_t> readMaybeGz(const std::string &path, std::uint64_t maxBytes);

} // namespace fbnet::detail
