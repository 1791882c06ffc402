#pragma once

#include <chrono>
#include <string>

namespace fbnet::cli {

/** One status line on stderr: redrawn in place on a terminal, printed every few seconds otherwise. */
class ProgressLine
{
public:
    ProgressLine();
    void update(const std::string &text, bool force = false);
    void finish();

private:
    bool m_tty;
    bool m_dirty = false;
    std::chrono::steady_clock::time_point m_last;
};

std::string formatDuration(double seconds);

} // namespace fbnet::cli
