// ONNX export: walks the concrete network (network.h) and writes one ONNX node per operation.
#include "fbnet/onnxexport.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "compute/torchcompat.h"
#include "nn/network.h"
#include "nn/statedict.h"

namespace fbnet {

namespace {

using detail::ConvBnRelu;
using detail::IrfBlockImpl;
using detail::SkipBlockImpl;

/** The network with the export's weights: the file's (strict) or seeded random ones, in eval mode. */
detail::Network buildNetwork(const SearchSpace &space, const Architecture &arch, const std::string &weightsPath, std::uint64_t seed)
{
    const NetworkPlan plan = resolve(space, arch);
    torch::manual_seed(seed);
    detail::Network net(plan);
    if (!weightsPath.empty())
        detail::loadIntoModule(*net, detail::loadStateDict(weightsPath), weightsPath);
    net->eval();
    return net;
}

/** Appends nodes and initializers to one graph; every value name is unique. */
class GraphWriter
{
public:
    GraphWriter(onnx::GraphProto &graph, int opset, bool foldBn) : m_graph(graph), m_opset(opset), m_foldBn(foldBn) {}

    std::string initializer(const std::string &name, const torch::Tensor &t)
    {
        const torch::Tensor c = t.detach().to(torch::kFloat).contiguous().cpu();
        auto *init = m_graph.add_initializer();
        init->set_name(name);
        init->set_data_type(onnx::TensorProto::FLOAT);
        for (auto d : c.sizes())
            init->add_dims(d);
        init->set_raw_data(std::string(static_cast<const char *>(c.data_ptr()), std::size_t(c.numel()) * sizeof(float)));
        m_parameters += c.numel();
        return name;
    }

    std::string int64Initializer(const std::string &name, const std::vector<std::int64_t> &values)
    {
        auto *init = m_graph.add_initializer();
        init->set_name(name);
        init->set_data_type(onnx::TensorProto::INT64);
        init->add_dims(std::int64_t(values.size()));
        for (auto v : values)
            init->add_int64_data(v);
        return name;
    }

    onnx::NodeProto &node(const std::string &op, const std::vector<std::string> &inputs, const std::string &output)
    {
        auto *n = m_graph.add_node();
        n->set_op_type(op);
        n->set_name(output);
        for (const auto &i : inputs)
            n->add_input(i);
        n->add_output(output);
        return *n;
    }

    static void intsAttr(onnx::NodeProto &n, const std::string &name, const std::vector<std::int64_t> &v)
    {
        auto *a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (auto x : v)
            a->add_ints(x);
    }
    static void intAttr(onnx::NodeProto &n, const std::string &name, std::int64_t v)
    {
        auto *a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(v);
    }
    static void floatAttr(onnx::NodeProto &n, const std::string &name, float v)
    {
        auto *a = n.add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(v);
    }

    /** Conv (+ BatchNormalization, or BN folded into its weights) named after the module path. */
    std::string conv(const std::string &x, const std::string &path, const torch::nn::Conv2d &conv, const torch::nn::BatchNorm2d *bn)
    {
        const auto &o = conv->options;
        torch::Tensor w = conv->weight.detach();
        torch::Tensor b = conv->bias.defined() ? conv->bias.detach() : torch::Tensor();
        const bool fold = bn && m_foldBn;
        if (fold) {
            const auto &bnm = *bn;
            const auto scale = bnm->weight.detach() / torch::sqrt(bnm->running_var.detach() + bnm->options.eps());
            w = w * scale.view({-1, 1, 1, 1});
            const auto base = b.defined() ? b : torch::zeros_like(bnm->running_mean);
            b = bnm->bias.detach() + (base - bnm->running_mean.detach()) * scale;
        }
        std::vector<std::string> inputs = {x, initializer(path + ".weight", w)};
        if (b.defined())
            inputs.push_back(initializer(path + (fold ? ".bias_folded" : ".bias"), b));
        auto &n = node("Conv", inputs, path);
        const auto k = (*o.kernel_size())[0], s = (*o.stride())[0];
        const auto p = (**detail::variantIf<torch::ExpandingArray<2>>(o.padding()))[0];
        intsAttr(n, "kernel_shape", {k, k});
        intsAttr(n, "strides", {s, s});
        intsAttr(n, "pads", {p, p, p, p});
        intAttr(n, "group", o.groups());
        if (!bn || fold)
            return path;
        const auto &bnm = *bn;
        const std::string bp = path + "_bn";
        auto &bnNode = node("BatchNormalization",
                            {path, initializer(bp + ".weight", bnm->weight), initializer(bp + ".bias", bnm->bias),
                             initializer(bp + ".running_mean", bnm->running_mean), initializer(bp + ".running_var", bnm->running_var)},
                            bp);
        floatAttr(bnNode, "epsilon", float(bnm->options.eps()));
        return bp;
    }

    std::string activation(const std::string &x, bool hswish)
    {
        if (!hswish)
            return node("Relu", {x}, x + "_relu").output(0);
        if (m_opset >= 14)
            return node("HardSwish", {x}, x + "_hswish").output(0);
        return node("Mul", {x, hardSigmoid(x, x + "_hsig")}, x + "_hswish").output(0);
    }

