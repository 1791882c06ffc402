#include "fbnet/mobilevision.h"

#include <cmath>

#include "fbnet/error.h"
#include "base/jsonutil.h"

namespace fbnet {

using detail::json;

namespace {

/** mobile_cv.arch.utils.helper.get_divisible_by (min_val = divisor): how mobile-vision rounds a width. */
int mobileVisionDivisible(double num, int divisor)
{
    int ret = int(num);
    if (divisor > 0 && std::fmod(num, double(divisor)) != 0) {
        const double q = std::floor(num / divisor + 0.5);  // py2_round
        ret = int((q != 0 ? q : 1) * divisor);
        if (ret < 0.95 * num)
            ret += divisor;
    }
    return std::max(ret, divisor);
}

/**
 * The arch_def's width_divisor (FBNetBuilder's basic_args): 8 when the network's blocks round
 * their hidden widths to multiples of 8 (FBNetV2), 1 when they take round(Cin * e) (FBNet).
 */
int archDefWidthDivisor(const NetworkPlan &plan)
{
    int divisor = -1;
    for (std::size_t i = 0; i < plan.chosen.size(); ++i) {
        const BlockSpec &b = plan.chosen[i];
        if (b.kind == BlockSpec::Kind::Skip)
            continue;
        const int d = b.widthDivisor > 0 ? b.widthDivisor : 1;
        if (divisor >= 0 && d != divisor)
            throw Error::at("mobile-vision export", "layer " + std::to_string(i + 1) + ": " + b.name,
                            "blocks round their hidden widths to different divisors; an arch_def has one width_divisor");
        divisor = d;
    }
    return divisor < 0 ? 1 : divisor;
}

/** fbnet::Error unless mobile-vision's builder gives layer i the hidden and squeeze widths ours has. */
void checkWidths(std::size_t i, const LayerSpec &l, const BlockSpec &b, int divisor)
{
    const std::string where = "layer " + std::to_string(i + 1) + ": " + b.name;
    const int mid = midChannels(l.cin, b);
    const int theirMid = mobileVisionDivisible(double(l.cin) * b.expansion, divisor);  // IRFBlock._calc_mid_channels
    if (theirMid != mid)
        throw Error::at("mobile-vision export", where,
                        "hidden width " + std::to_string(mid) + " differs from mobile-vision's " + std::to_string(theirMid));
    if (b.se && mobileVisionDivisible(int(mid * 0.25), divisor) != seChannels(mid))  // IRFBlock's se_ratio, then build_se
        throw Error::at("mobile-vision export", where,
                        "squeeze-excite width " + std::to_string(seChannels(mid)) + " differs from mobile-vision's "
                            + std::to_string(mobileVisionDivisible(int(mid * 0.25), divisor)));
}

json blockEntry(std::size_t i, const LayerSpec &l, const BlockSpec &b, int divisor)
{
    if (b.kind == BlockSpec::Kind::Skip)
        return json::array({"skip", l.cout, l.stride, 1});
    checkWidths(i, l, b, divisor);
    std::string op = b.doubleDw ? "ir_k3_sep" : "ir_k" + std::to_string(b.kernel);
    json kw = {{"expansion", b.expansion}};
    if (b.groups == 2) {
        if (b.se || b.hswish)
            throw Error::at("mobile-vision export", "layer " + std::to_string(i + 1) + ": " + b.name,
                            "a group-2 block with squeeze-excite or h-swish has no mobile-vision block");
        op += "_g2";
        kw["pwl_groups"] = 2;
    } else if (b.groups != 1) {
        throw Error::at("mobile-vision export", b.name, "groups other than 1 and 2 have no mobile-vision block");
    }
    if (b.se && b.hswish) {
        // ir_kK_sehsig_hs would give the squeeze-excite's inner activation the block's h-swish; ours is a ReLU.
        op += "_hs";
        kw["se_args"] = {{"name", "se_hsig"}, {"relu_args", "relu"}};
    } else {
        op += std::string(b.se ? "_sehsig" : "") + (b.hswish ? "_hs" : "");
    }
    if (midChannels(l.cin, b) == l.cin && b.alwaysPw)  // mobile-vision drops that pw otherwise
        kw["always_pw"] = true;
    return json::array({op, l.cout, l.stride, 1, kw});
}

std::string pathOf(std::size_t stage, std::size_t entry, int field = -1)
{
    std::string p = "/blocks/" + std::to_string(stage) + "/" + std::to_string(entry);
    if (field >= 0)
        p += "/" + std::to_string(field);
    return p;
}

} // namespace

std::string toMobileVisionArchDef(const SearchSpace &space, const Architecture &arch, int indent)
{
    const NetworkPlan plan = resolve(space, arch);
    const int divisor = archDefWidthDivisor(plan);
    // mobile-vision's conv_kK are nn.Conv2d with its default bias; ours have none (BN follows).
    const json noBias = {{"bias", false}};
    json blocks = json::array();
    blocks.push_back(json::array({json::array({"conv_k" + std::to_string(plan.stemKernel) + (plan.stemHswish ? "_hs" : ""), plan.stemChannels,
                                               plan.stemStride, 1, noBias})}));
    int stage = -1;
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const auto &l = plan.layers[i];
        if (l.stage != stage) {
            blocks.push_back(json::array());
            stage = l.stage;
        }
        blocks.back().push_back(blockEntry(i, l, plan.chosen[i], divisor));
    }
    const int last = plan.layers.empty() ? plan.stemChannels : plan.layers.back().cout;
    if (plan.headType == "ir_pool") {
        // IRPoolBlock: 1x1 expand (no bias) + BN + h-swish, global pool, 1x1 conv (no bias, no BN) + h-swish
        if (mobileVisionDivisible(last * plan.headExpansion, divisor) != roundWidth(last * plan.headExpansion, 8))
            throw Error::at("mobile-vision export", "head", "the ir_pool head's hidden width differs from mobile-vision's");
        if (last == plan.headChannels)
            throw Error::at("mobile-vision export", "head", "mobile-vision's ir_pool block adds a residual when its widths match; ours does not");
        blocks.push_back(json::array({json::array({"ir_pool_hs", plan.headChannels, 1, 1, {{"expansion", plan.headExpansion}}})}));
    } else {
        blocks.push_back(json::array({json::array({"conv_k1", plan.headChannels, 1, 1, noBias})}));
    }
    json head = {{"format", "mobile-vision arch_def (mobile_cv.arch.fbnet_v2)"},
                 {"name", arch.name},
                 {"space", space.name},
                 {"input_size", plan.inputSize},
                 {"num_classes", plan.numClasses},
                 {"basic_args", divisor == 1 ? json::object() : json{{"width_divisor", divisor}}}};
    if (indent < 0) {
        head["blocks"] = blocks;
        return head.dump() + "\n";
    }
    // One block entry per line, one stage per group: the layout of mobile-vision's model defs.
    std::string text = head.dump(indent);
    text.pop_back();  // the closing brace
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    const std::string pad(std::size_t(indent), ' ');
    text += ",\n" + pad + "\"blocks\": [\n";
    for (std::size_t s = 0; s < blocks.size(); ++s) {
        text += pad + pad + "[\n";
        for (std::size_t e = 0; e < blocks[s].size(); ++e)
            text += pad + pad + pad + blocks[s][e].dump() + (e + 1 < blocks[s].size() ? ",\n" : "\n");
        text += pad + pad + "]" + (s + 1 < blocks.size() ? ",\n" : "\n");
    }
    text += pad + "]\n}\n";
    return text;
}

