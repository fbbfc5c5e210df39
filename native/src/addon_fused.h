// The fused kernels' N-API functions (addon_fused.cc), added to the addon's exports by addon.cc.
#pragma once

#include <node_api.h>

namespace ll_napi {

void defineFusedFunctions(napi_env env, napi_value exports);

}  // namespace ll_napi
