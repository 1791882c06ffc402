#include "fbnet/lutimport.h"

#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "base/jsonutil.h"

namespace fbnet {

LutFormat lutFormatFromString(const std::string &s)
{
    if (s == "hwnasbench")
        return LutFormat::HwNasBench;
    if (s == "ofa")
        return LutFormat::Ofa;
    if (s == "nni")
        return LutFormat::Nni;
    throw Error::at("lut import", "format", "expected hwnasbench, ofa or nni, got \"" + s + "\"");
}

namespace {

std::string num(double v)
{
    std::ostringstream ss;
    ss << v;
    return ss.str();
}

/** The space's block whose shape matches (kernel, expansion, groups), if any. */
const BlockSpec *findIrf(const SearchSpace &space, int kernel, double expansion, int groups)
{
    for (const auto &[name, b] : space.blocks)
        if (b.kind == BlockSpec::Kind::Irf && !b.doubleDw && b.kernel == kernel && std::abs(b.expansion - expansion) < 1e-9
            && b.groups == groups)
            return &b;
    return nullptr;
}

/** Signatures the space uses, so records can be matched exactly. */
std::map<std::string, bool> spaceSignatures(const SearchSpace &space)
{
    std::map<std::string, bool> out;
    for (const auto &l : space.layers())
        for (const auto &c : l.candidates)
            out[opSignature(l, space.block(c))] = true;
    return out;
}

NetworkPlan defaultPlan(const SearchSpace &space)
{
    Architecture a;
    a.space = space.name;
    for (const auto &l : space.layers())
        a.blocks.push_back(l.candidates.front());
    return resolve(space, a);
}

/** Longest line a record may take: longer ones are refused before any pattern sees them. */
constexpr std::size_t kMaxLineLength = 4096;

/** Reads the next line, refusing overlong ones (a 50,000-character line made std::regex recurse to a crash). */
bool nextLine(std::istream &in, std::string &line, int &lineNo, const std::string &path)
{
    if (!std::getline(in, line))
        return false;
    ++lineNo;
    if (line.size() > kMaxLineLength)
        throw Error::at(path, "line " + std::to_string(lineNo),
                        "longer than " + std::to_string(kMaxLineLength) + " characters (" + std::to_string(line.size()) + "); not a latency record");
    return true;
}

/** A shape field of a record: an integer in [lo, hi]. */
int shapeField(const std::string &text, int lo, int hi, const std::string &path, int lineNo, const std::string &field)
{
    long long v = 0;
    try {
        std::size_t used = 0;
        v = std::stoll(text, &used);
        if (used != text.size())
            throw std::invalid_argument(text);
    } catch (const std::exception &) {
        throw Error::at(path, "line " + std::to_string(lineNo) + ": " + field, "expected an integer, got '" + text + "'");
    }
    if (v < lo || v > hi)
        throw Error::at(path, "line " + std::to_string(lineNo) + ": " + field,
                        "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + text);
    return int(v);
}

/** A number of a record (expansion, latency): finite. */
double numberField(const std::string &text, const std::string &path, const std::string &where)
{
    double v = 0;
    try {
        std::size_t used = 0;
        v = std::stod(text, &used);
        if (used != text.size())
            throw std::invalid_argument(text);
    } catch (const std::exception &) {
        throw Error::at(path, where, "expected a finite number, got '" + text + "'");
    }
    if (!std::isfinite(v))
        throw Error::at(path, where, "expected a finite number, got '" + text + "'");
    return v;
}

} // namespace

namespace {

/** One import: the file, the space's signatures, the unit, and the report it fills. */
struct Importer
{
    const std::string &path;
    const SearchSpace &space;
    double unitToMs;
    ImportReport &rep;
    std::map<std::string, bool> known = spaceSignatures(space);
    NetworkPlan plan = defaultPlan(space);

