{
  # Portable build: no -march. The AVX2/FMA and AVX-512 variants of the kernels are
  # compiled in their own translation units under `#pragma GCC target` and chosen
  # at run time (src/dispatch.cc); BLAS is dlopen()ed at run time (src/blas.cc).
  "targets": [{
    "target_name": "latent_lab_native",
    "sources": [
      "src/addon.cc", "src/addon_fused.cc", "src/attention.cc", "src/crossEntropy.cc", "src/embedding.cc", "src/lora.cc", "src/dispatch.cc", "src/blas.cc", "src/pool.cc",
      "src/kernels_generic.cc", "src/kernels_avx2.cc", "src/kernels_avx512.cc"
    ],
    # Node's common.gypi already adds -std=gnu++17 (GNU mode keeps FMA contraction on).
    "cflags_cc": ["-O3", "-fno-exceptions", "-fno-math-errno", "-fvisibility=hidden", "-Wall", "-Wno-psabi"],
    "libraries": ["-ldl", "-lpthread"],
    "defines": ["NAPI_VERSION=8"],
    "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=gnu++17", "-fno-math-errno"] }
  }]
}
