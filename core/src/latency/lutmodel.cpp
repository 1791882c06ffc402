#include "fbnet/lutmodel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "latency/linalg.h"

namespace fbnet {

using Features = std::array<double, DeviceModel::kClasses>;

const std::array<const char *, DeviceModel::kClasses> &DeviceModel::classNames()
{
    static const std::array<const char *, kClasses> names = {"dense conv (ns/MAC)", "grouped 1x1 (ns/MAC)",
                                                             "depthwise 3x3 (ns/MAC)", "depthwise 5x5 (ns/MAC)",
                                                             "activations (ns/byte)", "per op (us)"};
    return names;
}

namespace {

enum { Dense, Grouped, Dw3, Dw5, Bytes, Ops };

void addConv(Features &f, double cin, double cout, int k, int groups, double inSize, double outSize)
{
    const double macs = cin / groups * cout * k * k * outSize * outSize;
    if (groups == int(cin) && groups > 1)
        f[k >= 5 ? Dw5 : Dw3] += macs;
    else if (groups > 1)
        f[Grouped] += macs;
    else
        f[Dense] += macs;
    f[Bytes] += cin * inSize * inSize + cout * outSize * outSize;
    f[Ops] += 1;
}

Features blockFeatures(const LayerSpec &l, const BlockSpec &b)
{
    Features f{};
    const double out = (l.inputSize + l.stride - 1) / l.stride;
    if (b.kind == BlockSpec::Kind::Skip) {
        if (l.stride != 1 || l.cin != l.cout)
            addConv(f, l.cin, l.cout, 1, 1, l.inputSize, out);
        return f;
    }
    const double mid = std::lround(l.cin * b.expansion);
    addConv(f, l.cin, mid, 1, b.groups, l.inputSize, l.inputSize);
    addConv(f, mid, mid, b.kernel, int(mid), l.inputSize, out);
    if (b.doubleDw)
        addConv(f, mid, mid, 3, int(mid), out, out);
    addConv(f, mid, l.cout, 1, b.groups, out, out);
    if (l.stride == 1 && l.cin == l.cout) {  // residual add
        f[Bytes] += 3.0 * l.cout * out * out;
        f[Ops] += 1;
    }
    return f;
}

Features stemFeatures(const NetworkPlan &p)
{
    Features f{};
    addConv(f, p.inputChannels, p.stemChannels, p.stemKernel, 1, p.inputSize,
            (p.inputSize + p.stemStride - 1) / p.stemStride);
    return f;
}

Features headFeatures(const NetworkPlan &p)
{
    Features f{};
    const double h = p.headInputSize();
    const int cin = p.layers.empty() ? p.stemChannels : p.layers.back().cout;
    addConv(f, cin, p.headChannels, 1, 1, h, h);
    f[Bytes] += double(p.headChannels) * h * h;  // pool reads the head output
    f[Ops] += 1;
    addConv(f, p.headChannels, p.numClasses, 1, 1, 1, 1);  // classifier
    return f;
}

Features networkFeatures(const NetworkPlan &p)
{
    Features f = stemFeatures(p), h = headFeatures(p);
    for (std::size_t c = 0; c < f.size(); ++c)
        f[c] += h[c];
    for (std::size_t i = 0; i < p.layers.size(); ++i) {
        const Features b = blockFeatures(p.layers[i], p.chosen[i]);
        for (std::size_t c = 0; c < f.size(); ++c)
            f[c] += b[c];
    }
    return f;
}

/** ms from features: ns/MAC and ns/byte classes, µs per op. */
double toMs(const Features &f, const DeviceModel &m)
{
    double ns = 0;
    for (std::size_t c = 0; c < Ops; ++c)
        ns += f[c] * m.unitCost[c];
    return ns * 1e-6 + f[Ops] * m.unitCost[Ops] * 1e-3;
}

/** Scale of each class in toMs (so the Jacobian is d ms / d log cost). */
std::array<double, DeviceModel::kClasses> msPerUnit()
{
    std::array<double, DeviceModel::kClasses> s{};
    for (std::size_t c = 0; c < Ops; ++c)
        s[c] = 1e-6;
    s[Ops] = 1e-3;
    return s;
}


} // namespace

std::vector<CalibrationPoint> readCalibrationCsv(const std::string &path)
{
    std::ifstream in(path);
    if (!in)
        throw Error::at(path, "", "cannot open file for reading");
    std::string line;
    std::getline(in, line);
    if (line.rfind("arch,latency_ms", 0) != 0)
        throw Error::at(path, "header", "expected columns arch,latency_ms[,source]");
    std::vector<CalibrationPoint> out;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty())
            continue;
        std::stringstream ss(line);
        CalibrationPoint p;
        std::string ms;
        std::getline(ss, p.architecture, ',');
        std::getline(ss, ms, ',');
        std::getline(ss, p.source);
        char *end = nullptr;
        p.latencyMs = std::strtod(ms.c_str(), &end);
        if (ms.empty() || *end || !(p.latencyMs > 0))
            throw Error::at(path, "line " + std::to_string(lineNo) + ": latency_ms", "expected a positive number, got \"" + ms + "\"");
        out.push_back(p);
    }
    if (out.empty())
        throw Error::at(path, "", "no calibration points");
    return out;
}

double modeledLatencyMs(const SearchSpace &space, const Architecture &arch, const DeviceModel &model)
{
    return toMs(networkFeatures(resolve(space, arch)), model);
}