std::vector<std::pair<std::string, std::string>> mobileVisionModuleNames(const SearchSpace &space, const Architecture &arch)
{
    const NetworkPlan plan = resolve(space, arch);
    toMobileVisionArchDef(space, arch);  // refuses what mobile-vision builds otherwise (widths, blocks, head)
    auto stagePrefix = [](int stage, int block) {
        return "backbone.stages.xif" + std::to_string(stage) + "_" + std::to_string(block) + ".";
    };
    std::vector<std::pair<std::string, std::string>> names = {{"stem.conv", stagePrefix(0, 0) + "conv"},
                                                              {"stem.bn", stagePrefix(0, 0) + "bn"}};
    int stage = 0, block = 0, lastStage = -1;
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const LayerSpec &l = plan.layers[i];
        const BlockSpec &b = plan.chosen[i];
        if (l.stage != lastStage) {
            ++stage;
            block = 0;
            lastStage = l.stage;
        }
        const std::string ours = "layer" + std::to_string(i), theirs = stagePrefix(stage, block++);
        if (b.kind == BlockSpec::Kind::Skip) {
            names.push_back({ours + ".conv", theirs + "conv.conv"});  // the projecting skip (mobile-vision's Identity)
            names.push_back({ours + ".bn", theirs + "conv.bn"});
            continue;
        }
        if (b.doubleDw)
            throw Error::at("mobile-vision export", "layer " + std::to_string(i + 1) + ": " + b.name,
                            "the double-depthwise block has no block in mobile-vision's fbnet_v2 builder (ir_k3_sep is the FBNet v1 "
                            "builder's); its weights cannot be loaded there. Use --format onnx");
        if (hasPointwise(l.cin, b)) {
            names.push_back({ours + ".pw", theirs + "pw.conv"});
            names.push_back({ours + ".pw_bn", theirs + "pw.bn"});
        }
        names.push_back({ours + ".dw", theirs + "dw.conv"});
        names.push_back({ours + ".dw_bn", theirs + "dw.bn"});
        if (b.se) {  // SEModule: se = Sequential(ConvBNRelu(conv), Conv2d, HSigmoid)
            names.push_back({ours + ".se.reduce", theirs + "se.se.0.conv"});
            names.push_back({ours + ".se.expand", theirs + "se.se.1"});
        }
        names.push_back({ours + ".pwl", theirs + "pwl.conv"});
        names.push_back({ours + ".pwl_bn", theirs + "pwl.bn"});
    }
    if (plan.headType == "ir_pool") {  // IRPoolBlock: pw (ConvBNRelu), pool, pwl (ConvBNRelu without BN)
        names.push_back({"head.conv", stagePrefix(stage + 1, 0) + "pw.conv"});
        names.push_back({"head.bn", stagePrefix(stage + 1, 0) + "pw.bn"});
        names.push_back({"head_pwl", stagePrefix(stage + 1, 0) + "pwl.conv"});
    } else {
        names.push_back({"head.conv", stagePrefix(stage + 1, 0) + "conv"});
        names.push_back({"head.bn", stagePrefix(stage + 1, 0) + "bn"});
    }
    names.push_back({"fc", "head.conv"});  // ClsConvHead: average pool, then a 1x1 conv with bias
    return names;
}

