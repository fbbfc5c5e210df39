// Argument checking shared by the N-API files (addon.cc, addon_fused.cc): each buffer
// argument must be a Float32Array and large enough for the sizes given; a failed check
// throws a TypeError / RangeError in JS and turns every later read into a no-op.
#pragma once

#include <node_api.h>
#include <stdint.h>
#include <stdio.h>

#include <initializer_list>
#include <utility>

namespace ll_napi {

struct F32 {
  float* data = nullptr;
  size_t length = 0;
};

struct Args {
  napi_env env;
  size_t argc = 16;
  napi_value argv[16];
  bool ok = true;

  Args(napi_env e, napi_callback_info info, size_t needed, const char* name) : env(e) {
    if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < needed) fail(name, "too few arguments");
  }
  void fail(const char* name, const char* what) {
    if (!ok) return;
    ok = false;
    char msg[160];
    snprintf(msg, sizeof msg, "latent-lab-native %s: %s", name, what);
    napi_throw_type_error(env, nullptr, msg);
  }
  F32 f32(size_t i, const char* name) {
    F32 out;
    napi_typedarray_type type;
    void* data;
    napi_value buffer;
    size_t offset;
    if (!ok) return out;
    if (napi_get_typedarray_info(env, argv[i], &type, &out.length, &data, &buffer, &offset) != napi_ok ||
        type != napi_float32_array) {
      fail(name, "expected a Float32Array");
      return out;
    }
    out.data = (float*)data;
    return out;
  }
  // Int32Array argument i (e.g. embedding indices); its element count in *length.
  int32_t* i32(size_t i, const char* name, size_t* length) {
    napi_typedarray_type type;
    void* data = nullptr;
    napi_value buffer;
    size_t offset;
    if (!ok) return nullptr;
    if (napi_get_typedarray_info(env, argv[i], &type, length, &data, &buffer, &offset) != napi_ok || type != napi_int32_array) {
      fail(name, "expected an Int32Array");
      return nullptr;
    }
    return (int32_t*)data;
  }
  bool isNull(size_t i) { napi_valuetype t = napi_undefined; if (ok) napi_typeof(env, argv[i], &t); return t == napi_null; }
  int64_t i64(size_t i) { int64_t v = 0; if (ok) napi_get_value_int64(env, argv[i], &v); return v; }
  double f64(size_t i) { double v = 0; if (ok) napi_get_value_double(env, argv[i], &v); return v; }
  bool flag(size_t i) { bool v = false; if (ok) napi_get_value_bool(env, argv[i], &v); return v; }
  void string(size_t i, char* buf, size_t size) { size_t n; if (ok) napi_get_value_string_utf8(env, argv[i], buf, size, &n); }
  bool fits(const F32& a, int64_t need, const char* name) {
    if (ok && (need < 0 || (uint64_t)need > a.length)) {
      ok = false;
      char msg[160];
      snprintf(msg, sizeof msg, "latent-lab-native %s: array too small", name);
      napi_throw_range_error(env, nullptr, msg);
    }
    return ok;
  }
};

inline napi_value boolean(napi_env env, bool b) { napi_value v; napi_get_boolean(env, b, &v); return v; }
inline napi_value string(napi_env env, const char* s) { napi_value v; napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v); return v; }
inline napi_value number(napi_env env, double d) { napi_value v; napi_create_double(env, d, &v); return v; }

// exports[name] = fn for each pair.
inline void defineFunctions(napi_env env, napi_value exports, std::initializer_list<std::pair<const char*, napi_callback>> fns) {
  for (const auto& f : fns) {
    const napi_property_descriptor d = {f.first, nullptr, f.second, nullptr, nullptr, nullptr, napi_default, nullptr};
    napi_define_properties(env, exports, 1, &d);
  }
}

}  // namespace ll_napi
