// OpenCV's dnn module as an independent ONNX runtime: checks exported logits and times kit models.
#include "fbnet/onnxexport.h"

#include <algorithm>
#include <chrono>

#include <fstream>
#include <map>

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

bool opencvCanRun(const std::string &onnxPath, std::string *why)
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
    for (const auto &n : model.graph().node()) {
        if (n.op_type() != "Mul" || n.input_size() != 2)
            continue;
        for (int i = 0; i < 2; ++i) {
            const auto it = producer.find(n.input(i));
            if (it != producer.end() && it->second->op_type() == "HardSigmoid" && it->second->input(0) != n.input(1 - i)) {
                if (why)
                    *why = "OpenCV 4.6's dnn module does not run squeeze-excite gating correctly (node " + n.name()
                           + " multiplies by a broadcast gate): measured 3.7% off libtorch's logits on fbnetv2-l2, and a crash when "
                             "the pool is written as ReduceMean; use another runtime for this model (ONNX Runtime, TFLite: see the kit's README)";
                return false;
            }
        }
    }
    return true;
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