bool isMobileVisionArchDef(const std::string &text)
{
    try {
        const auto j = json::parse(text);
        return j.is_object() && j.contains("blocks") && j["blocks"].is_array() && !j["blocks"].empty() && j["blocks"][0].is_array();
    } catch (const json::exception &) {
        return false;
    }
}

namespace {

/** One block of an arch_def after its repeats are expanded: where it came from, op, width, stride, kwargs. */
struct ArchDefEntry
{
    std::string path;
    std::string op;
    int c = 0, s = 1;
    json kw;
};

/** The stages' entries, each repeated n times; fbnet::Error naming the entry for any bad field. */
std::vector<ArchDefEntry> flattenArchDef(const json &stages, std::size_t layersWanted, const SearchSpace &space, const std::string &source)
{
    auto fail = [&](const std::string &path, const std::string &msg) -> void { throw Error::at(source, path, msg); };
    std::vector<ArchDefEntry> flat;
    for (std::size_t si = 0; si < stages.size(); ++si) {
        if (!stages[si].is_array())
            fail("/blocks/" + std::to_string(si), "expected a list of block entries");
        for (std::size_t ei = 0; ei < stages[si].size(); ++ei) {
            const json &e = stages[si][ei];
            if (!e.is_array() || e.size() < 4 || !e[0].is_string())
                fail(pathOf(si, ei), "expected [op, channels, stride, repeats, {kwargs}...]");
            // channels, stride, repeats: bounded before use (a wrapped int or n = 5e7 must not get through)
            const std::int64_t maxOf[4] = {0, kMaxArchDefChannels, 2, std::int64_t(layersWanted)};
            for (int f = 1; f <= 3; ++f) {
                const json &v = e[std::size_t(f)];
                if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || (v.is_number_unsigned() && v.get<std::uint64_t>() > 1u << 30)
                    || v.get<std::int64_t>() > maxOf[f])
                    fail(pathOf(si, ei, f), "expected an integer in 1.." + std::to_string(maxOf[f]) + ", got " + v.dump());
            }
            json kw = json::object();
            for (std::size_t k = 4; k < e.size(); ++k) {
                if (!e[k].is_object())
                    fail(pathOf(si, ei, int(k)), "expected a kwargs object");
                kw.update(e[k]);
            }
            const int n = e[3].get<int>();
            if (flat.size() + std::size_t(n) > layersWanted)
                fail(pathOf(si, ei, 3), "expected a stem, " + std::to_string(layersWanted - 2) + " searchable layers of space "
                                            + space.name + " and a head (" + std::to_string(layersWanted)
                                            + " blocks); this entry goes past them");
            for (int r = 0; r < n; ++r)
                flat.push_back({pathOf(si, ei), e[0].get<std::string>(), e[1].get<int>(), r == 0 ? e[2].get<int>() : 1, kw});
        }
    }
    return flat;
}

