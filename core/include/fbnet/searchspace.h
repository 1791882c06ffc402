#pragma once

#include <map>
#include <string>
#include <vector>

namespace fbnet {

/**
 * Bounds every parser applies to sizes (search spaces, architectures, arch_defs, imports), so that
 * shapes, MACs and memory stay bounded: no integer wraps, no bad_alloc from a typo.
 */
inline constexpr int kMaxInputSize = 1024;
inline constexpr int kMaxChannels = 4096;        ///< a stage's or layer's width
inline constexpr int kMaxHeadChannels = 16384;
inline constexpr int kMaxArchDefChannels = kMaxHeadChannels;
inline constexpr double kMaxExpansion = 64;
inline constexpr int kMaxKernel = 11;
inline constexpr int kMaxLayers = 256;           ///< searchable layers of a space
inline constexpr int kMaxCandidates = 64;        ///< candidate blocks of one layer (FBNet has 9, FBNetV2 up to 32)
inline constexpr int kMaxBlocks = 1024;          ///< block definitions of a space

/** One kind of block a searchable layer can hold (an FBNet inverted-residual block or skip). */
struct BlockSpec
{
    enum class Kind { Irf, Skip };

    std::string name;
    Kind kind = Kind::Irf;
    int kernel = 3;          ///< depthwise kernel size
    double expansion = 1.0;  ///< mid = round(Cin * expansion)
    int groups = 1;          ///< groups of both 1x1 convolutions (2 adds a channel shuffle)
    bool doubleDw = false;   ///< the released FBNet-B/C "k33_e6": two depthwise 3x3 convs
    // FBNetV2 / mobile-vision IRF options
    bool se = false;         ///< squeeze-excite after the depthwise conv (squeeze round8(mid/4), hard-sigmoid gate)
    bool hswish = false;     ///< h-swish instead of ReLU
    bool alwaysPw = true;    ///< keep the first 1x1 conv when mid == Cin (FBNet); mobile-vision drops it
    int widthDivisor = 0;    ///< 0: mid = round(Cin * e); > 0: roundWidth(Cin * e, divisor)
};

/** The block's hidden width in a layer with `cin` input channels. */
int midChannels(int cin, const BlockSpec &block);
/** Whether the block has its first 1x1 conv at this width. */
bool hasPointwise(int cin, const BlockSpec &block);
/** Squeeze width of the block's SE: roundWidth(floor(mid / 4), 8). */
int seChannels(int mid);

/** A stage of the macro architecture: `repeats` searchable layers of width `channels`. */
struct StageSpec
{
    int channels = 0;
    int repeats = 1;
    int stride = 1;                       ///< stride of the stage's first layer
    std::vector<std::string> candidates;  ///< empty: the space's default candidates
    std::vector<int> widthOptions;        ///< FBNetV2: output widths a layer may take (empty: `channels` only)
    std::vector<double> expansionOptions; ///< FBNetV2: hidden-width factors (empty: the block's own)
};

/** One searchable layer with its concrete shapes, as resolved from a space (and architecture). */
struct LayerSpec
{
    int index = 0;       ///< 0-based layer index (the paper's L1 is index 0)
    int stage = 0;
    int cin = 0;
    int cout = 0;
    int stride = 1;
    int inputSize = 0;   ///< H = W of the layer's input
    std::vector<std::string> candidates;
};

/** Parameters applied when a space is loaded. */
struct SpaceParams
{
    double widthMultiplier = 1.0;  ///< scales stem, stage and head widths (rounded to multiples of 8)
    int numClasses = 0;            ///< 0: the space's own default
    int inputSize = 0;             ///< 0: the space's own input size (FBNet spaces; the layers' shapes follow)
};

/**
 * An FBNet-style search space: a fixed macro architecture (stem, stages, head) whose layers each
 * choose one of a list of candidate blocks. Loaded from JSON (resources/spaces/).
 */
class SearchSpace
{
public:
    static SearchSpace load(const std::string &path, const SpaceParams &params = {});
    static SearchSpace fromJsonText(const std::string &text, const std::string &source,
                                    const SpaceParams &params = {});

    std::string name;
    std::string description;
    int inputSize = 224;
    int inputChannels = 3;
    int numClasses = 1000;
    int stemChannels = 16;
    int stemKernel = 3;
    int stemStride = 2;
    int headChannels = 1984;
    std::string headType = "conv";  ///< conv: 1x1 conv+BN+ReLU, pool, FC | ir_pool: 1x1 expand+BN+h-swish, pool, 1x1 conv+h-swish, FC
    double headExpansion = 6;       ///< ir_pool only
    bool stemHswish = false;
    std::vector<int> resolutions;   ///< FBNetV2: searchable input sizes (empty: inputSize only)
    std::vector<StageSpec> stages;
    std::vector<std::string> candidates;          ///< default candidates, in index order
    std::map<std::string, BlockSpec> blocks;      ///< every block an architecture may use

    /** The searchable layers with their shapes (default widths). */
    std::vector<LayerSpec> layers() const;
    int layerCount() const;
    /** Throws fbnet::Error if `name` is not a block of this space. */
    const BlockSpec &block(const std::string &name) const;
    bool hasBlock(const std::string &name) const;
    /** FBNetV2: the space has width, expansion or resolution options (searched by DMasking, analytic cost). */
    bool searchesShapes() const;
    /** log10 of the number of distinct architectures (product of candidate counts). */
    double log10Size() const;
};

/** MobileNet/mobile-vision width rounding: nearest multiple of `divisor`, never below 95%. */
int roundWidth(double width, int divisor = 8);

/** Canonical FBNet candidate names in HW-NAS-Bench index order 0..8. */
const std::vector<std::string> &fbnetCandidateNames();

} // namespace fbnet
