#include "fbnet/lutfit.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <sstream>

#include "fbnet/error.h"
#include "latency/linalg.h"

namespace fbnet {

using detail::solveSpd;

std::vector<std::string> splitCsvLine(const std::string &line)
{
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (char ch : line) {
        if (ch == '"')
            quoted = !quoted;
        else if (ch == ',' && !quoted) {
            out.push_back(cur);
            cur.clear();
        } else if (ch != '\r')
            cur += ch;
    }
    out.push_back(cur);
    return out;
}

std::vector<Measurement> readMeasurementsCsv(const std::string &path, const std::string &spaceName,
                                             const std::string &latencyColumn)
{
    std::ifstream in(path);
    if (!in)
        throw Error::at(path, "", "cannot open file for reading");
    std::string line;
    if (!std::getline(in, line))
        throw Error::at(path, "header", "empty file; expected a header with columns arch and " + latencyColumn);
    const auto header = splitCsvLine(line);
    const auto archCol = std::find(header.begin(), header.end(), "arch") - header.begin();
    const auto latCol = std::find(header.begin(), header.end(), latencyColumn) - header.begin();
    if (archCol == std::ptrdiff_t(header.size()))
        throw Error::at(path, "header", "expected a column named arch");
    if (latCol == std::ptrdiff_t(header.size()))
        throw Error::at(path, "header", "expected a column named " + latencyColumn);
    const auto splitCol = std::find(header.begin(), header.end(), "split") - header.begin();
    std::vector<Measurement> out;
    std::map<std::string, std::pair<int, std::string>> seen;  // blocks -> (line, latency as written)
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty() || line == "\r")
            continue;
        const auto cells = splitCsvLine(line);
        const std::string where = "line " + std::to_string(lineNo);
        if (cells.size() != header.size())
            throw Error::at(path, where, "expected " + std::to_string(header.size()) + " columns, got " + std::to_string(cells.size()));
        Measurement m;
        m.architecture.space = spaceName;
        m.architecture.name = "row" + std::to_string(lineNo);
        m.architecture.blocks = Architecture::parseBlocks(cells[std::size_t(archCol)]);
        char *end = nullptr;
        const std::string &v = cells[std::size_t(latCol)];
        m.latencyMs = std::strtod(v.c_str(), &end);
        // Decimal only: strtod also reads "0x10" (16), "inf" and "nan".
        const bool decimal = !v.empty() && v.find_first_not_of("0123456789.eE+-") == std::string::npos;
        if (!decimal || !end || *end || !std::isfinite(m.latencyMs) || m.latencyMs <= 0 || m.latencyMs > kMaxLatencyMs)
            throw Error::at(path, where + ": " + latencyColumn, "expected a positive decimal latency in ms, got \"" + v + "\"");
        const std::string key = m.architecture.blocksString();
        if (const auto it = seen.find(key); it != seen.end())
            throw Error::at(path, where + ": arch",
                            "the architecture of line " + std::to_string(it->second.first) + " again ("
                                + (it->second.second == v ? "the same latency: a row fitted twice"
                                                          : it->second.second + " ms there, " + v + " ms here")
                                + "); give one row per architecture, e.g. the median of its timings");
        seen[key] = {lineNo, v};
        if (splitCol < std::ptrdiff_t(header.size())) {
            m.split = cells[std::size_t(splitCol)];
            if (m.split != "fit" && m.split != "holdout")
                throw Error::at(path, where + ": split", "expected fit or holdout, got \"" + m.split + "\"");
        }
        out.push_back(std::move(m));
    }
    if (out.empty())
        throw Error::at(path, "", "no measurements");
    return out;
}

std::vector<Measurement> rowsOfSplit(const std::vector<Measurement> &rows, const std::string &split)
{
    std::vector<Measurement> out;
    for (const auto &m : rows)
        if (m.split.empty() || m.split == split)
            out.push_back(m);
    return out;
}

