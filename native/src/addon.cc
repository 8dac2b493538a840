// N-API surface: trainStep (sae_step.cc) on Float32Arrays the caller owns, a per-trainer scratch
// handle, encodeTopK (encode_topk.cc), and blasInfo for `jumplens doctor`.
#include <napi.h>

#include <string>

#include "encode_topk.h"
#include "sae_step.h"

extern "C" char* openblas_get_config(void);
extern "C" int openblas_get_num_threads(void);

namespace {

const char* PARAM_NAMES[N_PARAMS] = {"W_enc", "b_enc", "W_dec", "b_dec", "threshold", "b_gate", "b_mag", "r_mag"};

// A Float32Array property's data, or nullptr when absent; sets *bad when present with the wrong type or length.
float* f32(const Napi::Object& o, const char* key, size_t expected, std::string* bad) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return nullptr;
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    *bad = std::string(key) + " is not a Float32Array";
    return nullptr;
  }
  Napi::Float32Array a = v.As<Napi::Float32Array>();
  if (expected && a.ElementLength() != expected) {
    *bad = std::string(key) + " has " + std::to_string(a.ElementLength()) + " elements, expected " + std::to_string(expected);
    return nullptr;
  }
  return a.Data();
}

double num(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0.0;
}

Napi::Value CreateScratch(const Napi::CallbackInfo& info) {
  return Napi::External<Scratch>::New(info.Env(), new Scratch(), [](Napi::Env, Scratch* s) { delete s; });
}

Napi::Value ReleaseScratch(const Napi::CallbackInfo& info) {
  Scratch* s = info[0].As<Napi::External<Scratch>>().Data();
  *s = Scratch();
  return info.Env().Undefined();
}

size_t paramSize(int i, size_t D, size_t S) {
  if (i == W_ENC || i == W_DEC) return D * S;
  return i == B_DEC ? D : S;
}

