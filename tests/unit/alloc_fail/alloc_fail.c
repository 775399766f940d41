/*
 * alloc_fail.c — the allocation interposer behind alloc_fail.h.
 *
 * Under AddressSanitizer, libasan already defines malloc and friends; a
 * definition in the program comes before it in the dynamic linker's search
 * order, so ours wins and forwards to ASan's exported __interceptor_* entry
 * points: every block still comes from ASan's allocator (poisoning, leak
 * detection and free() all keep working).  Without ASan (the valgrind run)
 * we forward to glibc's __libc_* entry points, which valgrind replaces as it
 * replaces malloc.  strdup/strndup are defined here because ASan intercepts
 * them without going through malloc (json-c, libcurl and OpenSSL call strdup).
 * No other allocation entry point is imported by the libraries we link
 * (checked with nm -D --undefined-only).
 *
 * Three kinds of allocation are never failed, because json-c 0.16 (Debian
 * 12) mishandles them: inside its parser, json_tokener_parse_ex, it copies
 * an object key with strdup and uses the copy unchecked (a crash), and it
 * ignores a failed json_object_object_add, leaking the member's value; and
 * its serializer ignores a failed growth of its output buffer inside a
 * string (json_escape_str), so the text comes out short instead of failing.
 * Later json-c releases check the first two.  alloc_fail_spared() says when the
 * chosen allocation was one of these; the test counts and reports them.
 *
 * State is thread-local: only the test's own thread is counted, never the
 * fake HTTP server's thread.  A plain global says whether any thread is
 * armed, so that allocations made while the program starts (the dynamic
 * linker's, ASan's) never touch thread-local storage.
 */
#define _GNU_SOURCE /* dladdr */
#include "alloc_fail.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define REAL(name) __interceptor_##name
#else
#define REAL(name) __libc_##name
#endif

/* The entry points run while ASan itself starts, before its shadow memory
 * exists: they must not be instrumented (no stack redzones). */
#define ENTRY __attribute__((no_sanitize_address))

void *REAL(malloc)(size_t size);
void *REAL(calloc)(size_t n, size_t size);
void *REAL(realloc)(void *p, size_t size);
void REAL(free)(void *p);

/* The definitions below replace libc's for the whole process. */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);
char *strdup(const char *s);
char *strndup(const char *s, size_t n);

static bool any_armed; /* set once, by the first arm */
static _Thread_local bool armed;
static _Thread_local bool fired;
static _Thread_local bool spared;
static _Thread_local unsigned long fail_at;
static _Thread_local unsigned long count;
static _Thread_local unsigned long frees;
static _Thread_local unsigned long drop_free_at;
static bool trace;              /* ALLOC_FAIL_TRACE=1: print where each failure is */
static void *trace_frames[16];

void alloc_fail_arm(unsigned long n)
{
    /* backtrace() loads its unwinder on first use: do that before counting */
    void *warm[1];
    backtrace(warm, 1);
    const char *t = getenv("ALLOC_FAIL_TRACE");
    trace = t && *t == '1';
    const char *d = getenv("ALLOC_FAIL_DROP_FREE");
    drop_free_at = d ? strtoul(d, NULL, 10) : 0;
    fail_at = n;
    count = 0;
    frees = 0;
    fired = false;
    spared = false;
    armed = true;
    any_armed = true;
}

unsigned long alloc_fail_disarm(void)
{
    armed = false;
    return count;
}

bool alloc_fail_fired(void) { return fired; }

bool alloc_fail_spared(void) { return spared; }


/* Whether the allocation being made is one json-c's parser mishandles (see
 * above): the parser is on the stack, and this is either its own key copy
 * (a string copy) or an allocation of json_object_object_add_ex; or the
 * growth of json-c's print buffer. */
__attribute__((noinline)) static bool json_c_bug(bool string_copy)
{
    void *frames[12];
    int n = backtrace(frames, 12);
    bool parser = false, add = false, serializer = false;
    for (int i = 1; i < n; i++) {
        Dl_info info;
        if (!dladdr(frames[i], &info) || !info.dli_sname)
            continue;
        parser = parser || strcmp(info.dli_sname, "json_tokener_parse_ex") == 0;
        add = add || strcmp(info.dli_sname, "json_object_object_add_ex") == 0;
        serializer = serializer || strcmp(info.dli_sname, "printbuf_memappend") == 0;
    }
    return (parser && (add || string_copy)) || serializer;
}

ENTRY static bool fail_now(bool string_copy)
{
    if (!any_armed || !armed || ++count != fail_at)
        return false;
    if (json_c_bug(string_copy)) {
        spared = true;
        return false;
    }
    fired = true;
    if (trace)
        backtrace_symbols_fd(trace_frames, backtrace(trace_frames, 16), 2);
    return true;
}

ENTRY void *malloc(size_t size) { return fail_now(false) ? NULL : REAL(malloc)(size); }

ENTRY void *calloc(size_t n, size_t size) { return fail_now(false) ? NULL : REAL(calloc)(n, size); }

ENTRY void *realloc(void *p, size_t size)
{
    /* realloc(p, 0) frees p: nothing to fail there */
    if (p && size == 0)
        return REAL(realloc)(p, size);
    return fail_now(false) ? NULL : REAL(realloc)(p, size);
}

ENTRY void free(void *p)
{
    if (p && any_armed && armed && drop_free_at && ++frees == drop_free_at)
        return; /* the demonstration leak: this block is never released */
    REAL(free)(p);
}

static char *copy(const char *s, size_t n)
{
    size_t len = strnlen(s, n);
    char *d = fail_now(true) ? NULL : REAL(malloc)(len + 1);
    if (!d)
        return NULL;
    memcpy(d, s, len);
    d[len] = '\0';
    return d;
}

char *strndup(const char *s, size_t n) { return copy(s, n); }

char *strdup(const char *s) { return copy(s, strlen(s)); }