namespace {

struct AdditiveSolution
{
    double fixed = 0;
    std::map<std::string, double> entries;  ///< non-identity signatures seen in the rows
};

/**
 * Weighted ridge least squares: target_i ~ fixed + sum of entry[signature] over row i's
 * non-identity blocks. ridge is relative to the mean diagonal of the normal matrix.
 */
AdditiveSolution solveAdditive(const SearchSpace &space, const std::vector<Measurement> &data,
                               const std::vector<double> &target, const std::vector<double> &weight, double ridge)
{
    std::map<std::string, std::size_t> column;
    std::vector<std::vector<std::size_t>> rows;
    for (const auto &m : data) {
        const NetworkPlan plan = resolve(space, m.architecture);
        std::vector<std::size_t> cols;
        for (std::size_t l = 0; l < plan.layers.size(); ++l) {
            const auto &layer = plan.layers[l];
            const auto &b = plan.chosen[l];
            if (b.kind == BlockSpec::Kind::Skip && layer.stride == 1 && layer.cin == layer.cout)
                continue;  // identity: no work, pinned to 0
            const std::string sig = opSignature(layer, b);
            auto it = column.find(sig);
            if (it == column.end())
                it = column.emplace(sig, column.size() + 1).first;
            cols.push_back(it->second);
        }
        rows.push_back(std::move(cols));
    }
    const std::size_t n = column.size() + 1;
    std::vector<double> ata(n * n, 0.0), atb(n, 0.0);
    for (std::size_t r = 0; r < rows.size(); ++r) {
        std::vector<std::size_t> cols = rows[r];
        cols.push_back(0);
        for (std::size_t a : cols) {
            atb[a] += weight[r] * target[r];
            for (std::size_t b : cols)
                ata[a * n + b] += weight[r];
        }
    }
    double diag = 0;
    for (std::size_t i = 0; i < n; ++i)
        diag += ata[i * n + i];
    const auto x = solveSpd(ata, atb, n, std::max(1e-12, ridge * diag / double(n)));
    AdditiveSolution out;
    out.fixed = x[0];
    for (const auto &[sig, col] : column)
        out.entries[sig] = x[col];
    return out;
}

} // namespace

