#include "imagedecode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

#include <png.h>
#include <turbojpeg.h>

#include "fbnet/error.h"

namespace fbnet::detail {

namespace {

std::vector<unsigned char> readAll(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error::at(path, "", "cannot open the file for reading");
    std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw Error::at(path, "", "read error");
    return bytes;
}

/** At most 64 megapixels (192 MB decoded): a damaged or hostile header must not allocate gigabytes. */
void checkSize(const std::string &path, const char *format, std::int64_t w, std::int64_t h)
{
    if (w < 1 || h < 1 || w * h > (std::int64_t(1) << 26))
        throw Error::at(path, format, "expected an image of at most 64 megapixels, its header says " + std::to_string(w) + " x " + std::to_string(h));
}

RgbImage decodeJpeg(const std::string &path, const std::vector<unsigned char> &bytes)
{
    std::unique_ptr<void, int (*)(tjhandle)> tj(tjInitDecompress(), tjDestroy);
    if (!tj)
        throw Error::at(path, "", "cannot start the JPEG decoder");
    int w = 0, h = 0, subsamp = 0, colorspace = 0;
    if (tjDecompressHeader3(tj.get(), bytes.data(), (unsigned long)bytes.size(), &w, &h, &subsamp, &colorspace) != 0)
        throw Error::at(path, "JPEG", std::string("not a readable JPEG (") + tjGetErrorStr2(tj.get()) + ")");
    if (w < 1 || h < 1)
        throw Error::at(path, "JPEG", "damaged (its header gives no image size)");
    checkSize(path, "JPEG", w, h);
    RgbImage img{w, h, std::vector<std::uint8_t>(std::size_t(w) * std::size_t(h) * 3)};
    // Warnings (e.g. a few bytes of junk after the image) are tolerated; a truncated stream is an error.
    if (tjDecompress2(tj.get(), bytes.data(), (unsigned long)bytes.size(), img.pixels.data(), w, 0, h, TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
        const std::string why = tjGetErrorStr2(tj.get());
        if (tjGetErrorCode(tj.get()) == TJERR_FATAL || why.find("Premature end") != std::string::npos)
            throw Error::at(path, "JPEG", "damaged or truncated (" + why + ")");
    }
    return img;
}

RgbImage decodePng(const std::string &path, const std::vector<unsigned char> &bytes)
{
    png_image png;
    std::memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()))
        throw Error::at(path, "PNG", std::string("not a readable PNG (") + png.message + ")");
    try {
        checkSize(path, "PNG", png.width, png.height);
    } catch (...) {
        png_image_free(&png);
        throw;
    }
    png.format = PNG_FORMAT_RGB;  // palette, grey, 16-bit and alpha (composited on black) all end as RGB
    RgbImage img{int(png.width), int(png.height), std::vector<std::uint8_t>(PNG_IMAGE_SIZE(png))};
    if (!png_image_finish_read(&png, nullptr, img.pixels.data(), 0, nullptr))
        throw Error::at(path, "PNG", std::string("damaged or truncated (") + png.message + ")");
    return img;
}

} // namespace

std::optional<RgbImage> decodeImage(const std::string &path)
{
    const auto bytes = readAll(path);
    static const unsigned char pngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
        return decodeJpeg(path, bytes);
    if (bytes.size() >= 8 && std::memcmp(bytes.data(), pngMagic, 8) == 0)
        return decodePng(path, bytes);
    return std::nullopt;
}

std::vector<std::uint8_t> resizeCentreCrop(const RgbImage &image, int size)
{
    // Scale so that the short side becomes size / 0.875, then take the centre crop.
    const double shortSide = std::min(image.width, image.height);
    const double scale = (size / 0.875) / shortSide;
    const double cropX = (image.width * scale - size) / 2, cropY = (image.height * scale - size) / 2;
    // Each output pixel averages the source over its footprint (at least one pixel, bilinear inside).
    const double footprint = std::max(1.0, 1.0 / scale);
    const int taps = std::max(1, int(std::ceil(footprint)));
    std::vector<std::uint8_t> out(std::size_t(3) * size * size);
    auto sample = [&](double x, double y, int c) {
        x = std::clamp(x, 0.0, image.width - 1.0);
        y = std::clamp(y, 0.0, image.height - 1.0);
        const int x0 = int(x), y0 = int(y), x1 = std::min(x0 + 1, image.width - 1), y1 = std::min(y0 + 1, image.height - 1);
        const double fx = x - x0, fy = y - y0;
        auto px = [&](int xx, int yy) { return double(image.pixels[(std::size_t(yy) * image.width + xx) * 3 + c]); };
        return (px(x0, y0) * (1 - fx) + px(x1, y0) * fx) * (1 - fy) + (px(x0, y1) * (1 - fx) + px(x1, y1) * fx) * fy;
    };
    for (int oy = 0; oy < size; ++oy)
        for (int ox = 0; ox < size; ++ox)
            for (int c = 0; c < 3; ++c) {
                double sum = 0;
                for (int ty = 0; ty < taps; ++ty)
                    for (int tx = 0; tx < taps; ++tx) {
                        const double sx = (ox + cropX + (tx + 0.5) / taps) / scale - 0.5;
                        const double sy = (oy + cropY + (ty + 0.5) / taps) / scale - 0.5;
                        sum += sample(sx, sy, c);
                    }
                out[(std::size_t(c) * size + oy) * size + ox] = std::uint8_t(std::clamp(std::lround(sum / (taps * taps)), 0L, 255L));
            }
    return out;
}

} // namespace fbnet::detail