/** Our block name for an arch_def op and its kwargs (ir_k5 + expansion 6 -> k5_e6). */
std::string blockNameOf(const ArchDefEntry &e, const std::string &source)
{
    auto fail = [&](const std::string &path, const std::string &msg) -> void { throw Error::at(source, path, msg); };
    if (e.op == "skip") {
        return "skip";
    } else {
        const bool sep = e.op == "ir_k3_sep";
        int kernel = 0, groups = 1;
        if (sep)
            kernel = 3;
        else if (e.op == "ir_k3" || e.op == "ir_k5")
            kernel = e.op[4] - '0';
        else if (e.op == "ir_k3_g2" || e.op == "ir_k5_g2") {
            kernel = e.op[4] - '0';
            groups = 2;
        } else
            fail(e.path + "/0", "unknown op '" + e.op + "' (expected skip, ir_k3, ir_k5, ir_k3_g2, ir_k5_g2 or ir_k3_sep)");
        if (!e.kw.contains("expansion") || !e.kw["expansion"].is_number() || !(e.kw["expansion"].get<double>() > 0)
            || !(e.kw["expansion"].get<double>() <= 64))
            fail(e.path + "/4/expansion", "expected the expansion, a number in (0, 64] (e.g. {\"expansion\": 6})");
        if (e.kw.contains("always_pw") && !e.kw["always_pw"].is_boolean())
            fail(e.path + "/4/always_pw", "expected true or false");
        if (e.kw.contains("pwl_groups") && !e.kw["pwl_groups"].is_number_integer())
            fail(e.path + "/4/pwl_groups", "expected an integer");
        const double ex = e.kw["expansion"].get<double>();
        if (std::abs(ex - 1.0) < 1e-9 && !e.kw.value("always_pw", false))
            fail(e.path + "/4/always_pw",
                 "an expansion-1 block without always_pw has no first 1x1 conv in mobile-vision; FBNet's blocks keep it");
        if (groups == 2 && e.kw.value("pwl_groups", 1) != 2)
            fail(e.path + "/4/pwl_groups", "FBNet's g2 blocks group both 1x1 convs: expected \"pwl_groups\": 2");
        char buf[32];
        if (sep)
            std::snprintf(buf, sizeof buf, "k33_e%g", ex);
        else
            std::snprintf(buf, sizeof buf, "k%d_e%g%s", kernel, ex, groups == 2 ? "_g2" : "");
        return buf;
    }
}

} // namespace

