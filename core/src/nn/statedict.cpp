#include "nn/statedict.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <torch/serialize.h>
#include <zlib.h>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "base/fileread.h"

namespace fbnet::detail {

namespace {

std::string shapeText(at::IntArrayRef sizes)
{
    std::ostringstream s;
    s << '[';
    for (std::size_t i = 0; i < sizes.size(); ++i)
        s << (i ? ", " : "") << sizes[i];
    s << ']';
    return s.str();
}

} // namespace

StateDict stateDictOf(torch::nn::Module &module)
{
    StateDict dict;
    for (const auto &p : module.named_parameters())
        dict.insert(p.key(), p.value().detach().cpu().contiguous());
    for (const auto &b : module.named_buffers())
        dict.insert(b.key(), b.value().detach().cpu().contiguous());
    return dict;
}

void saveStateDict(const StateDict &dict, const std::string &path)
{
    const auto bytes = torch::pickle_save(c10::IValue(dict));
    writeFileAtomic(path, {std::string_view(bytes.data(), bytes.size())});
}

namespace {

std::uint32_t le32(const unsigned char *p)
{
    return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
std::uint16_t le16(const unsigned char *p) { return std::uint16_t(p[0] | p[1] << 8); }

} // namespace

void checkZipRecords(const std::vector<unsigned char> &bytes, const std::string &path)
{
    // torch.save's format is a zip of stored (uncompressed) records; libtorch reads them without
    // checking their CRC-32, so 2 KB overwritten inside a tensor loaded as different numbers.
    const std::size_t n = bytes.size();
    if (n < 22 || le32(bytes.data()) != 0x04034b50u)
        return;  // not a zip: the legacy pickle format has no checksums to check
    std::size_t eocd = std::string::npos;
    for (std::size_t i = n - 22 + 1; i-- > (n > 65557 ? n - 65557 : 0);)
        if (le32(bytes.data() + i) == 0x06054b50u) {
            eocd = i;
            break;
        }
    auto damaged = [&](const std::string &what) {
        throw Error::at(path, what, "the weights file is damaged (its zip records do not check out); restore it or train again");
    };
    if (eocd == std::string::npos)
        damaged("end of the zip directory");
    const std::size_t entries = le16(bytes.data() + eocd + 10);
    std::size_t at = le32(bytes.data() + eocd + 16);
    if (le32(bytes.data() + eocd + 16) == 0xffffffffu)
        return;  // zip64 (over 4 GB): the records are read by torch alone
    for (std::size_t e = 0; e < entries; ++e) {
        if (at + 46 > n || le32(bytes.data() + at) != 0x02014b50u)
            damaged("zip directory entry " + std::to_string(e));
        const unsigned char *c = bytes.data() + at;
        const std::uint16_t method = le16(c + 10);
        const std::uint32_t crc = le32(c + 16), packed = le32(c + 20), size = le32(c + 24);
        const std::size_t nameLen = le16(c + 28), extraLen = le16(c + 30), commentLen = le16(c + 32);
        const std::size_t local = le32(c + 42);
        if (at + 46 + nameLen > n)
            damaged("zip directory entry " + std::to_string(e));
        const std::string name(reinterpret_cast<const char *>(c + 46), nameLen);
        at += 46 + nameLen + extraLen + commentLen;
        if (packed == 0xffffffffu || size == 0xffffffffu || local == 0xffffffffu)
            continue;  // zip64 sizes
        if (method != 0 || packed != size)
            continue;  // compressed records are not written by torch.save
        if (local + 30 > n || le32(bytes.data() + local) != 0x04034b50u)
            damaged(name);
        const std::size_t data = local + 30 + le16(bytes.data() + local + 26) + le16(bytes.data() + local + 28);
        if (data + size > n)
            damaged(name);
        if (std::uint32_t(::crc32(0L, bytes.data() + data, uInt(size))) != crc)
            damaged(name);
    }
}

StateDict loadStateDict(const std::string &path)
{
    const auto raw = detail::readRegularFile(path, std::uint64_t(16) << 30, "weights");
    checkZipRecords(raw, path);
    const std::vector<char> bytes(raw.begin(), raw.end());
    c10::IValue value;
    try {
        value = torch::pickle_load(bytes);
    } catch (const std::exception &) {
        throw Error::at(path, "", "expected a state dict written by fbnet train (or torch.save of a dict name -> tensor); "
                                  "this file is not one (damaged or another format)");
    }
    if (!value.isGenericDict())
        throw Error::at(path, "", "expected a state dict (name -> tensor)");
    StateDict dict;
    for (const auto &item : value.toGenericDict()) {
        if (!item.key().isString() || !item.value().isTensor())
            throw Error::at(path, "", "expected a state dict (name -> tensor); an entry is not a named tensor");
        dict.insert(item.key().toStringRef(), item.value().toTensor());
    }
    return dict;
}

void loadIntoModule(torch::nn::Module &module, const StateDict &dict, const std::string &source)
{
    torch::NoGradGuard ng;
    std::set<std::string> used;
    auto copy = [&](const std::string &name, torch::Tensor &target) {
        const auto it = dict.find(name);
        if (it == dict.end())
            throw Error::at(source, name, "missing from the weights (were they trained for another architecture?)");
        const torch::Tensor &t = it->value();
        if (t.sizes() != target.sizes())
            throw Error::at(source, name, "has shape " + shapeText(t.sizes()) + ", the architecture needs " + shapeText(target.sizes())
                                              + " (were these weights trained for another architecture?)");
        if (!t.is_floating_point() && target.is_floating_point())
            throw Error::at(source, name, "expected floating-point values");
        if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
            throw Error::at(source, name, "holds NaN or infinite values");
        target.copy_(t);
        used.insert(name);
    };
    for (auto &p : module.named_parameters())
        copy(p.key(), p.value());
    for (auto &b : module.named_buffers())
        copy(b.key(), b.value());
    for (const auto &item : dict)
        if (!used.count(item.key()))
            throw Error::at(source, item.key(), "is not a weight of this architecture (were they trained for another one?)");
}

} // namespace fbnet::detail
