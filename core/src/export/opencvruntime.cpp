// OpenCV's dnn module as an independent ONNX runtime: checks exported logits and times kit models.
#include "fbnet/onnxexport.h"

#include <algorithm>
#include <chrono>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <onnx/onnx_pb.h>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>

#include "fbnet/error.h"

namespace fbnet {

namespace {

cv::dnn::Net readNet(const std::string &path)
{
    std::string why;
    if (!opencvCanRun(path, &why))
        throw Error::at(path, "", why);
    try {
        cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
        if (net.empty())
            throw Error::at(path, "", "OpenCV's dnn module read no network from this file");
        net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        return net;
    } catch (const cv::Exception &e) {
        throw Error::at(path, "", std::string("OpenCV's dnn module cannot read this ONNX file: ") + e.msg);
    }
}

} // namespace

OpenCvSupport opencvSupport(const std::string &onnxPath, std::string *why)
{
    onnx::ModelProto model;
    std::ifstream in(onnxPath, std::ios::binary);
    if (!in)
        throw Error::at(onnxPath, "", "cannot open file for reading");
    if (!model.ParseFromIstream(&in))
        throw Error::at(onnxPath, "", "not an ONNX model (the protobuf does not parse)");
    std::map<std::string, const onnx::NodeProto *> producer;
    for (const auto &n : model.graph().node())
        for (const auto &o : n.output())
            producer[o] = &n;
    const auto &inputs = model.graph().input();
    const bool dynamicBatch = !inputs.empty() && inputs[0].type().tensor_type().shape().dim_size() > 0
        && !inputs[0].type().tensor_type().shape().dim(0).has_dim_value();
    auto isGate = [&](const onnx::NodeProto &mul, int i) {  // a squeeze-excite gate (not h-swish's x * HardSigmoid(x))
        const auto it = producer.find(mul.input(i));
        return it != producer.end() && it->second->op_type() == "HardSigmoid" && it->second->input(0) != mul.input(1 - i);
    };
    for (const auto &n : model.graph().node()) {
        if (n.op_type() != "Mul" || n.input_size() != 2)
            continue;
        // OpenCV 4.6 gives Mul(x[N,C,H,W], gate[N,C,1,1]) the gate's shape (190% off on a lone SE
        // block); Mul(gate, x) it computes correctly, but only with a fixed batch dimension.
        if (isGate(n, 1)) {
            if (why)
                *why = "OpenCV 4.6's dnn module does not run this squeeze-excite gating correctly (node " + n.name()
                       + " multiplies by a broadcast gate given second); export the model again with this version of fbnet, "
                         "which writes the gate first, or use another runtime (ONNX Runtime, TFLite: see the kit's README)";
            return OpenCvSupport::No;
        }
        if (isGate(n, 0) && dynamicBatch) {
            if (why)
                *why = "OpenCV 4.6's dnn module runs squeeze-excite gating (node " + n.name()
                       + ") only with a fixed batch dimension (fbnet export --batch N)";
            return OpenCvSupport::FixedBatchOnly;
        }
    }
    return OpenCvSupport::Yes;
}

bool opencvCanRun(const std::string &onnxPath, std::string *why)
{
    return opencvSupport(onnxPath, why) == OpenCvSupport::Yes;
}

OpenCvCheck checkInOpenCv(const SearchSpace &space, const Architecture &arch, const OnnxExportOptions &options, const std::string &onnxPath,
                          int batch)
{
    OpenCvCheck check;
    check.batch = options.batch > 0 ? options.batch : batch;
    const OpenCvSupport support = opencvSupport(onnxPath, &check.why);
    if (support == OpenCvSupport::No)
        return check;
    // Where OpenCV needs a fixed batch: the same graph and weights so, beside the file, removed after.
    struct FixedBatchCopy
    {
        std::string path;
        ~FixedBatchCopy()
        {
            if (!path.empty())
                std::filesystem::remove(path);
        }
    } copy;
    if (support == OpenCvSupport::FixedBatchOnly) {
        OnnxExportOptions fixed = options;
        fixed.batch = check.batch;
        copy.path = onnxPath + ".opencv-check.onnx";
        exportOnnx(space, arch, fixed, copy.path);
        check.fixedBatchCopy = true;
    }
    const NetworkPlan plan = resolve(space, arch);
    std::vector<float> input(std::size_t(check.batch) * std::size_t(plan.inputChannels) * std::size_t(plan.inputSize) * std::size_t(plan.inputSize));
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    for (auto &v : input)
        v = nd(rng);
    const auto cv = opencvLogits(check.fixedBatchCopy ? copy.path : onnxPath, input, check.batch, plan.inputChannels, plan.inputSize);
    check.relativeDifference = maxRelativeDifference(cv, torchLogits(space, arch, options.weightsPath, options.seed, input, check.batch));
    check.ran = true;
    return check;
}

std::vector<float> opencvLogits(const std::string &onnxPath, const std::vector<float> &input, int batch, int channels, int size)
{
    const std::size_t per = std::size_t(channels) * std::size_t(size) * std::size_t(size);
    if (batch < 1 || input.size() != per * std::size_t(batch))
        throw Error::at("OpenCV inference", "input", "expected " + std::to_string(batch) + " x " + std::to_string(per) + " floats");
    cv::dnn::Net net = readNet(onnxPath);
    const int dims[4] = {batch, channels, size, size};
    cv::Mat blob(4, dims, CV_32F, const_cast<float *>(input.data()));
    try {
        net.setInput(blob.clone(), "input");
        const cv::Mat out = net.forward();
        const cv::Mat flat = out.isContinuous() ? out : out.clone();
        return std::vector<float>(flat.ptr<float>(), flat.ptr<float>() + flat.total());
    } catch (const cv::Exception &e) {
        throw Error::at(onnxPath, "", std::string("OpenCV's dnn module failed to run this network: ") + e.msg);
    }
}

RuntimeTiming timeOnnxOpenCv(const std::string &onnxPath, int channels, int size, int threads, int warmup, int repeats)
{
    if (repeats < 1 || warmup < 0)
        throw Error::at("OpenCV timing", "repeats", "expected at least one timed run");
    cv::dnn::Net net = readNet(onnxPath);
    const int previousThreads = cv::getNumThreads();
    cv::setNumThreads(std::max(1, threads));
    const int dims[4] = {1, channels, size, size};
    cv::Mat blob(4, dims, CV_32F);
    cv::randu(blob, -1.0, 1.0);
    std::vector<double> ms;
    try {
        for (int i = 0; i < warmup + repeats; ++i) {
            const auto t0 = std::chrono::steady_clock::now();
            net.setInput(blob, "input");
            const cv::Mat out = net.forward();
            const double t = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (i >= warmup)
                ms.push_back(t);
            (void)out;
        }
    } catch (const cv::Exception &e) {
        cv::setNumThreads(previousThreads);
        throw Error::at(onnxPath, "", std::string("OpenCV's dnn module failed to run this network: ") + e.msg);
    }
    cv::setNumThreads(previousThreads);
    std::sort(ms.begin(), ms.end());
    auto at = [&](double q) { return ms[std::min(ms.size() - 1, std::size_t(q * double(ms.size() - 1) + 0.5))]; };
    return {at(0.5), at(0.1), at(0.9), int(ms.size())};
}

} // namespace fbnet
