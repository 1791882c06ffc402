#include "nn/statedict.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>

#include <torch/serialize.h>

#include "fbnet/error.h"

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
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        if (!out)
            throw Error::at(path, "", "cannot write weights");
        out.write(bytes.data(), std::streamsize(bytes.size()));
        if (!out.flush())
            throw Error::at(path, "", "cannot write weights (disk full?)");
    }
    std::filesystem::rename(tmp, path);
}

StateDict loadStateDict(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error::at(path, "", "cannot open file for reading");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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
