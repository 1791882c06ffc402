#pragma once
// Private: decoding JPEG (TurboJPEG) and PNG (libpng) files to 8-bit RGB, and fitting them to a size.

#include <cstdint>
#include <optional>
#include <random>
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
 * image); fbnet::Error naming the file when it is one but damaged, truncated or unreadable, when it
 * is not a regular file (a FIFO, a device: never waited on) or larger than maxImageFileBytes().
 */
std::optional<RgbImage> decodeImage(const std::string &path);

enum class ImageKind { Jpeg, Png, None, Unreadable };

/**
 * What `path` holds by its first bytes (a scan's cheap check; decoding may still fail). Unreadable
 * (with `why`, if given) for anything but a regular file that can be opened: a FIFO is never waited on.
 */
ImageKind sniffImage(const std::string &path, std::string *why = nullptr);

/** A region of a source image, in source pixels (fractional). */
struct CropBox
{
    double x = 0, y = 0, width = 0, height = 0;
};

/** RandomResizedCrop's ranges: the crop's share of the area and its aspect ratio (w/h). */
struct CropRanges
{
    double scaleMin = 0.08, scaleMax = 1.0;
    double ratioMin = 3.0 / 4.0, ratioMax = 4.0 / 3.0;
};

/**
 * Resamples `box` of the image to size x size (antialiased bilinear, separable), mirrored
 * left-right when `flip`, as planar CHW bytes into `out` (3 x size x size).
 */
void resizeCrop(const RgbImage &image, const CropBox &box, int size, bool flip, std::uint8_t *out);

/** The evaluation crop: the short side scaled to size / 0.875, the centre size x size of that. */
CropBox centreCrop(int width, int height, int size);

/** torchvision's RandomResizedCrop parameters (10 tries, then a centre crop within the ratio range). */
CropBox randomResizedCrop(int width, int height, const CropRanges &ranges, std::mt19937_64 &rng);

/**
 * The evaluation transform: the short side resized to size / 0.875 (bilinear, antialiased by
 * averaging when shrinking), then the centre size x size crop, as planar CHW bytes.
 */
std::vector<std::uint8_t> resizeCentreCrop(const RgbImage &image, int size);

} // namespace fbnet::detail
