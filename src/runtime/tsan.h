// ThreadSanitizer annotations for the synchronisation it cannot see.
//
// Compiled code is not instrumented: when it loads a Function* from an
// import slot, a table or a global (an acquire on x86, pairing with the
// release store that published it, possibly on another thread: a hot
// replacement, a table.set) and hands it to C++, TSan saw no acquire and
// reports the Function's construction as racing with its use. The
// instance releases each of its functions once they are built
// (Instance::instantiate) and the C++ entry points that take a Function*
// from compiled code acquire it again. Outside TSan builds
// (STRATA_SANITIZE_THREAD) both are nothing.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define STRATA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRATA_TSAN 1
#endif
#endif

#ifdef STRATA_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace strata {

inline void tsanRelease(const void* object) {
#ifdef STRATA_TSAN
  __tsan_release(const_cast<void*>(object));
#else
  (void)object;
#endif
}

inline void tsanAcquire(const void* object) {
#ifdef STRATA_TSAN
  __tsan_acquire(const_cast<void*>(object));
#else
  (void)object;
#endif
}

}  // namespace strata
