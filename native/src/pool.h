// A tiny fork-join pool: poolRun(fn, arg) runs fn(arg, part, parts) for every
// part in [0, parts), part 0 on the calling thread, the others on persistent
// workers that spin briefly and then sleep. parts = poolThreads().
#pragma once

namespace ll {

typedef void (*PartFn)(void* arg, int part, int parts);

void poolSetThreads(int threads);  // 1..kMaxThreads; 1 = everything on the caller
int poolThreads();
void poolRun(PartFn fn, void* arg);

}  // namespace ll
