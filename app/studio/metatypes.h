#pragma once
// Core's value types crossing threads as Qt signal arguments (core itself has no Qt).

#include <QMetaType>

#include "fbnet/search.h"

Q_DECLARE_METATYPE(fbnet::StepStats)
Q_DECLARE_METATYPE(fbnet::EpochStats)
Q_DECLARE_METATYPE(fbnet::SearchResult)

namespace fbnet {
/** Registers the types above once; call before the first connection. */
void registerStudioMetaTypes();
} // namespace fbnet