ModelCalibration calibrateDeviceModel(const SearchSpace &space, const std::vector<CalibrationPoint> &points,
                                      const DeviceModel &prior, double priorWeight)
{
    constexpr std::size_t n = DeviceModel::kClasses;
    std::vector<Features> feats;
    for (const auto &p : points)
        feats.push_back(networkFeatures(resolve(space, loadArchitecture(resolveArchitecturePath(p.architecture)))));
    const auto scale = msPerUnit();
    std::array<double, n> u{}, u0{};
    for (std::size_t c = 0; c < n; ++c)
        u[c] = u0[c] = std::log(prior.unitCost[c]);
    // Gauss-Newton on relative residuals r_i = model_i / y_i - 1 plus sqrt(w) (u - u0).
    for (int iter = 0; iter < 100; ++iter) {
        std::vector<double> jtj(n * n, 0.0), jtr(n, 0.0);
        for (std::size_t i = 0; i < points.size(); ++i) {
            std::array<double, n> j{};
            double model = 0;
            for (std::size_t c = 0; c < n; ++c) {
                j[c] = feats[i][c] * scale[c] * std::exp(u[c]) / points[i].latencyMs;
                model += j[c];
            }
            const double r = model - 1.0;
            for (std::size_t a = 0; a < n; ++a) {
                jtr[a] += j[a] * r;
                for (std::size_t b = 0; b < n; ++b)
                    jtj[a * n + b] += j[a] * j[b];
            }
        }
        for (std::size_t c = 0; c < n; ++c) {
            jtj[c * n + c] += priorWeight;
            jtr[c] += priorWeight * (u[c] - u0[c]);
        }
        const auto step = detail::solveSpd(jtj, jtr, n, 0.0);  // J'J + w I is positive definite
        double moved = 0;
        for (std::size_t c = 0; c < n; ++c) {
            const double d = std::clamp(step[c], -1.0, 1.0);
            u[c] -= d;
            moved = std::max(moved, std::abs(d));
        }
        if (moved < 1e-10)
            break;
    }
    ModelCalibration out;
    for (std::size_t c = 0; c < n; ++c)
        out.model.unitCost[c] = std::exp(u[c]);
    for (std::size_t i = 0; i < points.size(); ++i) {
        const double ms = toMs(feats[i], out.model);
        out.predictedMs.push_back(ms);
        out.residualPct.push_back((ms / points[i].latencyMs - 1) * 100);
    }
    return out;
}

LatencyTable modeledLatencyTable(const SearchSpace &space, const ModelCalibration &cal,
                                 const std::vector<CalibrationPoint> &points, const std::string &device,
                                 const std::string &description)
{
    LatencyTable t;
    t.device = device;
    t.description = description;
    t.spaces = {space.name};
    t.provenanceKind = "modeled";
    t.provenance["method"] = "fbnet lut model: per-op cost = sum over work classes of work x unit cost; unit costs fitted "
                             "in log space to published whole-network latencies (weak pull toward a generic mobile prior). "
                             "Not measured on the device.";
    std::string costs;
    for (std::size_t c = 0; c < DeviceModel::kClasses; ++c) {
        char buf[80];
        std::snprintf(buf, sizeof buf, "%s%s %.4g", costs.empty() ? "" : "; ", DeviceModel::classNames()[c],
                      cal.model.unitCost[c]);
        costs += buf;
    }
    t.provenance["unit_costs"] = costs;
    std::string res;
    for (std::size_t i = 0; i < points.size(); ++i) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "%s%s: published %.2f ms, modeled %.2f ms (%+.1f%%) [%s]", res.empty() ? "" : "; ",
                      points[i].architecture.c_str(), points[i].latencyMs, cal.predictedMs[i], cal.residualPct[i],
                      points[i].source.c_str());
        res += buf;
    }
    t.provenance["calibration"] = res;
    for (const auto &l : space.layers())
        for (const auto &c : l.candidates) {
            const auto &b = space.block(c);
            t.entries[opSignature(l, b)] = LatencyEntry{toMs(blockFeatures(l, b), cal.model), -1, -1, 0};
        }
    // k33_e6 and the stem/head variants of the calibration architectures.
    auto addPlan = [&](const NetworkPlan &p) {
        for (std::size_t i = 0; i < p.layers.size(); ++i)
            t.entries[opSignature(p.layers[i], p.chosen[i])] = LatencyEntry{toMs(blockFeatures(p.layers[i], p.chosen[i]), cal.model), -1, -1, 0};
        t.entries[stemSignature(p)] = LatencyEntry{toMs(stemFeatures(p), cal.model), -1, -1, 0};
        t.entries[headSignature(p)] = LatencyEntry{toMs(headFeatures(p), cal.model), -1, -1, 0};
    };
    for (const auto &pt : points)
        addPlan(resolve(space, loadArchitecture(resolveArchitecturePath(pt.architecture))));
    for (const auto &name : publishedArchitectureNames()) {
        const Architecture a = loadArchitecture(resolveArchitecturePath(name));
        if (a.space == space.name)
            addPlan(resolve(space, a));
    }
    Architecture probe;
    probe.space = space.name;
    for (const auto &l : space.layers())
        probe.blocks.push_back(l.candidates.front());
    const NetworkPlan def = resolve(space, probe);
    addPlan(def);
    t.fixedMs = toMs(stemFeatures(def), cal.model) + toMs(headFeatures(def), cal.model);
    return t;
}

} // namespace fbnet
