#pragma once
// The on-disk envelope of a search checkpoint: a short header with the payload's length and
// CRC-32, then the libtorch archive. A checkpoint is verified before any of it is used, so a
// damaged file is refused with its name instead of resuming from garbage.

#include <string>

namespace fbnet {

/** Writes header + archive atomically (temporary file, fsync, rename). */
void writeCheckpointFile(const std::string &path, const std::string &archive);

/**
 * The archive inside a checkpoint file, after checking its length and CRC-32; throws fbnet::Error
 * naming the file if it is missing, truncated, damaged or not a checkpoint. Files written before
 * the envelope existed (a bare libtorch zip) are returned as they are: they carry no checksum.
 */
std::string readCheckpointFile(const std::string &path);

/** The same check over bytes already in memory (`source` names them in errors). */
std::string checkpointPayload(const std::string &bytes, const std::string &source);

} // namespace fbnet