// trainStep(scratch, { params, m, v, tokens_since_fired, batch_threshold, x, fired }, cfg) -> metrics
Napi::Value TrainStep(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsExternal() || !info[1].IsObject() || !info[2].IsObject()) {
    Napi::TypeError::New(env, "trainStep(scratch, buffers, config)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Scratch* s = info[0].As<Napi::External<Scratch>>().Data();
  Napi::Object bo = info[1].As<Napi::Object>(), co = info[2].As<Napi::Object>();
  StepConfig c;
  c.arch = static_cast<int>(num(co, "arch"));
  c.B = static_cast<int>(num(co, "B")); c.D = static_cast<int>(num(co, "D")); c.S = static_cast<int>(num(co, "S"));
  c.lr = num(co, "lr"); c.lambda = num(co, "lambda"); c.bc1 = num(co, "bc1"); c.bc2 = num(co, "bc2");
  c.beta1 = num(co, "beta1"); c.beta2 = num(co, "beta2"); c.eps = num(co, "eps"); c.bandwidth = num(co, "bandwidth");
  c.logTheta = num(co, "logTheta") != 0; c.quadratic = num(co, "quadratic") != 0; c.thresholdsOnly = num(co, "thresholdsOnly") != 0;
  c.targetL0 = num(co, "targetL0"); c.preActCoef = num(co, "preActCoef"); c.auxKCoef = num(co, "auxKCoef");
  c.deadWindow = num(co, "deadWindow"); c.emaRate = num(co, "emaRate");
  c.k = static_cast<int>(num(co, "k")); c.kAux = static_cast<int>(num(co, "kAux")); c.stepIndex = static_cast<int>(num(co, "stepIndex"));
  if (c.B <= 0 || c.D <= 0 || c.S <= 0 || c.arch < 0 || c.arch > GATED) {
    Napi::RangeError::New(env, "trainStep: bad shape or architecture").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  std::string bad;
  StepBuffers b;
  const size_t D = c.D, S = c.S;
  Napi::Object po = bo.Get("params").As<Napi::Object>(), mo = bo.Get("m").As<Napi::Object>(), vo = bo.Get("v").As<Napi::Object>();
  for (int i = 0; i < N_PARAMS; i++) {
    const size_t n = paramSize(i, D, S);
    b.p[i] = f32(po, PARAM_NAMES[i], n, &bad);
    b.m[i] = f32(mo, PARAM_NAMES[i], n, &bad);
    b.v[i] = f32(vo, PARAM_NAMES[i], n, &bad);
  }
  b.tokensSinceFired = f32(bo, "tokens_since_fired", S, &bad);
  b.batchThreshold = f32(bo, "batch_threshold", 1, &bad);
  b.x = f32(bo, "x", static_cast<size_t>(c.B) * D, &bad);
  float* fired = f32(bo, "fired", S, &bad);
  if (!bad.empty() || !fired) {
    Napi::TypeError::New(env, "trainStep: " + (bad.empty() ? std::string("fired missing") : bad)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  StepMetrics m;
  if (const char* err = sae_step(c, b, *s, m, fired)) {
    Napi::Error::New(env, std::string("trainStep: ") + err).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("loss", m.loss); r.Set("mse", m.mse); r.Set("sparsity", m.sparsity); r.Set("aux", m.aux);
  r.Set("l0", m.l0); r.Set("explainedVariance", m.ev);
  if (m.hasMinKept) r.Set("minKept", m.minKept);
  return r;
}

EncodeInput encodeInput(const Napi::Object& bo, const Napi::Object& co, std::string* bad) {
  EncodeInput in;
  in.arch = static_cast<int>(num(co, "arch")); in.n = static_cast<int>(num(co, "n")); in.D = static_cast<int>(num(co, "D"));
  in.S = static_cast<int>(num(co, "S")); in.kArch = static_cast<int>(num(co, "kArch")); in.kOut = static_cast<int>(num(co, "kOut"));
  const size_t D = in.D, S = in.S, n = in.n;
  in.x = f32(bo, "x", n * D, bad); in.W_enc = f32(bo, "W_enc", D * S, bad); in.b_enc = f32(bo, "b_enc", S, bad);
  in.b_dec = f32(bo, "b_dec", D, bad); in.threshold = f32(bo, "threshold", S, bad); in.b_gate = f32(bo, "b_gate", S, bad);
  in.b_mag = f32(bo, "b_mag", S, bad); in.r_mag = f32(bo, "r_mag", S, bad);
  if (bad->empty() && (in.n < 1 || in.D < 1 || in.S < 1 || in.kArch > in.S || (in.arch == TOPK && in.kArch < 1))) *bad = "bad shape or k";
  return in;
}

// encodeDense(inputs, cfg, out: Float32Array [n, S])
Napi::Value EncodeDense(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string bad;
  EncodeInput in = encodeInput(info[0].As<Napi::Object>(), info[1].As<Napi::Object>(), &bad);
  if (bad.empty() && (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array ||
                      info[2].As<Napi::Float32Array>().ElementLength() != static_cast<size_t>(in.n) * in.S))
    bad = "out must be a Float32Array of [n, S]";
  if (!bad.empty()) {
    Napi::TypeError::New(env, "encodeDense: " + bad).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (const char* err = encode_dense(in, info[2].As<Napi::Float32Array>().Data())) Napi::Error::New(env, std::string("encodeDense: ") + err).ThrowAsJavaScriptException();
  return env.Undefined();
}

// encodeTopK({ x, W_enc, b_enc, b_dec?, threshold?, b_gate?, b_mag?, r_mag? }, { arch, n, D, S, kArch, kOut }, { indices, values, l0 })
Napi::Value EncodeTopK(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object bo = info[0].As<Napi::Object>(), co = info[1].As<Napi::Object>(), oo = info[2].As<Napi::Object>();
  EncodeInput in;
  in.arch = static_cast<int>(num(co, "arch")); in.n = static_cast<int>(num(co, "n")); in.D = static_cast<int>(num(co, "D"));
  in.S = static_cast<int>(num(co, "S")); in.kArch = static_cast<int>(num(co, "kArch")); in.kOut = static_cast<int>(num(co, "kOut"));
  std::string bad;
  const size_t D = in.D, S = in.S, n = in.n, K = in.kOut;
  in.x = f32(bo, "x", n * D, &bad); in.W_enc = f32(bo, "W_enc", D * S, &bad); in.b_enc = f32(bo, "b_enc", S, &bad);
  in.b_dec = f32(bo, "b_dec", D, &bad); in.threshold = f32(bo, "threshold", S, &bad); in.b_gate = f32(bo, "b_gate", S, &bad);
  in.b_mag = f32(bo, "b_mag", S, &bad); in.r_mag = f32(bo, "r_mag", S, &bad);
  Napi::Value iv = oo.Get("indices"), l0v = oo.Get("l0");
  float* values = f32(oo, "values", n * K, &bad);
  if (bad.empty() && (!iv.IsTypedArray() || iv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array || iv.As<Napi::Int32Array>().ElementLength() != n * K ||
                      !l0v.IsTypedArray() || l0v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array || l0v.As<Napi::Int32Array>().ElementLength() != n))
    bad = "indices/l0 must be Int32Arrays of [n, kOut] and [n]";
  if (!bad.empty() || !values || in.kArch > in.S || in.kOut > in.S || in.kOut < 1) {
    Napi::TypeError::New(env, "encodeTopK: " + (bad.empty() ? std::string("bad k or values") : bad)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (const char* err = encode_topk(in, iv.As<Napi::Int32Array>().Data(), values, l0v.As<Napi::Int32Array>().Data())) {
    Napi::Error::New(env, std::string("encodeTopK: ") + err).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Value BlasInfo(const Napi::CallbackInfo& info) {
  Napi::Object r = Napi::Object::New(info.Env());
#ifdef JUMPLENS_ACCELERATE
  r.Set("config", "Accelerate");
  r.Set("threads", 0);
#else
  r.Set("config", openblas_get_config());
  r.Set("threads", openblas_get_num_threads());
#endif
  return r;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("createScratch", Napi::Function::New(env, CreateScratch));
  exports.Set("releaseScratch", Napi::Function::New(env, ReleaseScratch));
  exports.Set("trainStep", Napi::Function::New(env, TrainStep));
  exports.Set("encodeTopK", Napi::Function::New(env, EncodeTopK));
  exports.Set("encodeDense", Napi::Function::New(env, EncodeDense));
  exports.Set("blasInfo", Napi::Function::New(env, BlasInfo));
  return exports;
}

}  // namespace

NODE_API_MODULE(jumplens_native, Init)