LatencyTable fitLatencyTable(const SearchSpace &space, const std::vector<Measurement> &data, const FitOptions &options)
{
    if (data.empty())
        throw Error("latency fit: no measurements");
    std::vector<double> target, weight;
    for (const auto &m : data) {
        target.push_back(m.latencyMs);
        weight.push_back(options.relative ? 1.0 / (m.latencyMs * m.latencyMs) : 1.0);
    }
    const AdditiveSolution sol = solveAdditive(space, data, target, weight, options.ridge);

    LatencyTable t;
    t.device = options.device;
    t.description = options.description;
    t.spaces = {space.name};
    t.provenanceKind = "derived";
    t.provenance["method"] = std::string("least-squares fit of an additive per-op table to whole-network latencies (fbnet lut fit), ")
        + (options.relative ? "minimising squared relative error" : "minimising squared absolute error");
    t.provenance["source"] = options.source;
    t.provenance["measurements"] = std::to_string(data.size());
    t.fixedMs = sol.fixed;
    for (const auto &[sig, v] : sol.entries)
        t.entries[sig] = LatencyEntry{v, -1, -1, 0};
    // Identity skips cost nothing; every other signature the space needs must have been seen.
    for (const auto &l : space.layers())
        for (const auto &c : l.candidates) {
            const auto &b = space.block(c);
            if (b.kind == BlockSpec::Kind::Skip && l.stride == 1 && l.cin == l.cout)
                t.entries[opSignature(l, b)] = LatencyEntry{0.0, -1, -1, 0};
        }
    // Gauge: a layer without an identity skip whose signatures occur in no other layer adds the
    // same constant to every architecture, so only differences between its candidates are
    // identifiable. Put its cheapest candidate at 0 and move the level into fixed_ms; this leaves
    // every prediction unchanged.
    std::map<std::string, int> layersOfSignature;
    const auto specs = space.layers();
    for (const auto &l : specs)
        for (const auto &c : l.candidates)
            ++layersOfSignature[opSignature(l, space.block(c))];
    std::string shifted;
    for (const auto &l : specs) {
        bool free = true;
        double lowest = 1e300;
        for (const auto &c : l.candidates) {
            const auto &b = space.block(c);
            const std::string sig = opSignature(l, b);
            if ((b.kind == BlockSpec::Kind::Skip && l.stride == 1 && l.cin == l.cout) || layersOfSignature[sig] != 1
                || !t.entries.count(sig))
                free = false;
            else
                lowest = std::min(lowest, t.entries[sig].ms);
        }
        if (!free)
            continue;
        for (const auto &c : l.candidates)
            t.entries[opSignature(l, space.block(c))].ms -= lowest;
        t.fixedMs += lowest;
        shifted += (shifted.empty() ? "L" : ", L") + std::to_string(l.index + 1);
    }
    if (!shifted.empty())
        t.provenance["identifiability"] = "levels of " + shifted
            + " are not identifiable from whole-network latencies: their cheapest candidate is set to 0 ms and the level is part of fixed_ms";
    int clamped = 0;
    for (auto &[sig, e] : t.entries)
        if (e.ms < 0) {
            e.ms = 0;
            ++clamped;
        }
    if (t.fixedMs < 0) {
        // A table with negative fixed_ms cannot be loaded (and no network costs less than nothing):
        // an outlier row or too few measurements pulled the intercept below zero.
        t.provenance["clamped_fixed_ms"] = "fitted fixed_ms " + std::to_string(t.fixedMs) + " ms clamped to 0 (an outlier row?)";
        t.fixedMs = 0;
    }
    if (clamped)
        t.provenance["clamped"] = std::to_string(clamped) + " negative entries clamped to 0 ms";

    std::vector<double> pred, meas;
    for (const auto &m : data) {
        pred.push_back(t.predict(space, m.architecture));
        meas.push_back(m.latencyMs);
    }
    const auto q = predictionQuality(pred, meas);
    std::ostringstream fit;
    fit << "training MAPE " << q.mape << "%, within 10% " << q.within10 * 100 << "%, Spearman " << q.spearman;
    t.provenance["fit"] = fit.str();
    return t;
}

namespace {

/** Ordinary least squares y ~ X w (X row-major n x p) with a tiny ridge for stability. */
std::vector<double> leastSquares(const std::vector<std::vector<double>> &x, const std::vector<double> &y, double ridge)
{
    const std::size_t p = x.front().size();
    std::vector<double> ata(p * p, 0.0), atb(p, 0.0);
    for (std::size_t r = 0; r < x.size(); ++r)
        for (std::size_t i = 0; i < p; ++i) {
            atb[i] += x[r][i] * y[r];
            for (std::size_t j = 0; j < p; ++j)
                ata[i * p + j] += x[r][i] * x[r][j];
        }
    double diag = 0;
    for (std::size_t i = 0; i < p; ++i)
        diag += ata[i * p + i];
    return solveSpd(ata, atb, p, std::max(1e-12, ridge * diag / double(p)));
}

/** A model: fitted on some measurements, it becomes a table. */
using Model = std::function<LatencyTable(const std::vector<Measurement> &)>;

/** Least-squares a, b of measured ~ a * prior + b; throws unless a > 0. */
std::vector<double> fitScale(const LatencyTable &prior, const std::vector<double> &predicted, const std::vector<Measurement> &rows)
{
    std::vector<std::vector<double>> x;
    std::vector<double> y;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        x.push_back({predicted[i], 1.0});
        y.push_back(rows[i].latencyMs);
    }
    auto w = leastSquares(x, y, 1e-9);
    if (w[1] < 0) {
        // A table cannot hold a negative fixed part (combine() would clamp it to 0 and keep the
        // slope fitted for the offset): the best fit without one is the slope through the origin.
        double xy = 0, xx = 0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            xy += x[i][0] * y[i];
            xx += x[i][0] * x[i][0];
        }
        w = {xx > 0 ? xy / xx : 0.0, 0.0};
    }
    if (w[0] <= 0)
        throw Error("latency fit: prior " + prior.device + " is not positively related to the measurements");
    return w;
}

