#include "fbnet/searchspace.h"

#include <cmath>
#include <set>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "base/jsonutil.h"

namespace fbnet {

using detail::JsonReader;

int roundWidth(double width, int divisor)
{
    int rounded = std::max(divisor, int(width + divisor / 2.0) / divisor * divisor);
    if (rounded < 0.95 * width)
        rounded += divisor;
    return rounded;
}

int midChannels(int cin, const BlockSpec &b)
{
    return b.widthDivisor > 0 ? roundWidth(cin * b.expansion, b.widthDivisor) : int(std::lround(cin * b.expansion));
}

bool hasPointwise(int cin, const BlockSpec &b)
{
    return b.alwaysPw || midChannels(cin, b) != cin;
}

int seChannels(int mid)
{
    return roundWidth(double(mid / 4), 8);
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
    b.kernel = r.getIntIn("kernel", 1, kMaxKernel);
    if (b.kernel < 1 || b.kernel % 2 == 0)
        r.fail("kernel", "expected an odd kernel size >= 1");
    b.expansion = r.getDouble("expansion");
    if (!(b.expansion > 0 && b.expansion <= kMaxExpansion))
        r.fail("expansion", "expected a positive number, at most 64");
    b.groups = r.getIntIn("groups", 1, 1024, 1);
    if (b.groups < 1)
        r.fail("groups", "expected an integer >= 1");
    b.doubleDw = r.getBool("double_dw", false);
    b.se = r.getBool("se", false);
    b.hswish = r.getBool("hswish", false);
    b.alwaysPw = r.getBool("always_pw", true);
    b.widthDivisor = r.getIntIn("width_divisor", 0, 1024, 0);
    if (b.widthDivisor < 0)
        r.fail("width_divisor", "expected 0 (exact) or a positive divisor");
    return b;
}

SearchSpace SearchSpace::load(const std::string &path, const SpaceParams &params)
{
    return fromJsonText(readTextFile(path), path, params);
}

/**
 * One list of candidate names (the space's or a stage's): at least one, at most kMaxCandidates (a
 * supernet holds every candidate of every layer), each defined under /blocks and none twice (two
 * modules of one name cannot be built).
 */
static std::vector<std::string> readCandidates(const JsonReader &r, const SearchSpace &s)
{
    if (r.has("candidates") && r.node().at("candidates").is_array() && r.node().at("candidates").size() > std::size_t(kMaxCandidates))
        r.fail("candidates", "expected at most " + std::to_string(kMaxCandidates) + " candidates per layer, got "
                                 + std::to_string(r.node().at("candidates").size()));
    auto list = r.getStringArray("candidates");
    if (list.empty())
        r.fail("candidates", "expected at least one candidate");
    std::set<std::string> seen;
    for (std::size_t c = 0; c < list.size(); ++c) {
        if (!s.blocks.count(list[c]))
            r.fail("candidates/" + std::to_string(c), "\"" + list[c] + "\" is not defined under /blocks");
        if (!seen.insert(list[c]).second)
            r.fail("candidates/" + std::to_string(c), "\"" + list[c] + "\" is listed twice");
    }
    return list;
}

/** One entry of /stages: widths, repeats, stride, and the options an FBNetV2 stage searches. */
static StageSpec readStage(const JsonReader &sr, const SearchSpace &s)
{
    StageSpec st;
    st.channels = sr.getIntIn("channels", 1, kMaxChannels);
    st.repeats = sr.getIntIn("repeats", 1, kMaxLayers);
    st.stride = sr.getInt("stride");
    if (st.channels < 1)
        sr.fail("channels", "expected a positive width");
    if (st.repeats < 1)
        sr.fail("repeats", "expected at least 1 layer");
    if (st.stride != 1 && st.stride != 2)
        sr.fail("stride", "expected 1 or 2");
    if (sr.has("candidates"))
        st.candidates = readCandidates(sr, s);
    if (sr.has("width_options")) {
        st.widthOptions = sr.getIntArrayIn("width_options", 1, kMaxChannels, 64);
        for (std::size_t w = 0; w < st.widthOptions.size(); ++w)
            if (st.widthOptions[w] < 1 || st.widthOptions[w] > st.channels)
                sr.fail("width_options/" + std::to_string(w), "expected 1 <= width <= the stage's channels " + std::to_string(st.channels));
    }
    if (sr.has("expansion_options")) {
        if (!sr.node().at("expansion_options").is_array())
            sr.fail("expansion_options", "expected an array of positive numbers");
        for (const auto &e : sr.node().at("expansion_options")) {
            if (!e.is_number() || !(e.get<double>() > 0 && e.get<double>() <= kMaxExpansion))
                sr.fail("expansion_options", "expected an array of positive numbers");
            st.expansionOptions.push_back(e.get<double>());
        }
    }
    return st;
}

/** /input, /num_classes, /stem and /head. */
static void readInputStemHead(const JsonReader &r, const SpaceParams &params, SearchSpace &s)
{
    {
        JsonReader in = r.child("input");
        s.inputSize = in.getIntIn("size", 1, kMaxInputSize);
        s.inputChannels = in.getIntIn("channels", 1, 64, 3);
        if (s.inputSize < 8)
            in.fail("size", "expected an input size >= 8");
        if (s.inputChannels < 1)
            in.fail("channels", "expected >= 1 channel");
    }
    s.numClasses = r.getIntIn("num_classes", 0, 1000000);
    if (s.numClasses < 2)
        r.fail("num_classes", "expected at least 2 classes");
    if (params.numClasses > 0)
        s.numClasses = params.numClasses;
    {
        JsonReader st = r.child("stem");
        s.stemChannels = st.getIntIn("channels", 1, kMaxChannels);
        s.stemKernel = st.getIntIn("kernel", 1, kMaxKernel, 3);
        s.stemStride = st.getInt("stride");
        const std::string act = st.getString("activation", "relu");
        if (act != "relu" && act != "hswish")
            st.fail("activation", "expected relu or hswish");
        s.stemHswish = act == "hswish";
        if (s.stemChannels < 1)
            st.fail("channels", "expected a positive width");
        if (s.stemStride != 1 && s.stemStride != 2)
            st.fail("stride", "expected 1 or 2");
    }
    {
        JsonReader hd = r.child("head");
        s.headChannels = hd.getIntIn("channels", 1, kMaxHeadChannels);
        if (s.headChannels < 1)
            hd.fail("channels", "expected a positive width");
        s.headType = hd.getString("type", "conv");
        if (s.headType != "conv" && s.headType != "ir_pool")
            hd.fail("type", "expected conv or ir_pool");
        s.headExpansion = hd.getDouble("expansion", 6);
        if (!(s.headExpansion > 0 && s.headExpansion <= kMaxExpansion))
            hd.fail("expansion", "expected a positive number, at most 64");
    }
}

SearchSpace SearchSpace::fromJsonText(const std::string &text, const std::string &source,
                                      const SpaceParams &params)
{
    const auto doc = detail::parseJson(text, source);
    JsonReader r(doc, source);
    SearchSpace s;
    s.name = r.getString("name");
    s.description = r.getString("description", "");
    readInputStemHead(r, params, s);
    if (r.has("resolutions")) {
        s.resolutions = r.getIntArrayIn("resolutions", 1, kMaxInputSize, 64);
        for (std::size_t i = 0; i < s.resolutions.size(); ++i)
            if (s.resolutions[i] < 8)
                r.fail("resolutions/" + std::to_string(i), "expected a resolution >= 8");
    }

    if (!r.has("blocks") || !r.node().at("blocks").is_object())
        r.fail("blocks", "expected an object mapping block names to definitions");
    if (r.node().at("blocks").size() > std::size_t(kMaxBlocks))
        r.fail("blocks", "expected at most " + std::to_string(kMaxBlocks) + " block definitions");
    for (const auto &item : r.node().at("blocks").items()) {
        JsonReader br(item.value(), source, "/blocks/" + item.key());
        s.blocks[item.key()] = readBlock(br, item.key());
    }
    s.candidates = readCandidates(r, s);

    if (!r.has("stages") || !r.node().at("stages").is_array() || r.node().at("stages").empty())
        r.fail("stages", "expected a non-empty array of stages");
    const auto &stages = r.node().at("stages");
    int layerCount = 0;
    for (std::size_t i = 0; i < stages.size(); ++i) {
        JsonReader sr(stages[i], source, "/stages/" + std::to_string(i));
        const StageSpec st = readStage(sr, s);
        s.stages.push_back(st);
        layerCount += st.repeats;
        if (layerCount > kMaxLayers)
            sr.fail("repeats", "the space would have more than " + std::to_string(kMaxLayers) + " searchable layers");
    }

    if (params.widthMultiplier != 1.0) {
        if (!(params.widthMultiplier > 0 && params.widthMultiplier <= 8))
            throw Error::at(source, "width multiplier", "expected a positive number, at most 8");
        s.stemChannels = roundWidth(s.stemChannels * params.widthMultiplier);
        for (auto &st : s.stages) {
            st.channels = roundWidth(st.channels * params.widthMultiplier);
            if (st.channels > kMaxChannels || s.stemChannels > kMaxChannels)
                throw Error::at(source, "width multiplier", "widths above " + std::to_string(kMaxChannels) + " channels");
        }
    }

    if (params.inputSize > 0) {
        if (params.inputSize < 8 || params.inputSize > kMaxInputSize)
            throw Error::at(source, "input size", "expected 8.." + std::to_string(kMaxInputSize) + ", got " + std::to_string(params.inputSize));
        s.inputSize = params.inputSize;
    }

    // Every candidate must fit every layer it may occupy (groups divide the widths).
    for (const auto &layer : s.layers())
        for (const auto &c : layer.candidates) {
            const BlockSpec &b = s.blocks.at(c);
            if (b.kind != BlockSpec::Kind::Irf)
                continue;
            const int mid = midChannels(layer.cin, b);
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

bool SearchSpace::searchesShapes() const
{
    if (resolutions.size() > 1)
        return true;
    for (const auto &st : stages)
        if (st.widthOptions.size() > 1 || st.expansionOptions.size() > 1)
            return true;
    return false;
}

double SearchSpace::log10Size() const
{
    // Per layer: (IRF candidates x expansion options + other candidates) x width options; times
    // the input resolutions. For FBNet spaces this is the product of the candidate counts.
    double s = resolutions.size() > 1 ? std::log10(double(resolutions.size())) : 0.0;
    for (const auto &l : layers()) {
        const StageSpec &st = stages[std::size_t(l.stage)];
        const double widths = st.widthOptions.empty() ? 1.0 : double(st.widthOptions.size());
        const double expansions = st.expansionOptions.empty() ? 1.0 : double(st.expansionOptions.size());
        double choices = 0;
        for (const auto &c : l.candidates)
            choices += block(c).kind == BlockSpec::Kind::Irf ? expansions : 1.0;
        s += std::log10(choices * widths);
    }
    return s;
}

} // namespace fbnet