    /** PyTorch's hardsigmoid: relu6(x + 3) / 6. */
    std::string hardSigmoid(const std::string &x, const std::string &out)
    {
        auto &n = node("HardSigmoid", {x}, out);
        floatAttr(n, "alpha", 1.0f / 6.0f);
        floatAttr(n, "beta", 0.5f);
        return out;
    }

    /** (N, C, H, W) -> (N, g, C/g, H, W) -> swap 1 and 2 -> (N, C, H, W); the batch stays dynamic (-1). */
    std::string channelShuffle(const std::string &x, const std::string &path, std::int64_t c, std::int64_t hw, std::int64_t groups)
    {
        const auto split = node("Reshape", {x, int64Initializer(path + ".shape5", {-1, groups, c / groups, hw, hw})}, path + "_split").output(0);
        auto &t = node("Transpose", {split}, path + "_transpose");
        intsAttr(t, "perm", {0, 2, 1, 3, 4});
        return node("Reshape", {t.output(0), int64Initializer(path + ".shape4", {-1, c, hw, hw})}, path).output(0);
    }

    std::int64_t parameters() const { return m_parameters; }

private:
    onnx::GraphProto &m_graph;
    int m_opset;
    bool m_foldBn;
    std::int64_t m_parameters = 0;
};

std::string convBnAct(GraphWriter &g, const std::string &x, const std::string &path, const ConvBnRelu &m)
{
    return g.activation(g.conv(x, path + ".conv", m->conv, &m->bn), m->hswish);
}

std::string irfBlock(GraphWriter &g, const std::string &x, const std::string &path, IrfBlockImpl &b, std::int64_t inputSize)
{
    const auto &o = b.options;
    const bool hs = o.hswish();
    std::string y = x;
    if (!b.pw.is_empty())
        y = g.activation(g.conv(y, path + ".pw", b.pw, &b.pwBn), hs);
    if (o.groups() > 1)
        y = g.channelShuffle(y, path + ".shuffle", b.dw->options.in_channels(), inputSize, o.groups());
    y = g.activation(g.conv(y, path + ".dw", b.dw, &b.dwBn), hs);
    if (!b.dw2.is_empty())
        y = g.activation(g.conv(y, path + ".dw2", b.dw2, &b.dw2Bn), hs);
    if (!b.se.is_empty()) {
        const auto pooled = g.node("GlobalAveragePool", {y}, path + ".se_pool").output(0);
        const auto r = g.activation(g.conv(pooled, path + ".se.reduce", b.se->reduce, nullptr), false);
        const auto gate = g.hardSigmoid(g.conv(r, path + ".se.expand", b.se->expand, nullptr), path + ".se_gate");
        // gate first: OpenCV 4.6's dnn module broadcasts Mul(x[N,C,H,W], gate[N,C,1,1]) wrongly
        // (190% off on a lone SE block) and Mul(gate, x) correctly; every other runtime sees the same product.
        y = g.node("Mul", {gate, y}, path + ".se_scale").output(0);
    }
    y = g.conv(y, path + ".pwl", b.pwl, &b.pwlBn);
    if (b.residual())
        y = g.node("Add", {y, x}, path + ".add").output(0);
    return y;
}

void setTensorType(onnx::ValueInfoProto &v, const std::string &name, const std::vector<std::int64_t> &dims, int batch)
{
    v.set_name(name);
    auto *t = v.mutable_type()->mutable_tensor_type();
    t->set_elem_type(onnx::TensorProto::FLOAT);
    auto *shape = t->mutable_shape();
    auto *d0 = shape->add_dim();
    if (batch > 0)
        d0->set_dim_value(batch);
    else
        d0->set_dim_param("batch");
    for (auto d : dims)
        shape->add_dim()->set_dim_value(d);
}

onnx::ModelProto buildModel(const NetworkPlan &plan, detail::NetworkImpl &net, const OnnxExportOptions &o, const std::string &name,
                            std::int64_t &parameters)
{
    onnx::ModelProto model;
    model.set_ir_version(onnx::IR_VERSION);
    model.set_producer_name("fbnet-studio");
    model.set_producer_version("1");
    model.set_doc_string(o.description);
    auto *opset = model.add_opset_import();
    opset->set_domain("");
    opset->set_version(o.opset);
    auto &graph = *model.mutable_graph();
    graph.set_name(name);
    setTensorType(*graph.add_input(), "input", {plan.inputChannels, plan.inputSize, plan.inputSize}, o.batch);
    setTensorType(*graph.add_output(), "logits", {plan.numClasses}, o.batch);

    GraphWriter g(graph, o.opset, o.foldBn);
    std::string x = convBnAct(g, "input", "stem", net.stem);
    for (std::size_t i = 0; i < net.blocks.size(); ++i) {
        const std::string path = "layer" + std::to_string(i);
        auto &block = net.blocks[i];
        if (auto *irf = dynamic_cast<IrfBlockImpl *>(block.get()))
            x = irfBlock(g, x, path, *irf, plan.layers[i].inputSize);
        else if (auto *skip = dynamic_cast<SkipBlockImpl *>(block.get()))
            x = skip->projecting() ? g.activation(g.conv(x, path + ".conv", skip->conv, &skip->bn), false) : x;
        else
            throw Error::at("ONNX export", path, "a block kind the exporter does not know");
    }
    x = g.node("GlobalAveragePool", {convBnAct(g, x, "head", net.head)}, "pool").output(0);
    if (!net.headPwl.is_empty())
        x = g.activation(g.conv(x, "head_pwl", net.headPwl, nullptr), true);
    auto &flat = g.node("Flatten", {x}, "flatten");
    GraphWriter::intAttr(flat, "axis", 1);
    auto &fc = g.node("Gemm", {flat.output(0), g.initializer("fc.weight", net.fc->weight), g.initializer("fc.bias", net.fc->bias)}, "logits");
    GraphWriter::intAttr(fc, "transB", 1);
    parameters = g.parameters();
    return model;
}

/** ONNX's own checker and strict shape inference (what onnx.checker.check_model(full_check=True) runs). */
void checkModel(const onnx::ModelProto &model, const std::string &outPath)
{
    try {
        onnx::checker::check_model(model);
        onnx::ModelProto copy = model;
        onnx::shape_inference::InferShapes(copy, onnx::OpSchemaRegistry::Instance(), onnx::ShapeInferenceOptions(true, 1, false));
    } catch (const std::exception &e) {
        throw Error::at(outPath, "", std::string("the exported graph fails ONNX's checker (a bug in the exporter): ") + e.what());
    }
}

} // namespace

OnnxExportSummary exportOnnx(const SearchSpace &space, const Architecture &arch, const OnnxExportOptions &o, const std::string &outPath)
{
    if (o.opset < kOnnxMinOpset || o.opset > kOnnxMaxOpset)
        throw Error::at("--opset", "", "expected " + std::to_string(kOnnxMinOpset) + ".." + std::to_string(kOnnxMaxOpset) + " (this build's ONNX "
                                           "library knows opsets up to " + std::to_string(kOnnxMaxOpset) + "), got " + std::to_string(o.opset));
    if (o.batch < 0 || o.batch > 4096)
        throw Error::at("--batch", "", "expected 0 (dynamic) or 1..4096, got " + std::to_string(o.batch));
    const NetworkPlan plan = resolve(space, arch);
    torch::NoGradGuard ng;
    detail::Network net = buildNetwork(space, arch, o.weightsPath, o.seed);
    OnnxExportSummary s;
    std::int64_t parameters = 0;
    onnx::ModelProto model = buildModel(plan, *net, o, o.modelName.empty() ? (arch.name.empty() ? "fbnet" : arch.name) : o.modelName, parameters);
    auto *meta = model.add_metadata_props();
    meta->set_key("fbnet.architecture");
    meta->set_value(arch.blocksString());
    meta = model.add_metadata_props();
    meta->set_key("fbnet.space");
    meta->set_value(space.name);
    meta = model.add_metadata_props();
    meta->set_key("fbnet.weights");
    meta->set_value(o.weightsPath.empty() ? "random (seed " + std::to_string(o.seed) + ")" : o.weightsPath);
    checkModel(model, outPath);

    std::string bytes;
    if (!model.SerializeToString(&bytes))
        throw Error::at(outPath, "", "the ONNX model could not be serialised");
    writeFileAtomic(outPath, {std::string_view(bytes)});
    s.opset = o.opset;
    s.nodes = std::size_t(model.graph().node_size());
    s.initializers = std::size_t(model.graph().initializer_size());
    s.parameters = parameters;
    s.bytes = std::filesystem::file_size(outPath);
    s.trainedWeights = !o.weightsPath.empty();
    s.inputSize = plan.inputSize;
    s.inputChannels = plan.inputChannels;
    s.numClasses = plan.numClasses;
    return s;
}

std::vector<float> torchLogits(const SearchSpace &space, const Architecture &arch, const std::string &weightsPath, std::uint64_t seed,
                               const std::vector<float> &input, int batch)
{
    const NetworkPlan plan = resolve(space, arch);
    const std::int64_t per = std::int64_t(plan.inputChannels) * plan.inputSize * plan.inputSize;
    if (batch < 1 || std::int64_t(input.size()) != per * batch)
        throw Error::at("libtorch inference", "input", "expected " + std::to_string(batch) + " x " + std::to_string(per) + " floats");
    torch::NoGradGuard ng;
    detail::Network net = buildNetwork(space, arch, weightsPath, seed);
    const auto x = torch::from_blob(const_cast<float *>(input.data()), {batch, plan.inputChannels, plan.inputSize, plan.inputSize}).clone();
    const auto y = net->forward(x).contiguous();
    return std::vector<float>(y.data_ptr<float>(), y.data_ptr<float>() + y.numel());
}

double maxRelativeDifference(const std::vector<float> &a, const std::vector<float> &b)
{
    if (a.size() != b.size())
        return INFINITY;
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
        scale = std::max(scale, std::abs(double(b[i])));
    }
    return scale > 0 ? diff / scale : diff;
}

} // namespace fbnet
