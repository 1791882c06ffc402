#include "data/imagedecode.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>

#include <png.h>
#include <turbojpeg.h>

#include "fbnet/error.h"
#include "base/fileread.h"

namespace fbnet::detail {

namespace {

/** At most 64 megapixels (192 MB decoded): a damaged or hostile header must not allocate gigabytes. */
void checkSize(const std::string &path, const char *format, std::int64_t w, std::int64_t h)
{
    if (w < 1 || h < 1 || w * h > (std::int64_t(1) << 26))
        throw Error::at(path, format, "expected an image of at most 64 megapixels, its header says " + std::to_string(w) + " x " + std::to_string(h));
}

/** A fatal error, or a warning that the data ended early ("premature end", in any case). */
bool damaged(tjhandle tj, std::string why)
{
    std::transform(why.begin(), why.end(), why.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return tjGetErrorCode(tj) == TJERR_FATAL || why.find("premature end") != std::string::npos;
}

/**
 * Every 8x8 block of a JPEG costs at least a few bits: a header that promises far more pixels than
 * its bytes can carry (more than 20,000 pixels a byte) is a damaged or hostile file, refused before
 * the decoder allocates for it.
 */
void checkPlausible(const std::string &path, std::int64_t w, std::int64_t h, std::size_t bytes)
{
    if (double(w) * double(h) > 20000.0 * double(bytes) + 65536)
        throw Error::at(path, "JPEG", "its header says " + std::to_string(w) + " x " + std::to_string(h) + ", more than its " + std::to_string(bytes)
                                          + " bytes can hold (damaged or truncated)");
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
    checkPlausible(path, w, h, bytes.size());
    RgbImage img{w, h, std::vector<std::uint8_t>(std::size_t(w) * std::size_t(h) * 3)};
    if (colorspace == TJCS_CMYK || colorspace == TJCS_YCCK) {
        // TurboJPEG decodes CMYK only as CMYK (Adobe's inverted convention): R = C * K / 255, ...
        std::vector<std::uint8_t> cmyk(std::size_t(w) * std::size_t(h) * 4);
        if (tjDecompress2(tj.get(), bytes.data(), (unsigned long)bytes.size(), cmyk.data(), w, 0, h, TJPF_CMYK, TJFLAG_ACCURATEDCT) != 0) {
            const std::string why = tjGetErrorStr2(tj.get());
            if (damaged(tj.get(), why))
                throw Error::at(path, "JPEG", "damaged or truncated (" + why + ")");
        }
        for (std::size_t i = 0, n = std::size_t(w) * std::size_t(h); i < n; ++i) {
            const unsigned k = cmyk[i * 4 + 3];
            for (int c = 0; c < 3; ++c)
                img.pixels[i * 3 + std::size_t(c)] = std::uint8_t((cmyk[i * 4 + std::size_t(c)] * k + 127) / 255);
        }
        return img;
    }
    // Junk after the image is tolerated; a stream that ends early (its data cut, an end marker
    // appended) or whose header promises more than its bytes hold is an error.
    if (tjDecompress2(tj.get(), bytes.data(), (unsigned long)bytes.size(), img.pixels.data(), w, 0, h, TJPF_RGB, TJFLAG_ACCURATEDCT) != 0) {
        const std::string why = tjGetErrorStr2(tj.get());
        if (damaged(tj.get(), why))
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
    const auto bytes = readRegularFile(path, maxImageFileBytes(), "an image");
    static const unsigned char pngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff)
        return decodeJpeg(path, bytes);
    if (bytes.size() >= 8 && std::memcmp(bytes.data(), pngMagic, 8) == 0)
        return decodePng(path, bytes);
    return std::nullopt;
}

ImageKind sniffImage(const std::string &path, std::string *why)
{
    std::string reason;
    const auto bytes = readHead(path, 8, &reason);
    if (why)
        *why = reason;
    if (!bytes)
        return ImageKind::Unreadable;
    const unsigned char *head = bytes->data();
    const auto got = bytes->size();
    static const unsigned char pngMagic[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (got >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff)
        return ImageKind::Jpeg;
    if (got >= 8 && std::memcmp(head, pngMagic, 8) == 0)
        return ImageKind::Png;
    return ImageKind::None;
}

namespace {

/**
 * One axis of a resize: for each output pixel, the first source pixel and the weights of a
 * triangle filter stretched by the down-scaling factor (PIL's and torchvision's antialiased
 * bilinear), over the source interval [from, from + length).
 */
struct AxisFilter
{
    int taps = 0;
    std::vector<int> first;
    std::vector<float> weights;  ///< out x taps

    AxisFilter(double from, double length, int sourceSize, int out)
    {
        const double scale = length / out;  // source pixels per output pixel
        const double support = std::max(1.0, scale);
        taps = int(std::ceil(support)) * 2 + 1;
        first.resize(std::size_t(out));
        weights.assign(std::size_t(out) * taps, 0.f);
        for (int o = 0; o < out; ++o) {
            const double centre = from + (o + 0.5) * scale;
            const int lo = std::max(0, int(std::floor(centre - support)));
            const int hi = std::min(sourceSize, int(std::ceil(centre + support)));
            first[std::size_t(o)] = lo;
            double total = 0;
            float *w = &weights[std::size_t(o) * taps];
            for (int s = lo; s < hi && s - lo < taps; ++s) {
                const double d = std::abs((s + 0.5 - centre) / support);
                w[s - lo] = float(std::max(0.0, 1.0 - d));
                total += w[s - lo];
            }
            if (total <= 0) {  // a crop past the border: the nearest pixel
                first[std::size_t(o)] = std::clamp(int(centre), 0, sourceSize - 1);
                std::fill(w, w + taps, 0.f);
                w[0] = 1.f;
                continue;
            }
            for (int t = 0; t < taps; ++t)
                w[t] = float(w[t] / total);
            // taps past the image's end carry weight 0; keep the reads inside it
            if (first[std::size_t(o)] + taps > sourceSize)
                for (int t = sourceSize - first[std::size_t(o)]; t < taps; ++t)
                    w[t] = 0.f;
        }
    }
};

} // namespace

void resizeCrop(const RgbImage &image, const CropBox &box, int size, bool flip, std::uint8_t *out)
{
    const AxisFilter fx(box.x, box.width, image.width, size), fy(box.y, box.height, image.height, size);
    // Rows the vertical pass reads, filtered horizontally first (interleaved RGB floats).
    int rowLo = image.height, rowHi = 0;
    for (int o = 0; o < size; ++o) {
        rowLo = std::min(rowLo, fy.first[std::size_t(o)]);
        rowHi = std::max(rowHi, std::min(image.height, fy.first[std::size_t(o)] + fy.taps));
    }
    const int rows = rowHi - rowLo;
    std::vector<float> mid(std::size_t(rows) * size * 3);
    for (int r = 0; r < rows; ++r) {
        const std::uint8_t *src = image.pixels.data() + std::size_t(rowLo + r) * image.width * 3;
        float *dst = mid.data() + std::size_t(r) * size * 3;
        for (int o = 0; o < size; ++o) {
            const int f = fx.first[std::size_t(o)];
            const float *w = &fx.weights[std::size_t(o) * fx.taps];
            const int n = std::min(fx.taps, image.width - f);
            float a = 0, b = 0, c = 0;
            for (int t = 0; t < n; ++t) {
                const std::uint8_t *p = src + std::size_t(f + t) * 3;
                a += w[t] * p[0];
                b += w[t] * p[1];
                c += w[t] * p[2];
            }
            float *d = dst + std::size_t(flip ? size - 1 - o : o) * 3;
            d[0] = a;
            d[1] = b;
            d[2] = c;
        }
    }
    const std::size_t plane = std::size_t(size) * size;
    for (int oy = 0; oy < size; ++oy) {
        const int f = fy.first[std::size_t(oy)];
        const float *w = &fy.weights[std::size_t(oy) * fy.taps];
        const int n = std::min(fy.taps, image.height - f);
        for (int ox = 0; ox < size; ++ox) {
            float a = 0, b = 0, c = 0;
            for (int t = 0; t < n; ++t) {
                const float *p = mid.data() + (std::size_t(f + t - rowLo) * size + ox) * 3;
                a += w[t] * p[0];
                b += w[t] * p[1];
                c += w[t] * p[2];
            }
            const std::size_t at = std::size_t(oy) * size + ox;
            out[at] = std::uint8_t(std::clamp(std::lround(a), 0L, 255L));
            out[plane + at] = std::uint8_t(std::clamp(std::lround(b), 0L, 255L));
            out[2 * plane + at] = std::uint8_t(std::clamp(std::lround(c), 0L, 255L));
        }
    }
}

CropBox centreCrop(int width, int height, int size)
{
    // The short side resized to size / 0.875, then the centre size x size: in source pixels.
    const double scale = (size / 0.875) / std::min(width, height);
    const double side = size / scale;
    return {(width - side) / 2, (height - side) / 2, side, side};
}

CropBox randomResizedCrop(int width, int height, const CropRanges &r, std::mt19937_64 &rng)
{
    // torchvision's RandomResizedCrop.get_params: 10 tries at a random area and aspect, then the centre.
    const double area = double(width) * height;
    std::uniform_real_distribution<double> scale(r.scaleMin, r.scaleMax);
    std::uniform_real_distribution<double> logRatio(std::log(r.ratioMin), std::log(r.ratioMax));
    for (int attempt = 0; attempt < 10; ++attempt) {
        const double target = area * scale(rng);
        const double aspect = std::exp(logRatio(rng));
        const int w = int(std::lround(std::sqrt(target * aspect)));
        const int h = int(std::lround(std::sqrt(target / aspect)));
        if (w > 0 && h > 0 && w <= width && h <= height) {
            std::uniform_int_distribution<int> x(0, width - w), y(0, height - h);
            const int x0 = x(rng), y0 = y(rng);
            return {double(x0), double(y0), double(w), double(h)};
        }
    }
    const double inRatio = double(width) / height;
    double w = width, h = height;
    if (inRatio < r.ratioMin)
        h = std::lround(w / r.ratioMin);
    else if (inRatio > r.ratioMax)
        w = std::lround(h * r.ratioMax);
    return {(width - w) / 2, (height - h) / 2, w, h};
}

std::vector<std::uint8_t> resizeCentreCrop(const RgbImage &image, int size)
{
    std::vector<std::uint8_t> out(std::size_t(3) * size * size);
    resizeCrop(image, centreCrop(image.width, image.height, size), size, false, out.data());
    return out;
}

} // namespace fbnet::detail
