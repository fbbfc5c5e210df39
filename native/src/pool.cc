#include "pool.h"

#include <pthread.h>
#include <sched.h>

#include <atomic>

namespace ll {
namespace {
enum { kMaxThreads = 16, kSpins = 20000 };

inline void cpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

int g_threads = 1;
int g_started = 1;  // workers 1..g_started-1 exist
int g_startGeneration[kMaxThreads];  // generation current when worker i was created
PartFn g_fn = nullptr;
void* g_arg = nullptr;
int g_parts = 1;
std::atomic<int> g_generation{0};
std::atomic<int> g_pending{0};
std::atomic<bool> g_busy{false};  // a second JS thread (worker_threads) runs serially
pthread_mutex_t g_mutex = PTHREAD_MUTEX_INITIALIZER;
pthread_cond_t g_wake = PTHREAD_COND_INITIALIZER;

void* workerMain(void* arg) {
  const int index = (int)(long)arg;
  int seen = g_startGeneration[index];
  for (;;) {
    for (int i = 0; i < kSpins && g_generation.load(std::memory_order_acquire) == seen; i++) cpuRelax();
    if (g_generation.load(std::memory_order_acquire) == seen) {
      pthread_mutex_lock(&g_mutex);
      while (g_generation.load(std::memory_order_acquire) == seen) pthread_cond_wait(&g_wake, &g_mutex);
      pthread_mutex_unlock(&g_mutex);
    }
    seen = g_generation.load(std::memory_order_acquire);
    if (index < g_parts) {
      g_fn(g_arg, index, g_parts);
      g_pending.fetch_sub(1, std::memory_order_acq_rel);
    }
  }
  return nullptr;
}
}  // namespace

void poolSetThreads(int threads) {
  g_threads = threads < 1 ? 1 : threads > kMaxThreads ? kMaxThreads : threads;
}
int poolThreads() { return g_threads; }

void poolRun(PartFn fn, void* arg) {
  const int parts = g_threads;
  bool expected = false;
  if (parts == 1 || !g_busy.compare_exchange_strong(expected, true)) {
    for (int p = 0; p < parts; p++) fn(arg, p, parts);
    return;
  }
  for (; g_started < parts; g_started++) {
    pthread_t thread;
    g_startGeneration[g_started] = g_generation.load(std::memory_order_acquire);
    if (pthread_create(&thread, nullptr, workerMain, (void*)(long)g_started) != 0) break;
    pthread_detach(thread);
  }
  const int workers = parts - 1 < g_started - 1 ? parts - 1 : g_started - 1;
  g_fn = fn;
  g_arg = arg;
  g_parts = workers + 1;
  g_pending.store(workers, std::memory_order_release);
  pthread_mutex_lock(&g_mutex);
  g_generation.fetch_add(1, std::memory_order_acq_rel);
  pthread_cond_broadcast(&g_wake);
  pthread_mutex_unlock(&g_mutex);
  fn(arg, 0, workers + 1);
  // Spin, then yield: on a busy machine the worker may be descheduled.
  for (long i = 0; g_pending.load(std::memory_order_acquire) != 0; i++) {
    if (i < kSpins) cpuRelax(); else sched_yield();
  }
  g_busy.store(false, std::memory_order_release);
}

}  // namespace ll
