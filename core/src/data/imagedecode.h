#pragma once
// Private: decoding JPEG (TurboJPEG) and PNG (libpng) files to 8-bit RGB, and fitting them to a size.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace fbnet::detail {

struct RgbImage
{
    int width = 0, height = 0;
    std::vector<std::uint8_t> pixels;  ///< height x width x 3, row-major
};

/**
 * Decodes `path` by its content (not its extension): JPEG (TurboJPEG) or PNG (libpng's simplified
 * reader: palette, grey, 16-bit and alpha are converted), always to RGB. nullopt when the file is neither (not an
 * image); fbnet::Error naming the file when it is one but damaged, truncated or unreadable.
 */
std::optional<RgbImage> decodeImage(const std::string &path);

/**
 * The evaluation transform: the short side resized to size / 0.875 (bilinear, antialiased by
 * averaging when shrinking), then the centre size x size crop, as planar CHW bytes.
 */
std::vector<std::uint8_t> resizeCentreCrop(const RgbImage &image, int size);

} // namespace fbnet::detail