LatencyTable combine(const std::vector<const LatencyTable *> &tables, const std::vector<double> &w, double bias)
{
    LatencyTable t;
    t.fixedMs = bias;
    for (std::size_t j = 0; j < tables.size(); ++j) {
        t.fixedMs += w[j] * tables[j]->fixedMs;
        for (const auto &[sig, e] : tables[j]->entries)
            t.entries[sig].ms += w[j] * e.ms;
    }
    // predict() takes a table's fixed part from its stem and head entries when it has them (tables
    // measured by lut build, the modeled S8 / iPhone X) and from fixed_ms otherwise. So that each
    // prediction of the combination is bias + sum of w_j * prediction_j, a head entry also carries
    // the bias and the fixed part of every table that lacks that entry.
    for (auto &[sig, e] : t.entries) {
        if (sig.rfind("Head_", 0) != 0)
            continue;
        e.ms += bias;
        for (std::size_t j = 0; j < tables.size(); ++j)
            if (!tables[j]->entries.count(sig))
                e.ms += w[j] * tables[j]->fixedMs;
    }
    // A negative bias or weight must not produce a table that cannot be loaded.
    t.fixedMs = std::max(0.0, t.fixedMs);
    for (auto &[sig, e] : t.entries)
        e.ms = std::max(0.0, e.ms);
    return t;
}

} // namespace

