// An image folder built from the input: each 3 bytes make one entry (a folder, an image, a damaged
// file, a link to an entry or to a parent, a dangling link, a FIFO) under an earlier folder. The
// listing must end (no loop followed, no FIFO opened) with a data set or fbnet::Error.
#include "fuzzutil.h"

#include <sys/stat.h>

#include <vector>

#include "fbnet/dataset.h"

using namespace fbnet;
namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const fs::path root = fs::path(fuzz::scratchDir()) / "folder";
    std::error_code ec;
    fs::remove_all(root, ec);
    fs::create_directories(root / "a");
    std::vector<fs::path> folders = {root, root / "a"}, entries = {root / "a"};
    // A 1x1 PNG: the smallest real image.
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0,
                                        0x3a, 0x7e, 0x9b, 0x55, 0, 0, 0, 10, 'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0x60, 0, 0, 0, 2, 0, 1,
                                        0xe5, 0x27, 0xde, 0xfc, 0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
    for (std::size_t i = 0; i + 3 <= size && i < 3 * 48; i += 3) {
        const fs::path parent = folders[data[i + 1] % folders.size()];
        const fs::path p = parent / ("e" + std::to_string(data[i + 2]) + (data[i] % 8 == 1 || data[i] % 8 == 2 ? ".png" : ""));
        if (fs::exists(fs::symlink_status(p, ec)))
            continue;
        switch (data[i] % 8) {
        case 0: fs::create_directories(p, ec); if (!ec) folders.push_back(p); break;
        case 1: std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char *>(png), sizeof png); break;
        case 2: std::ofstream(p, std::ios::binary) << "not an image"; break;
        case 3: fs::create_symlink(entries[data[i + 2] % entries.size()], p, ec); break;
        case 4: fs::create_symlink("..", p, ec); break;
        case 5: fs::create_symlink("nowhere", p, ec); break;
        case 6: ::mkfifo(p.c_str(), 0600); break;
        default: fs::create_symlink(".", p, ec); break;
        }
        entries.push_back(p);
    }
    FBNET_FUZZ_BODY({
        ImageOptions o;
        o.skipBadImages = true;
        loadImageFolder(root.string(), Split::Train, 16, o);
    });
}
