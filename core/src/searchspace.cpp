#include "fbnet/searchspace.h"

#include <cmath>
#include <set>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "jsonutil.h"

namespace fbnet {

using detail::JsonReader;

int roundWidth(double width, int divisor)
{
    int rounded = std::max(divisor, int(width + divisor / 2.0) / divisor * divisor);
    if (rounded < 0.95 * width)
        rounded += divisor;
    return rounded;
}

const std::vector<std::string> &fbnetCandidateNames()
{
    static const std::vector<std::string> names = {"k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1",
                                                   "k5_e1_g2", "k5_e3", "k5_e6", "skip"};
    return names;
}

static int convOut(int size, int stride)
{
    return (size + stride - 1) / stride;
}

static BlockSpec readBlock(const JsonReader &r, const std::string &name)
{
    BlockSpec b;
    b.name = name;
    const std::string type = r.getString("type");
    if (type == "skip") {
        b.kind = BlockSpec::Kind::Skip;
        return b;
    }
    if (type != "irf")
        r.fail("type", "expected \"irf\" or \"skip\", got \"" + type + "\"");
    b.kind = BlockSpec::Kind::Irf;
    b.kernel = r.getInt("kernel");
    if (b.kernel < 1 || b.kernel % 2 == 0)
        r.fail("kernel", "expected an odd kernel size >= 1");
    b.expansion = r.getDouble("expansion");
    if (!(b.expansion > 0))
        r.fail("expansion", "expected a positive number");
    b.groups = r.getInt("groups", 1);
    if (b.groups < 1)
        r.fail("groups", "expected an integer >= 1");
    b.doubleDw = r.getBool("double_dw", false);
    return b;
}

SearchSpace SearchSpace::load(const std::string &path, const SpaceParams &params)
{
    return fromJsonText(readTextFile(path), path, params);
}

SearchSpace SearchSpace::fromJsonText(const std::string &text, const std::string &source,
                                      const SpaceParams &params)
{
    const auto doc = detail::parseJson(text, source);
    JsonReader r(doc, source);
    SearchSpace s;
    s.name = r.getString("name");
    s.description = r.getString("description", "");
    {
        JsonReader in = r.child("input");
        s.inputSize = in.getInt("size");
        s.inputChannels = in.getInt("channels", 3);
        if (s.inputSize < 8)
            in.fail("size", "expected an input size >= 8");
        if (s.inputChannels < 1)
            in.fail("channels", "expected >= 1 channel");
    }
    s.numClasses = r.getInt("num_classes");
    if (s.numClasses < 2)
        r.fail("num_classes", "expected at least 2 classes");
    if (params.numClasses > 0)
        s.numClasses = params.numClasses;
    {
        JsonReader st = r.child("stem");
        s.stemChannels = st.getInt("channels");
        s.stemKernel = st.getInt("kernel", 3);
        s.stemStride = st.getInt("stride");
        if (s.stemChannels < 1)
            st.fail("channels", "expected a positive width");
        if (s.stemStride != 1 && s.stemStride != 2)
            st.fail("stride", "expected 1 or 2");
    }
    s.headChannels = r.child("head").getInt("channels");
    if (s.headChannels < 1)
        r.child("head").fail("channels", "expected a positive width");

    if (!r.has("blocks") || !r.node().at("blocks").is_object())
        r.fail("blocks", "expected an object mapping block names to definitions");
    for (const auto &item : r.node().at("blocks").items()) {
        JsonReader br(item.value(), source, "/blocks/" + item.key());
        s.blocks[item.key()] = readBlock(br, item.key());
    }
    s.candidates = r.getStringArray("candidates");
    if (s.candidates.empty())
        r.fail("candidates", "expected at least one candidate");
    for (std::size_t i = 0; i < s.candidates.size(); ++i)
        if (!s.blocks.count(s.candidates[i]))
            r.fail("candidates/" + std::to_string(i),
                   "\"" + s.candidates[i] + "\" is not defined under /blocks");

    if (!r.has("stages") || !r.node().at("stages").is_array() || r.node().at("stages").empty())
        r.fail("stages", "expected a non-empty array of stages");
    const auto &stages = r.node().at("stages");
    for (std::size_t i = 0; i < stages.size(); ++i) {
        JsonReader sr(stages[i], source, "/stages/" + std::to_string(i));
        StageSpec st;
        st.channels = sr.getInt("channels");
        st.repeats = sr.getInt("repeats");
        st.stride = sr.getInt("stride");
        if (st.channels < 1)
            sr.fail("channels", "expected a positive width");
        if (st.repeats < 1)
            sr.fail("repeats", "expected at least 1 layer");
        if (st.stride != 1 && st.stride != 2)
            sr.fail("stride", "expected 1 or 2");
        if (sr.has("candidates")) {
            st.candidates = sr.getStringArray("candidates");
            for (std::size_t c = 0; c < st.candidates.size(); ++c)
                if (!s.blocks.count(st.candidates[c]))
                    sr.fail("candidates/" + std::to_string(c),
                            "\"" + st.candidates[c] + "\" is not defined under /blocks");
        }
        s.stages.push_back(st);
    }

    if (params.widthMultiplier != 1.0) {
        if (!(params.widthMultiplier > 0))
            throw Error::at(source, "width multiplier", "expected a positive number");
        s.stemChannels = roundWidth(s.stemChannels * params.widthMultiplier);
        for (auto &st : s.stages)
            st.channels = roundWidth(st.channels * params.widthMultiplier);
    }

    // Every candidate must fit every layer it may occupy (groups divide the widths).
    for (const auto &layer : s.layers())
        for (const auto &c : layer.candidates) {
            const BlockSpec &b = s.blocks.at(c);
            if (b.kind != BlockSpec::Kind::Irf)
                continue;
            const int mid = int(std::lround(layer.cin * b.expansion));
            if (layer.cin % b.groups || layer.cout % b.groups || mid % b.groups)
                throw Error::at(source, "/blocks/" + c + "/groups",
                                "groups=" + std::to_string(b.groups) + " does not divide the widths of layer "
                                    + std::to_string(layer.index + 1));
        }
    return s;
}

std::vector<LayerSpec> SearchSpace::layers() const
{
    std::vector<LayerSpec> out;
    int cin = stemChannels;
    int size = convOut(inputSize, stemStride);
    for (std::size_t si = 0; si < stages.size(); ++si) {
        const StageSpec &st = stages[si];
        for (int r = 0; r < st.repeats; ++r) {
            LayerSpec l;
            l.index = int(out.size());
            l.stage = int(si);
            l.cin = cin;
            l.cout = st.channels;
            l.stride = r == 0 ? st.stride : 1;
            l.inputSize = size;
            l.candidates = st.candidates.empty() ? candidates : st.candidates;
            out.push_back(l);
            cin = st.channels;
            size = convOut(size, l.stride);
        }
    }
    return out;
}

int SearchSpace::layerCount() const
{
    int n = 0;
    for (const auto &st : stages)
        n += st.repeats;
    return n;
}

bool SearchSpace::hasBlock(const std::string &n) const
{
    return blocks.count(n) != 0;
}

const BlockSpec &SearchSpace::block(const std::string &n) const
{
    auto it = blocks.find(n);
    if (it == blocks.end())
        throw Error::at("space " + name, "blocks", "unknown block \"" + n + "\"");
    return it->second;
}

double SearchSpace::log10Size() const
{
    double s = 0;
    for (const auto &l : layers())
        s += std::log10(double(l.candidates.size()));
    return s;
}

} // namespace fbnet
