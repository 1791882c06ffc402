// RunStore: what a run records (epochs, steps, theta, architectures, evaluations) and its CSVs.
#include <cmath>
#include <set>
#include <sstream>

#include "fbnet/error.h"
#include "base/jsonutil.h"
#include "search/familyjson.h"
#include "store/runstoreimpl.h"

namespace fbnet {

using detail::json;

static json probabilitiesJson(const std::vector<std::vector<double>> &p)
{
    return json(p);
}

void RunStore::recordEpoch(std::int64_t runId, const EpochStats &e, const std::vector<StepStats> &steps, double runSeconds)
{
    Impl::Transaction t(*d);
    {
        Impl::Stmt s(*d, "INSERT OR REPLACE INTO epochs(run_id, epoch, temperature, weights_loss, weights_acc, theta_loss, theta_acc, "
                         "theta_trained, expected_ms, argmax, argmax_ms, seconds) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)");
        s.bind(1, runId).bind(2, e.epoch).bind(3, e.temperature).bind(4, e.weightsLoss).bind(5, e.weightsAccuracy);
        s.bind(6, e.thetaLoss).bind(7, e.thetaAccuracy).bind(8, e.thetaTrained ? 1 : 0).bind(9, e.expectedLatencyMs);
        s.bind(10, architectureToJsonText(e.argmax, -1)).bind(11, e.argmaxLatencyMs).bind(12, e.seconds).run();
    }
    d->replaceSteps(runId, e.epoch, steps);
    {
        Impl::Stmt s(*d, "INSERT OR REPLACE INTO theta_snapshots(run_id, epoch, probabilities, family) VALUES(?,?,?,?)");
        s.bind(1, runId).bind(2, e.epoch).bind(3, probabilitiesJson(e.probabilities).dump());
        s.bind(4, e.family.empty() ? std::string() : detail::familyToJson(e.family).dump()).run();
    }
    {
        Impl::Stmt s(*d, "UPDATE runs SET epochs_completed = ?, seconds = ?, updated_at = ? WHERE id = ?");
        s.bind(1, e.epoch + 1).bind(2, runSeconds).bind(3, isoNow()).bind(4, runId).run();
    }
    t.commit();
}

void RunStore::truncateEpochs(std::int64_t runId, int keep, bool keepPartialSteps)
{
    Impl::Transaction t(*d);
    auto drop = [&](const char *sql, int from) {
        Impl::Stmt s(*d, sql);
        s.bind(1, runId).bind(2, from).run();
    };
    drop("DELETE FROM epochs WHERE run_id = ? AND epoch >= ?", keep);
    drop("DELETE FROM theta_snapshots WHERE run_id = ? AND epoch >= ?", keep);
    drop("DELETE FROM steps WHERE run_id = ? AND epoch >= ?", keepPartialSteps ? keep + 1 : keep);
    Impl::Stmt s(*d, "UPDATE runs SET epochs_completed = ? WHERE id = ?");
    s.bind(1, keep).bind(2, runId).run();
    t.commit();
}

void RunStore::recordPartialSteps(std::int64_t runId, int epoch, const std::vector<StepStats> &steps)
{
    Impl::Transaction t(*d);
    d->replaceSteps(runId, epoch, steps);
    t.commit();
}

void RunStore::finishRun(std::int64_t runId, const SearchResult &result)
{
    Impl::Transaction t(*d);
    {
        Impl::Stmt del(*d, "DELETE FROM architectures WHERE run_id = ? AND role IN ('argmax', 'sample')");
        del.bind(1, runId).run();
    }
    for (const auto &s : result.samples) {
        StoredArchitecture a;
        a.runId = runId;
        a.role = s.isArgmax ? "argmax" : "sample";
        a.architecture = s.architecture;
        a.macs = s.macs;
        a.params = s.params;
        a.lutMs = s.latencyMs;
        a.logProbability = s.logProbability;
        a.targetMs = s.targetMs;
        addArchitecture(a);
    }
    if (!result.badImages.empty()) {
        // Damaged images a folder search replaced (--skip-bad-images), with those of earlier sessions.
        Impl::Stmt q(*d, "SELECT invocation FROM runs WHERE id = ?");
        q.bind(1, runId);
        json inv = q.step() ? json::parse(q.text(0), nullptr, false) : json();
        if (inv.is_object()) {
            std::set<std::string> all;
            for (const auto &f : result.badImages)
                all.insert(detail::printableName(f));  // a non-UTF-8 file name cannot go into JSON as it is
            if (inv.contains("data") && inv["data"].is_object() && inv["data"].contains("bad_images") && inv["data"]["bad_images"].is_array())
                for (const auto &f : inv["data"]["bad_images"])
                    if (f.is_string())
                        all.insert(f.get<std::string>());
            inv["data"]["bad_images"] = std::vector<std::string>(all.begin(), all.end());
            Impl::Stmt u(*d, "UPDATE runs SET invocation = ? WHERE id = ?");
            u.bind(1, inv.dump()).bind(2, runId).run();
        }
    }
    Impl::Stmt s(*d, "UPDATE runs SET status = ?, theta = ?, updated_at = ? WHERE id = ?");
    s.bind(1, std::string(result.stopped ? "stopped" : "finished")).bind(2, json(result.theta).dump()).bind(3, isoNow()).bind(4, runId).run();
    t.commit();
}

std::vector<EpochStats> RunStore::epochs(std::int64_t runId, std::vector<std::string> *problems) const
{
    Impl::Stmt s(*d, "SELECT e.epoch, temperature, weights_loss, weights_acc, theta_loss, theta_acc, theta_trained, expected_ms, argmax, "
                     "argmax_ms, seconds, t.probabilities, t.family FROM epochs e LEFT JOIN theta_snapshots t ON t.run_id = e.run_id AND "
                     "t.epoch = e.epoch WHERE e.run_id = ? ORDER BY e.epoch");
    s.bind(1, runId);
    std::vector<EpochStats> out;
    while (s.step()) {
        EpochStats e;
        e.epoch = int(s.i64(0));
        e.temperature = s.dbl(1);
        e.weightsLoss = s.dbl(2);
        e.weightsAccuracy = s.dbl(3);
        e.thetaLoss = s.dbl(4);
        e.thetaAccuracy = s.dbl(5);
        e.thetaTrained = s.i64(6) != 0;
        e.expectedLatencyMs = s.dbl(7);
        e.argmaxLatencyMs = s.dbl(9);
        e.seconds = s.dbl(10);
        // A damaged row is left out and reported, the other epochs stay readable.
        try {
            e.argmax = architectureFromJsonText(s.text(8), m_path + ": epoch " + std::to_string(e.epoch) + " argmax");
            const std::string p = s.text(11);
            if (!p.empty()) {
                const std::string where = m_path + ": theta_snapshots: epoch " + std::to_string(e.epoch);
                try {
                    e.probabilities = detail::parseJson(p, where).get<std::vector<std::vector<double>>>();
                } catch (const detail::json::exception &) {
                    throw Error::at(where, "", "expected a list of probabilities per layer");
                }
            }
            const std::string family = s.text(12);
            if (!family.empty()) {
                const std::string where = m_path + ": theta_snapshots: epoch " + std::to_string(e.epoch);
                e.family = detail::familyFromJson(detail::parseJson(family, where), where);
            }
        } catch (const Error &err) {
            if (problems)
                problems->push_back(err.what());
            continue;
        }
        out.push_back(std::move(e));
    }
    return out;
}

std::vector<StepStats> RunStore::steps(std::int64_t runId) const
{
    Impl::Stmt s(*d, "SELECT epoch, phase, step, loss, ce, acc, expected_ms, temperature, images_per_s, family_ms FROM steps WHERE run_id = ? "
                     "ORDER BY rowid");
    s.bind(1, runId);
    std::vector<StepStats> out;
    while (s.step()) {
        StepStats st;
        st.epoch = int(s.i64(0));
        st.phase = s.text(1) == "theta" ? Phase::Theta : Phase::Weights;
        st.step = int(s.i64(2));
        st.loss = s.dbl(3);
        st.crossEntropy = s.dbl(4);
        st.accuracy = s.dbl(5);
        st.expectedLatencyMs = s.dbl(6);
        st.temperature = s.dbl(7);
        st.imagesPerSecond = s.dbl(8);
        if (!s.isNull(9)) {  // a family search: E[latency] per target, null where the step served none
            const json j = json::parse(s.text(9), nullptr, false);
            if (j.is_array())
                for (const auto &v : j)
                    st.familyLatencyMs.push_back(v.is_number() ? v.get<double>() : std::nan(""));
        }
        out.push_back(st);
    }
    return out;
}

std::int64_t RunStore::addArchitecture(const StoredArchitecture &a)
{
    Impl::Stmt s(*d, "INSERT INTO architectures(run_id, role, name, arch, macs, params, lut_ms, log_prob, target) VALUES(?,?,?,?,?,?,?,?,?)");
    s.bind(1, a.runId).bind(2, a.role).bind(3, a.architecture.name).bind(4, architectureToJsonText(a.architecture, -1));
    s.bind(5, a.macs).bind(6, a.params).bind(7, a.lutMs).bind(8, a.logProbability);
    if (a.targetMs > 0)
        s.bind(9, a.targetMs);
    s.run();
    return sqlite3_last_insert_rowid(d->db);
}

static const char *kArchColumns = "id, run_id, role, name, arch, macs, params, lut_ms, log_prob, target";

StoredArchitecture RunStore::Impl::readArchitecture(Stmt &s) const
{
    StoredArchitecture a;
    a.id = s.i64(0);
    a.runId = s.i64(1);
    a.role = s.text(2);
    a.architecture = architectureFromJsonText(s.text(4), this->path + ": architecture " + std::to_string(a.id));
    a.macs = s.i64(5);
    a.params = s.i64(6);
    a.lutMs = s.dbl(7);
    a.logProbability = s.dbl(8);
    a.targetMs = s.isNull(9) ? 0 : s.dbl(9);
    return a;
}

std::vector<StoredArchitecture> RunStore::architectures(std::int64_t runId, std::vector<std::string> *problems) const
{
    Impl::Stmt s(*d, (std::string("SELECT ") + kArchColumns + " FROM architectures WHERE run_id = ? ORDER BY id").c_str());
    s.bind(1, runId);
    std::vector<StoredArchitecture> out;
    while (s.step()) {
        // One damaged row must not make the whole run (or store) unreadable: it is left out and reported.
        try {
            out.push_back(d->readArchitecture(s));
        } catch (const Error &e) {
            if (problems)
                problems->push_back(e.what());
        }
    }
    return out;
}

StoredArchitecture RunStore::architecture(std::int64_t id) const
{
    Impl::Stmt s(*d, (std::string("SELECT ") + kArchColumns + " FROM architectures WHERE id = ?").c_str());
    s.bind(1, id);
    if (!s.step())
        throw Error::at(m_path, "architecture", "no architecture with id " + std::to_string(id));
    return d->readArchitecture(s);
}

std::int64_t RunStore::addEvaluation(const Evaluation &e)
{
    architecture(e.architectureId);
    Impl::Stmt s(*d, "INSERT INTO evaluations(arch_id, dataset, epochs, top1, device, lut_ms, measured_ms, weights, seconds, created_at, "
                     "protocol) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, e.architectureId).bind(2, e.dataset).bind(3, e.epochs).bind(4, e.top1).bind(5, e.device).bind(6, e.lutMs);
    s.bind(7, e.measuredMs).bind(8, e.weightsPath).bind(9, e.seconds).bind(10, e.createdAt.empty() ? isoNow() : e.createdAt);
    s.bind(11, e.protocol).run();
    return sqlite3_last_insert_rowid(d->db);
}

namespace {
template <class Stmt>
std::vector<Evaluation> readEvaluations(Stmt &s)
{
    std::vector<Evaluation> out;
    while (s.step()) {
        Evaluation e;
        e.id = s.i64(0);
        e.architectureId = s.i64(1);
        e.dataset = s.text(2);
        e.epochs = int(s.i64(3));
        e.top1 = s.dbl(4);
        e.device = s.text(5);
        e.lutMs = s.dbl(6);
        e.measuredMs = s.dbl(7);
        e.weightsPath = s.text(8);
        e.createdAt = s.text(9);
        e.seconds = s.dbl(10);
        e.protocol = s.text(11);
        out.push_back(e);
    }
    return out;
}
} // namespace

std::vector<Evaluation> RunStore::evaluations(std::int64_t architectureId) const
{
    Impl::Stmt s(*d, "SELECT id, arch_id, dataset, epochs, top1, device, lut_ms, measured_ms, weights, created_at, seconds, protocol FROM evaluations "
                     "WHERE arch_id = ? ORDER BY id");
    s.bind(1, architectureId);
    return readEvaluations(s);
}

std::map<std::int64_t, RunStore::RunSummary> RunStore::runSummaries() const
{
    // One statement instead of two queries (and a JSON parse per architecture) per run: the run
    // list is refreshed on the GUI thread after every job.
    Impl::Stmt s(*d, "SELECT r.id, "
                     "(SELECT lut_ms FROM architectures WHERE run_id = r.id AND role = 'argmax' ORDER BY id DESC LIMIT 1), "
                     "(SELECT MAX(e.top1) FROM evaluations e JOIN architectures a ON a.id = e.arch_id WHERE a.run_id = r.id), "
                     "(SELECT COUNT(*) FROM architectures WHERE run_id = r.id), "
                     "(SELECT COUNT(*) FROM architectures WHERE run_id = r.id AND role = 'argmax' AND target IS NOT NULL) FROM runs r");
    std::map<std::int64_t, RunSummary> out;
    while (s.step()) {
        RunSummary &r = out[s.i64(0)];
        r.argmaxMs = s.isNull(1) ? -1 : s.dbl(1);
        r.bestTop1 = s.isNull(2) ? -1 : s.dbl(2);
        r.architectures = int(s.i64(3));
        r.targets = int(s.i64(4));
    }
    return out;
}

std::int64_t RunStore::setScore(const ArchitectureScore &score)
{
    if (!std::isfinite(score.value))
        throw Error::at(m_path, "scores", "a chooser's score must be finite (architecture " + std::to_string(score.architectureId) + ", "
                                              + score.chooser + ")");
    Impl::Transaction t(*d);
    {
        Impl::Stmt del(*d, "DELETE FROM scores WHERE arch_id = ? AND chooser = ? AND coalesce(source, '') = ?");
        del.bind(1, score.architectureId).bind(2, score.chooser).bind(3, score.source).run();
    }
    Impl::Stmt s(*d, "INSERT INTO scores(arch_id, chooser, source, value, detail, created_at) VALUES(?, ?, ?, ?, ?, ?)");
    s.bind(1, score.architectureId).bind(2, score.chooser).bind(3, score.source).bind(4, score.value).bind(5, score.detail).bind(6, isoNow()).run();
    const std::int64_t id = sqlite3_last_insert_rowid(d->db);
    t.commit();
    return id;
}

std::vector<ArchitectureScore> RunStore::scoresOfRun(std::int64_t runId) const
{
    Impl::Stmt s(*d, "SELECT sc.id, sc.arch_id, sc.chooser, coalesce(sc.source, ''), sc.value, coalesce(sc.detail, ''), "
                     "coalesce(sc.created_at, '') FROM scores sc JOIN architectures a ON a.id = sc.arch_id WHERE a.run_id = ? ORDER BY sc.id");
    s.bind(1, runId);
    std::vector<ArchitectureScore> out;
    while (s.step()) {
        ArchitectureScore a;
        a.id = s.i64(0);
        a.architectureId = s.i64(1);
        a.chooser = s.text(2);
        a.source = s.text(3);
        a.value = s.dbl(4);
        a.detail = s.text(5);
        a.createdAt = s.text(6);
        out.push_back(std::move(a));
    }
    return out;
}

std::vector<Evaluation> RunStore::evaluationsOfRun(std::int64_t runId) const
{
    Impl::Stmt s(*d, "SELECT e.id, e.arch_id, e.dataset, e.epochs, e.top1, e.device, e.lut_ms, e.measured_ms, e.weights, e.created_at, "
                     "e.seconds, e.protocol FROM evaluations e JOIN architectures a ON a.id = e.arch_id WHERE a.run_id = ? ORDER BY e.id");
    s.bind(1, runId);
    return readEvaluations(s);
}

std::string RunStore::epochsCsv(std::int64_t runId) const
{
    std::ostringstream o;
    o.precision(8);
    o << "epoch,temperature,weights_loss,weights_acc,theta_loss,theta_acc,theta_trained,expected_ms,argmax_ms,seconds,argmax\n";
    for (const auto &e : epochs(runId))
        o << e.epoch << ',' << e.temperature << ',' << e.weightsLoss << ',' << e.weightsAccuracy << ',' << e.thetaLoss << ','
          << e.thetaAccuracy << ',' << (e.thetaTrained ? 1 : 0) << ',' << e.expectedLatencyMs << ',' << e.argmaxLatencyMs << ','
          << e.seconds << ',' << e.argmax.blocksString() << '\n';
    return o.str();
}

std::string RunStore::stepsCsv(std::int64_t runId) const
{
    std::ostringstream o;
    o.precision(8);
    o << "epoch,phase,step,loss,cross_entropy,accuracy,expected_ms,temperature,images_per_s\n";
    for (const auto &s : steps(runId))
        o << s.epoch << ',' << (s.phase == Phase::Weights ? "weights" : "theta") << ',' << s.step << ',' << s.loss << ','
          << s.crossEntropy << ',' << s.accuracy << ',' << s.expectedLatencyMs << ',' << s.temperature << ',' << s.imagesPerSecond
          << '\n';
    return o.str();
}

std::string RunStore::integrityCheck() const
{
    Impl::Stmt s(*d, "PRAGMA integrity_check");
    std::string out;
    while (s.step())
        out += (out.empty() ? "" : "\n") + s.text(0);
    return out;
}

} // namespace fbnet
