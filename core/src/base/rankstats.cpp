// Rank statistics: Spearman's rho and Kendall's tau-b.
#include "fbnet/rankstats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "fbnet/error.h"

namespace fbnet {

namespace {

/** Ranks with ties sharing their mean rank. */
std::vector<double> ranks(const std::vector<double> &v)
{
    std::vector<std::size_t> idx(v.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::sort(idx.begin(), idx.end(), [&](std::size_t a, std::size_t b) { return v[a] < v[b]; });
    std::vector<double> r(v.size());
    for (std::size_t i = 0; i < idx.size();) {
        std::size_t j = i;
        while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]])
            ++j;
        for (std::size_t k = i; k <= j; ++k)
            r[idx[k]] = (double(i) + double(j)) / 2.0;
        i = j + 1;
    }
    return r;
}

void checkPaired(const std::vector<double> &a, const std::vector<double> &b)
{
    if (a.size() != b.size())
        throw Error::at("rank statistics", "", "expected two lists of the same length, got " + std::to_string(a.size()) + " and "
                                                  + std::to_string(b.size()));
}

} // namespace

double spearmanRho(const std::vector<double> &a, const std::vector<double> &b)
{
    checkPaired(a, b);
    const auto ra = ranks(a), rb = ranks(b);
    const double n = double(a.size());
    if (n == 0)
        return 0.0;
    const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n, mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : 0.0;
}

double kendallTauB(const std::vector<double> &a, const std::vector<double> &b)
{
    checkPaired(a, b);
    double concordant = 0, discordant = 0, tiesA = 0, tiesB = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        for (std::size_t j = i + 1; j < a.size(); ++j) {
            const double da = a[i] - a[j], db = b[i] - b[j];
            if (da == 0 && db == 0)
                continue;
            if (da == 0)
                tiesA += 1;
            else if (db == 0)
                tiesB += 1;
            else if ((da > 0) == (db > 0))
                concordant += 1;
            else
                discordant += 1;
        }
    const double denom = std::sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
    return denom > 0 ? (concordant - discordant) / denom : std::nan("");
}

double tauNullSd(std::size_t n)
{
    return n < 2 ? std::nan("") : std::sqrt(2.0 * (2.0 * double(n) + 5) / (9.0 * double(n) * double(n - 1)));
}

} // namespace fbnet