namespace {

std::vector<double> predictAll(const SearchSpace &space, const LatencyTable &t, const std::vector<Measurement> &rows)
{
    std::vector<double> out;
    for (const auto &m : rows)
        out.push_back(t.predict(space, m.architecture));
    return out;
}

using NamedModel = std::pair<std::string, Model>;

/** The best non-negative combination of the priors (the most negative one dropped until none is). */
LatencyTable combinePriors(const SearchSpace &space, const std::vector<LatencyTable> &priors, const std::vector<Measurement> &rows)
{
    std::vector<const LatencyTable *> pts;
    for (const auto &p : priors)
        pts.push_back(&p);
    std::vector<std::vector<double>> preds;
    for (const auto *pt : pts)
        preds.push_back(predictAll(space, *pt, rows));
    std::vector<bool> active(pts.size(), true);
    bool intercept = true;  // dropped when it comes out negative: a table's fixed part cannot be
    while (true) {
        std::vector<std::vector<double>> x;
        std::vector<double> y;
        for (std::size_t i = 0; i < rows.size(); ++i) {
            std::vector<double> row;
            for (std::size_t j = 0; j < preds.size(); ++j)
                if (active[j])
                    row.push_back(preds[j][i]);
            if (intercept)
                row.push_back(1.0);
            x.push_back(row);
            y.push_back(rows[i].latencyMs);
        }
        auto w = leastSquares(x, y, 1e-6);
        if (intercept && w.back() < 0) {
            intercept = false;
            continue;
        }
        if (!intercept)
            w.push_back(0.0);
        std::vector<double> full(pts.size(), 0.0);
        std::size_t at = 0, worst = pts.size();
        double worstW = 0;
        for (std::size_t j = 0; j < pts.size(); ++j)
            if (active[j]) {
                full[j] = w[at++];
                if (full[j] < worstW) {
                    worstW = full[j];
                    worst = j;
                }
            }
        if (worst == pts.size())
            return combine(pts, full, w.back());
        active[worst] = false;
        if (std::count(active.begin(), active.end(), true) == 0)
            throw Error("latency fit: no prior is positively related to the measurements");
    }
}

/** Every model the fit considers: each prior rescaled, with a per-op residual, their combination, plain additive. */
std::vector<NamedModel> candidateModels(const SearchSpace &space, const std::vector<Measurement> &data,
                                        const std::vector<LatencyTable> &priors, const FitOptions &options)
{
    const SearchSpace *sp = &space;
    std::vector<NamedModel> models;
    for (const auto &prior : priors) {
        const LatencyTable *pt = &prior;
        models.emplace_back("scaled " + prior.device, [sp, pt](const std::vector<Measurement> &rows) {
            const auto w = fitScale(*pt, predictAll(*sp, *pt, rows), rows);
            return combine({pt}, {w[0]}, w[1]);
        });
    }
    // A rescaled prior plus a per-op correction learnt from the measurements, kept small by a
    // strong ridge (its strength is one more thing the cross-validation chooses).
    for (const auto &prior : priors)
        for (const double ridge : {3.0, 30.0}) {
            const LatencyTable *pt = &prior;
            char name[96];
            std::snprintf(name, sizeof name, "scaled %s + per-op residual (ridge %g)", prior.device.c_str(), ridge);
            models.emplace_back(name, [sp, pt, ridge](const std::vector<Measurement> &rows) {
                const auto p = predictAll(*sp, *pt, rows);
                const auto w = fitScale(*pt, p, rows);
                std::vector<double> residual, weight;
                for (std::size_t i = 0; i < rows.size(); ++i) {
                    residual.push_back(rows[i].latencyMs - (w[0] * p[i] + w[1]));
                    weight.push_back(1.0 / (rows[i].latencyMs * rows[i].latencyMs));
                }
                const AdditiveSolution sol = solveAdditive(*sp, rows, residual, weight, ridge);
                LatencyTable t = combine({pt}, {w[0]}, w[1] + sol.fixed);
                for (const auto &[sig, d] : sol.entries)
                    t.entries[sig].ms = std::max(0.0, t.entries[sig].ms + d);
                return t;
            });
        }
    if (priors.size() > 1) {
        const std::vector<LatencyTable> *pp = &priors;
        models.emplace_back("combination of priors", [sp, pp](const std::vector<Measurement> &rows) { return combinePriors(*sp, *pp, rows); });
    }
    // The plain additive fit has about one unknown per distinct op; offer it only with more rows.
    std::size_t ops = 0;
    for (const auto &l : space.layers())
        ops += l.candidates.size();
    if (data.size() > ops / 2) {
        const FitOptions *op = &options;
        models.emplace_back("additive least squares", [sp, op](const std::vector<Measurement> &rows) { return fitLatencyTable(*sp, rows, *op); });
    }
    return models;
}

struct CrossValidation
{
    std::vector<double> rho, mape;
    std::string report;
};

/**
 * k-fold cross-validation on the measurements (interleaved folds). The pooled out-of-fold
 * predictions give each model a CV Spearman rho (what a search needs: the ranking) and a CV MAPE.
 */
CrossValidation crossValidate(const SearchSpace &space, const std::vector<Measurement> &data, const std::vector<NamedModel> &models, int k)
{
    CrossValidation cv{std::vector<double>(models.size(), -2.0), std::vector<double>(models.size(), 1e300), {}};
    std::vector<double> measured;
    for (const auto &m : data)
        measured.push_back(m.latencyMs);
    for (std::size_t mi = 0; mi < models.size(); ++mi) {
        std::vector<double> oof(data.size(), 0.0);
        bool ok = true;
        for (int f = 0; f < k && ok; ++f) {
            std::vector<Measurement> train;
            for (std::size_t i = 0; i < data.size(); ++i)
                if (int(i % std::size_t(k)) != f)
                    train.push_back(data[i]);
            try {
                const LatencyTable t = models[mi].second(train);
                for (std::size_t i = std::size_t(f); i < data.size(); i += std::size_t(k))
                    oof[i] = t.predict(space, data[i].architecture);
            } catch (const Error &) {
                ok = false;  // this model cannot be fitted on these rows
            }
        }
        char buf[128];
        if (ok) {
            const auto q = predictionQuality(oof, measured);
            cv.rho[mi] = q.spearman;
            cv.mape[mi] = q.mape;
            std::snprintf(buf, sizeof buf, "%s%s: CV rho %.4f, CV MAPE %.3f%%", cv.report.empty() ? "" : "; ",
                          models[mi].first.c_str(), q.spearman, q.mape);
        } else {
            std::snprintf(buf, sizeof buf, "%s%s: not fittable", cv.report.empty() ? "" : "; ", models[mi].first.c_str());
        }
        cv.report += buf;
    }
    return cv;
}

/** The highest CV rho (within kRhoTie, the lower MAPE); a residual model only for the best plain rescaling. */
std::size_t chooseModel(const std::vector<NamedModel> &models, const CrossValidation &cv)
{
    // Letting every prior's residual model compete overfits the selection on a few rows.
    std::string bestScaled;
    double bestScaledRho = -2;
    for (std::size_t mi = 0; mi < models.size(); ++mi)
        if (models[mi].first.rfind("scaled ", 0) == 0 && models[mi].first.find(" + ") == std::string::npos
            && cv.rho[mi] > bestScaledRho) {
            bestScaledRho = cv.rho[mi];
            bestScaled = models[mi].first;
        }
    auto eligible = [&](std::size_t mi) {
        const auto &n = models[mi].first;
        return n.find(" + per-op residual") == std::string::npos || n.rfind(bestScaled + " + ", 0) == 0;
    };
    // Cross-validated rho on a few dozen rows is only good to a few hundredths: closer than
    // kRhoTie counts as a tie, which the lower CV MAPE breaks.
    constexpr double kRhoTie = 0.01;
    double topRho = -2;
    for (std::size_t mi = 0; mi < models.size(); ++mi)
        if (eligible(mi))
            topRho = std::max(topRho, cv.rho[mi]);
    std::size_t best = models.size();
    for (std::size_t mi = 0; mi < models.size(); ++mi)
        if (eligible(mi) && cv.rho[mi] >= topRho - kRhoTie && (best == models.size() || cv.mape[mi] < cv.mape[best]))
            best = mi;
    return best == models.size() ? 0 : best;
}

} // namespace

