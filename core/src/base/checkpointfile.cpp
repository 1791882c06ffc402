#include "fbnet/checkpointfile.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include <zlib.h>

#include "fbnet/error.h"
#include "fbnet/resources.h"

namespace fbnet {

namespace {

constexpr char kMagic[] = "FBNET-CHECKPOINT-1\n";
constexpr std::size_t kMagicSize = sizeof kMagic - 1;
// magic, then "%016llx %08lx\n": payload length and CRC-32
constexpr std::size_t kHeaderSize = kMagicSize + 16 + 1 + 8 + 1;

unsigned long crc32Of(const char *data, std::size_t size)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    while (size > 0) {
        const uInt n = size > (1u << 30) ? (1u << 30) : uInt(size);
        crc = crc32(crc, reinterpret_cast<const Bytef *>(data), n);
        data += n;
        size -= n;
    }
    return crc;
}

bool parseHex(const std::string &text, unsigned long long &out)
{
    if (text.empty() || text.find_first_not_of("0123456789abcdef") != std::string::npos)
        return false;
    out = std::strtoull(text.c_str(), nullptr, 16);
    return true;
}

} // namespace

void writeCheckpointFile(const std::string &path, const std::string &archive)
{
    char header[kHeaderSize + 1];
    std::snprintf(header, sizeof header, "%s%016llx %08lx\n", kMagic, (unsigned long long)archive.size(),
                  crc32Of(archive.data(), archive.size()));
    writeFileAtomic(path, {std::string_view(header, kHeaderSize), std::string_view(archive)});
}

std::string checkpointPayload(const std::string &bytes, const std::string &source)
{
    if (bytes.size() >= 4 && std::memcmp(bytes.data(), "PK\x03\x04", 4) == 0)
        return bytes;  // written before checkpoints carried a checksum
    if (bytes.size() < kHeaderSize || bytes.compare(0, kMagicSize, kMagic) != 0)
        throw Error::at(source, "", "not a search checkpoint (no FBNET-CHECKPOINT header)");
    unsigned long long length = 0, crc = 0;
    if (!parseHex(bytes.substr(kMagicSize, 16), length) || bytes[kMagicSize + 16] != ' '
        || !parseHex(bytes.substr(kMagicSize + 17, 8), crc) || bytes[kHeaderSize - 1] != '\n')
        throw Error::at(source, "header", "damaged checkpoint header");
    if (length != bytes.size() - kHeaderSize)
        throw Error::at(source, "length", "the checkpoint is truncated or has trailing bytes (header says " + std::to_string(length)
                                              + " bytes, the file holds " + std::to_string(bytes.size() - kHeaderSize)
                                              + "); it cannot be used");
    const unsigned long actual = crc32Of(bytes.data() + kHeaderSize, bytes.size() - kHeaderSize);
    if (actual != crc) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "CRC-32 %08lx, header says %08llx", actual, crc);
        throw Error::at(source, "checksum", std::string("the checkpoint is damaged (") + buf + "); it cannot be used");
    }
    return bytes.substr(kHeaderSize);
}

std::string readCheckpointFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error::at(path, "", "cannot read the checkpoint (missing or not readable)");
    std::ostringstream s;
    s << in.rdbuf();
    if (in.bad())
        throw Error::at(path, "", "read error");
    return checkpointPayload(s.str(), path);
}

} // namespace fbnet
