#pragma once
// Precompiled header of the torch-heavy targets. Never include Qt after this.
#include <torch/torch.h>