Architecture fromMobileVisionArchDef(const SearchSpace &space, const std::string &text, const std::string &source)
{
    const json doc = detail::parseJson(text, source);
    auto fail = [&](const std::string &path, const std::string &msg) -> void { throw Error::at(source, path, msg); };
    if (space.searchesShapes())
        fail("/blocks", "arch_defs of FBNetV2 spaces (" + space.name + ") are written by fbnet export but not read yet; "
                        "import the architecture's JSON (fbnet export --format json) instead");
    if (!doc.is_object() || !doc.contains("blocks") || !doc["blocks"].is_array())
        fail("/blocks", "expected an object with \"blocks\": a list of stages, each a list of [op, c, s, n, {kwargs}]");
    const std::vector<ArchDefEntry> flat = flattenArchDef(doc["blocks"], space.layers().size() + 2, space, source);
    const auto layers = space.layers();
    if (flat.size() != layers.size() + 2)
        fail("/blocks", "expected a stem, " + std::to_string(layers.size()) + " searchable layers of space " + space.name
                            + " and a head (" + std::to_string(layers.size() + 2) + " blocks), got " + std::to_string(flat.size()));
    Architecture a;
    a.space = space.name;
    if (doc.contains("name") && !doc["name"].is_string())
        fail("/name", "expected a string");
    a.name = doc.value("name", std::string());
    a.source = "imported from " + source + " (mobile-vision arch_def)";
    const ArchDefEntry &stem = flat.front();
    if (stem.op != "conv_k" + std::to_string(space.stemKernel))
        fail(stem.path + "/0", "expected the stem conv_k" + std::to_string(space.stemKernel) + ", got " + stem.op);
    if (stem.s != space.stemStride)
        fail(stem.path + "/2", "stem stride " + std::to_string(stem.s) + " differs from space " + space.name + "'s "
                                   + std::to_string(space.stemStride));
    if (stem.c != space.stemChannels)
        a.stemChannels = stem.c;
    const ArchDefEntry &head = flat.back();
    if (head.op != "conv_k1")
        fail(head.path + "/0", "expected the head conv_k1, got " + head.op);
    if (head.c != space.headChannels)
        a.headChannels = head.c;
    if (doc.contains("input_size")) {
        if (!doc["input_size"].is_number_integer() || doc["input_size"].get<std::int64_t>() < 8
            || doc["input_size"].get<std::int64_t>() > kMaxInputSize || doc["input_size"].is_number_float())
            fail("/input_size", "expected an integer in 8.." + std::to_string(kMaxInputSize));
        if (doc["input_size"].get<int>() != space.inputSize)
            a.inputSize = doc["input_size"].get<int>();
    }
    std::vector<int> widths(space.stages.size(), 0);
    for (std::size_t i = 0; i < layers.size(); ++i) {
        const ArchDefEntry &e = flat[i + 1];
        const LayerSpec &l = layers[i];
        if (e.s != l.stride)
            fail(e.path + "/2", "layer " + std::to_string(i + 1) + " of space " + space.name + " has stride " + std::to_string(l.stride)
                                    + ", got " + std::to_string(e.s));
        int &w = widths[std::size_t(l.stage)];
        if (w == 0)
            w = e.c;
        else if (w != e.c)
            fail(e.path + "/1", "layers of one stage must share their width (" + std::to_string(w) + "), got " + std::to_string(e.c));
        const std::string name = blockNameOf(e, source);
        if (!space.hasBlock(name))
            fail(e.path, "block " + name + " is not a block of space " + space.name);
        a.blocks.push_back(name);
    }
    bool sameWidths = true;
    for (std::size_t s = 0; s < widths.size(); ++s)
        sameWidths = sameWidths && widths[s] == space.stages[s].channels;
    if (!sameWidths)
        a.stageWidths = widths;
    resolve(space, a);  // the final check (the space's own rules)
    return a;
}

} // namespace fbnet