LatencyTable fitWithPriors(const SearchSpace &space, const std::vector<Measurement> &data,
                           const std::vector<LatencyTable> &priors, const FitOptions &options, int folds)
{
    if (data.size() < 3)
        throw Error("latency fit: at least 3 measurements are needed");
    for (const auto &p : priors)
        if (auto miss = p.missing(space); !miss.empty())
            throw Error::at(p.sourcePath.empty() ? p.device : p.sourcePath, "entries",
                            "the prior table lacks " + std::to_string(miss.size()) + " op(s) of space " + space.name);
    const std::vector<NamedModel> models = candidateModels(space, data, priors, options);
    if (models.empty())
        throw Error::at("latency fit", "model", "nothing to fit: expected prior tables or more measurements");
    const int k = std::max(2, std::min<int>(folds, int(data.size())));
    const CrossValidation cv = crossValidate(space, data, models, k);
    const std::size_t best = chooseModel(models, cv);
    if (cv.rho[best] < -1.5)
        throw Error("latency fit: no candidate model could be fitted to these measurements");
    LatencyTable t = models[best].second(data);
    t.device = options.device;
    t.description = options.description;
    t.spaces = {space.name};
    t.provenanceKind = "calibrated";
    std::string priorNames;
    for (const auto &p : priors)
        priorNames += (priorNames.empty() ? "" : ", ") + p.device;
    t.provenance["method"] = "fbnet lut fit with priors (" + priorNames + "): model chosen by " + std::to_string(k)
        + "-fold cross-validation on the measurements";
    t.provenance["model"] = models[best].first;
    t.provenance["cross_validation"] = cv.report;
    t.provenance["source"] = options.source;
    t.provenance["measurements"] = std::to_string(data.size());
    return t;
}

PredictionQuality predictionQuality(const std::vector<double> &predicted, const std::vector<double> &measured)
{
    PredictionQuality q;
    q.count = predicted.size();
    if (q.count == 0)
        return q;
    for (std::size_t i = 0; i < q.count; ++i) {
        const double e = std::abs(predicted[i] - measured[i]) / measured[i] * 100.0;
        q.mape += e;
        q.within10 += e <= 10.0 ? 1 : 0;
        q.maxError = std::max(q.maxError, e);
    }
    q.mape /= double(q.count);
    q.within10 /= double(q.count);
    q.spearman = spearmanRho(predicted, measured);
    return q;
}

} // namespace fbnet
