// Image files of a folder data set: JPEG (TurboJPEG) and PNG (libpng) by content, then the resize
// and centre crop every decoded image goes through.
#include "fuzzutil.h"

#include "data/imagedecode.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        const std::string path = fuzz::writeScratch("image", fuzz::text(data, size));
        if (const auto img = detail::decodeImage(path)) {
            if (img->pixels.size() != std::size_t(img->width) * std::size_t(img->height) * 3)
                __builtin_trap();  // the decoder's own contract
            if (std::size_t(img->width) * std::size_t(img->height) <= 1u << 20)
                detail::resizeCentreCrop(*img, 16);
        }
    });
}
