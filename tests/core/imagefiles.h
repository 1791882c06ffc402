#pragma once
// Writes small JPEG and PNG files in every mode the folder loader reads (tests only).

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <png.h>
#include <turbojpeg.h>

namespace fbnet::test {

enum class ImageMode { PngRgb, PngGreyAlpha, PngGrey16, JpegRgb, JpegGrey, JpegProgressive, JpegCmyk, PngPalette };

inline bool isJpeg(ImageMode m)
{
    return m == ImageMode::JpegRgb || m == ImageMode::JpegGrey || m == ImageMode::JpegProgressive || m == ImageMode::JpegCmyk;
}

/** A w x h image of one colour (r, g, b) with a little pattern, written in `mode`. */
inline void writeImage(const std::filesystem::path &path, ImageMode mode, int w, int h, std::uint8_t r, std::uint8_t g, std::uint8_t b)
{
    std::filesystem::create_directories(path.parent_path());
    std::vector<std::uint8_t> rgb(std::size_t(w) * h * 3);
    for (int i = 0; i < w * h; ++i) {
        rgb[std::size_t(i) * 3] = r;
        rgb[std::size_t(i) * 3 + 1] = g;
        rgb[std::size_t(i) * 3 + 2] = b;
    }
    if (isJpeg(mode)) {
        tjhandle tj = tjInitCompress();
        unsigned char *out = nullptr;
        unsigned long size = 0;
        const bool grey = mode == ImageMode::JpegGrey;
        const int flags = mode == ImageMode::JpegProgressive ? TJFLAG_PROGRESSIVE : 0;
        int ok = 0;
        if (mode == ImageMode::JpegCmyk) {
            // TurboJPEG's (Adobe's) inverted CMYK: K = 255 is no black ink, so C, M, Y carry R, G, B.
            std::vector<std::uint8_t> cmyk(std::size_t(w) * h * 4);
            for (int i = 0; i < w * h; ++i) {
                cmyk[std::size_t(i) * 4] = r;
                cmyk[std::size_t(i) * 4 + 1] = g;
                cmyk[std::size_t(i) * 4 + 2] = b;
                cmyk[std::size_t(i) * 4 + 3] = 255;
            }
            ok = tjCompress2(tj, cmyk.data(), w, 0, h, TJPF_CMYK, &out, &size, TJSAMP_444, 95, 0);
        } else {
            ok = tjCompress2(tj, rgb.data(), w, 0, h, TJPF_RGB, &out, &size, grey ? TJSAMP_GRAY : TJSAMP_420, 95, flags);
        }
        if (ok != 0)
            throw std::runtime_error("tjCompress2 failed");
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(out), std::streamsize(size));
        tjFree(out);
        tjDestroy(tj);
        return;
    }
    png_image png;
    std::memset(&png, 0, sizeof png);
    png.version = PNG_IMAGE_VERSION;
    png.width = png_uint_32(w);
    png.height = png_uint_32(h);
    std::vector<std::uint8_t> buf;
    if (mode == ImageMode::PngRgb) {
        png.format = PNG_FORMAT_RGB;
        buf = rgb;
    } else if (mode == ImageMode::PngGreyAlpha) {
        png.format = PNG_FORMAT_GA;
        buf.assign(std::size_t(w) * h * 2, 0);
        for (int i = 0; i < w * h; ++i)
            buf[std::size_t(i) * 2] = r, buf[std::size_t(i) * 2 + 1] = 255;
    } else if (mode == ImageMode::PngPalette) {
        // Two palette entries: the colour and black (every 7th pixel), indices one byte each.
        png.format = PNG_FORMAT_RGB_COLORMAP;
        png.colormap_entries = 2;
        const std::uint8_t colormap[6] = {r, g, b, 0, 0, 0};
        buf.assign(std::size_t(w) * h, 0);
        for (int i = 0; i < w * h; ++i)
            buf[std::size_t(i)] = i % 7 == 6 ? 1 : 0;
        if (!png_image_write_to_file(&png, path.c_str(), 0, buf.data(), 0, colormap))
            throw std::runtime_error(std::string("png_image_write_to_file failed: ") + png.message);
        return;
    } else {
        png.format = PNG_FORMAT_LINEAR_Y;  // 16-bit grey
        buf.assign(std::size_t(w) * h * 2, 0);
        auto *p16 = reinterpret_cast<std::uint16_t *>(buf.data());
        for (int i = 0; i < w * h; ++i)
            p16[i] = std::uint16_t(r * 257);
    }
    if (!png_image_write_to_file(&png, path.c_str(), 0, buf.data(), 0, nullptr))
        throw std::runtime_error(std::string("png_image_write_to_file failed: ") + png.message);
}

} // namespace fbnet::test
