#pragma once
// Small helpers the benchmarks share.

#include <algorithm>
#include <vector>

namespace fbnet::bench {

/** The median of the values (the upper one of an even count); 0 for none. */
inline double median(std::vector<double> v)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace fbnet::bench
