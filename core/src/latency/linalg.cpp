#include "latency/linalg.h"

#include <cmath>

#include "fbnet/error.h"

namespace fbnet::detail {

std::vector<double> solveSpd(std::vector<double> m, std::vector<double> b, std::size_t n, double ridge)
{
    for (std::size_t i = 0; i < n; ++i)
        m[i * n + i] += ridge;
    for (std::size_t j = 0; j < n; ++j) {
        double d = m[j * n + j];
        for (std::size_t k = 0; k < j; ++k)
            d -= m[j * n + k] * m[j * n + k];
        if (d <= 0)
            throw Error("latency fit: the normal equations are singular (too few distinct measurements)");
        d = std::sqrt(d);
        m[j * n + j] = d;
        for (std::size_t i = j + 1; i < n; ++i) {
            double s = m[i * n + j];
            for (std::size_t k = 0; k < j; ++k)
                s -= m[i * n + k] * m[j * n + k];
            m[i * n + j] = s / d;
        }
    }
    for (std::size_t i = 0; i < n; ++i) {
        double s = b[i];
        for (std::size_t k = 0; k < i; ++k)
            s -= m[i * n + k] * b[k];
        b[i] = s / m[i * n + i];
    }
    for (std::size_t i = n; i-- > 0;) {
        double s = b[i];
        for (std::size_t k = i + 1; k < n; ++k)
            s -= m[k * n + i] * b[k];
        b[i] = s / m[i * n + i];
    }
    return b;
}

} // namespace fbnet::detail