    /** A latency in ms: finite, not negative, under a day per op (anything else is a broken record). */
    double checkedMs(double ms, const std::string &where) const
    {
        if (!std::isfinite(ms) || ms < 0 || ms > kMaxLatencyMs)
            throw Error::at(path, where, "expected a latency between 0 and " + num(kMaxLatencyMs) + " ms, got " + num(ms) + " ms");
        return ms;
    }
    void use(const std::string &sig, double ms)
    {
        if (!known.count(sig))
            return;
        rep.table.entries[sig] = LatencyEntry{ms, -1, -1, 0};
        ++rep.recordsUsed;
    }
    void hwNasBench();
    void ofa();
    void nni();
};

void Importer::hwNasBench()
{
    LatencyTable &t = rep.table;
    t.provenance["method"] = "imported from HW-NAS-Bench FBNet-space key strings";
    const auto doc = detail::parseJson(readTextFile(path), path);
    if (!doc.is_object())
        throw Error::at(path, "/", "expected a JSON object mapping HW-NAS-Bench keys to latencies");
    double stem = -1, headConv = -1, pool = -1, fc = -1;
    const int h = plan.headInputSize();
    const int last = plan.layers.back().cout;
    const std::string stemKey = "ConvNorm_H" + std::to_string(plan.inputSize) + "_W" + std::to_string(plan.inputSize) + "_Cin"
        + std::to_string(plan.inputChannels) + "_Cout" + std::to_string(plan.stemChannels) + "_kernel"
        + std::to_string(plan.stemKernel) + "_stride" + std::to_string(plan.stemStride) + "_group1";
    const std::string headKey = "ConvNorm_H" + std::to_string(h) + "_W" + std::to_string(h) + "_Cin" + std::to_string(last)
        + "_Cout" + std::to_string(plan.headChannels) + "_kernel1_stride1_group1";
    const std::string poolKey = "AvgP_H" + std::to_string(h) + "_W" + std::to_string(h) + "_Cin" + std::to_string(plan.headChannels)
        + "_Cout" + std::to_string(plan.headChannels) + "_kernel" + std::to_string(h) + "_stride1";
    const std::string fcKey = "FC_Cin" + std::to_string(plan.headChannels) + "_Cout" + std::to_string(plan.numClasses);
    for (const auto &item : doc.items()) {
        ++rep.recordsRead;
        if (!item.value().is_number())
            throw Error::at(path, "/" + item.key(), "expected a number (the latency)");
        const double ms = checkedMs(item.value().get<double>() * unitToMs, "/" + item.key());
        const std::string &k = item.key();
        if (k == stemKey)
            stem = ms, ++rep.recordsUsed;
        else if (k == headKey)
            headConv = ms, ++rep.recordsUsed;
        else if (k == poolKey)
            pool = ms, ++rep.recordsUsed;
        else if (k == fcKey)
            fc = ms, ++rep.recordsUsed;
        else
            use(k, ms);
    }
    if (stem < 0 || headConv < 0 || pool < 0 || fc < 0)
        throw Error::at(path, stem < 0 ? stemKey : headConv < 0 ? headKey : pool < 0 ? poolKey : fcKey,
                        "missing: the stem, head conv, pool and classifier of space " + space.name + " are needed for fixed_ms");
    t.entries[stemSignature(plan)] = LatencyEntry{stem, -1, -1, 0};
    t.entries[headSignature(plan)] = LatencyEntry{headConv + pool + fc, -1, -1, 0};
    t.fixedMs = stem + headConv + pool + fc;
}

void Importer::ofa()
{
    LatencyTable &t = rep.table;
    t.provenance["method"] = "imported from once-for-all / ProxylessNAS latency YAML (mean per key)";
    std::ifstream in(path);
    if (!in)
        throw Error::at(path, "", "cannot open file for reading");
    static const std::regex keyRe(
        R"re(^"?expanded_conv-input:(\d+)x(\d+)x(\d+)-output:(\d+)x(\d+)x(\d+)-expand:([0-9.]+)-kernel:(\d+)-stride:(\d+)-idskip:(\d+)"?:\s*$)re");
    static const std::regex anyKey(R"(^"?[A-Za-z_0-9]+.*:\s*$)");
    static const std::regex meanRe(R"(^\s+mean:\s*([-+0-9.eE]+)\s*$)");
    std::string line, current;
    int lineNo = 0;
    while (nextLine(in, line, lineNo, path)) {
        std::smatch m;
        if (std::regex_match(line, m, keyRe)) {
            ++rep.recordsRead;
            const int hIn = shapeField(m[1], 1, 1 << 16, path, lineNo, "input size");
            const int cin = shapeField(m[3], 1, 1 << 20, path, lineNo, "input channels");
            const int cout = shapeField(m[6], 1, 1 << 20, path, lineNo, "output channels");
            const double e = numberField(m[7], path, "line " + std::to_string(lineNo) + ": expand");
            const int k = shapeField(m[8], 1, 99, path, lineNo, "kernel");
            const int s = shapeField(m[9], 1, 99, path, lineNo, "stride");
            const BlockSpec *b = findIrf(space, k, e, 1);
            if (b) {
                LayerSpec l;
                l.inputSize = hIn;
                l.cin = cin;
                l.cout = cout;
                l.stride = s;
                current = opSignature(l, *b);
            } else {
                current.clear();
            }
        } else if (std::regex_match(line, anyKey) && line[0] != ' ') {
            ++rep.recordsRead;  // Conv, Conv_1, Logits, …: not an FBNet block
            current.clear();
        } else if (std::regex_match(line, m, meanRe) && !current.empty()) {
            const std::string where = "line " + std::to_string(lineNo) + ": mean";
            use(current, checkedMs(numberField(m[1], path, where) * unitToMs, where));
            current.clear();
        }
    }
    t.provenance["note"] = "OFA tables cover group-1 blocks only; stem and head are not mapped, fixed_ms is 0";
}

void Importer::nni()
{
    LatencyTable &t = rep.table;
    t.provenance["method"] = "imported from NNI lut.txt records ('float' dtype only)";
    std::ifstream in(path);
    if (!in)
        throw Error::at(path, "", "cannot open file for reading");
    static const std::regex recRe(
        R"re('op_name':\s*'([^']+)'.*'op_data_shape':\s*\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\).*'op_dtype':\s*'([^']+)'.*'op_latency':\s*([-+0-9.eE]+))re");
    std::string line;
    int lineNo = 0;
    while (nextLine(in, line, lineNo, path)) {
        if (line.find_first_not_of(" \t\r") == std::string::npos)
            continue;
        std::smatch m;
        if (!std::regex_search(line, m, recRe))
            throw Error::at(path, "line " + std::to_string(lineNo),
                            "expected {'op_name': .., 'op_data_shape': (w, h, cin, cout, stride), 'op_dtype': .., 'op_latency': ..}");
        ++rep.recordsRead;
        if (m[7] != "float" || !space.hasBlock(m[1]))
            continue;
        LayerSpec l;
        l.inputSize = shapeField(m[3], 1, 1 << 16, path, lineNo, "op_data_shape height");
        l.cin = shapeField(m[4], 1, 1 << 20, path, lineNo, "op_data_shape cin");
        l.cout = shapeField(m[5], 1, 1 << 20, path, lineNo, "op_data_shape cout");
        l.stride = shapeField(m[6], 1, 99, path, lineNo, "op_data_shape stride");
        const std::string where = "line " + std::to_string(lineNo) + ": op_latency";
        use(opSignature(l, space.block(m[1])), checkedMs(numberField(m[8], path, where) * unitToMs, where));
    }
    t.provenance["note"] = "NNI records cover searchable blocks only; fixed_ms is 0";
}

} // namespace

ImportReport importLatencyTable(const std::string &path, LutFormat format, const SearchSpace &space, double unitToMs,
                                const std::string &device)
{
    if (!(unitToMs > 0))
        throw Error::at("lut import", "unit", "expected a positive conversion to ms");
    ImportReport rep;
    LatencyTable &t = rep.table;
    t.device = device;
    t.spaces = {space.name};
    t.provenanceKind = "derived";
    t.provenance["source"] = path;
    Importer im{path, space, unitToMs, rep};
    if (format == LutFormat::HwNasBench)
        im.hwNasBench();
    else if (format == LutFormat::Ofa)
        im.ofa();
    else
        im.nni();
    // Identity skips need no record.
    for (const auto &l : space.layers())
        for (const auto &c : l.candidates) {
            const auto &b = space.block(c);
            if (b.kind == BlockSpec::Kind::Skip && l.stride == 1 && l.cin == l.cout)
                t.entries.emplace(opSignature(l, b), LatencyEntry{0, -1, -1, 0});
        }
    rep.missing = t.missing(space);
    t.provenance["coverage"] = std::to_string(im.known.size() - rep.missing.size()) + " of " + std::to_string(im.known.size())
        + " op signatures of " + space.name + " (" + std::to_string(rep.recordsUsed) + " of " + std::to_string(rep.recordsRead)
        + " records used)";
    return rep;
}

std::string latencyTableToCsv(const LatencyTable &t)
{
    std::string out = "signature,ms,p10,p90,samples\nfixed_ms," + num(t.fixedMs) + ",,,\n";
    for (const auto &[sig, e] : t.entries)
        out += sig + "," + num(e.ms) + "," + (e.p10 >= 0 ? num(e.p10) : "") + "," + (e.p90 >= 0 ? num(e.p90) : "") + ","
            + (e.samples > 0 ? std::to_string(e.samples) : "") + "\n";
    return out;
}

} // namespace fbnet
