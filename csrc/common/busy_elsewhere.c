/*
 * common/busy_elsewhere.c -- how many threads a kernel starting now should
 * use, when other programs may be using some of the cores.
 *
 * A kernel split over as many threads as there are cores needs every core.
 * If another program keeps one of them busy, the thread that lands there
 * runs at half speed or waits for its turn, and the kernel waits for it; the
 * OpenMP worker that spins between kernels to start the next one quickly
 * takes a core the other program wanted.  On an idle machine, though, the
 * spin is what makes small kernels worth sharing: on the 2-core VM we
 * measure on, waking a sleeping worker costs about 100 us.
 *
 * So tinynet keeps its workers spinning briefly (kernels/openmp_wait.py) and
 * watches how much CPU time other programs used on the CPUs it may run on:
 * every SAMPLE_SECONDS, at the start of a kernel, the busy time of those
 * CPUs in /proc/stat minus this process's own CPU time (getrusage), over the
 * wall time since the last look, gives how many cores others kept busy.
 * The first look is taken at import (kernels/config.py), the first
 * measurement from FIRST_SECONDS on: a sixth of an epoch of the MLP, on
 * two threads with a core taken, ran at a quarter of one thread's speed when
 * it was all over before the first measurement came.
 * While that is BUSY_CORE or more of a core, kernels use that many fewer
 * threads than asked (at least one).  Workers left out finish their short
 * spin and sleep, and the kernels run on the cores that are free.
 *
 * The thread count never changes a result: every kernel gives the same bits
 * on any number of threads (common/threads.h).  Where /proc/stat cannot be
 * read (not Linux), nothing is taken away.  tn_set_share_cores(0) turns the
 * watch off (TINYNET_SHARE_CORES=off): kernels then always use the threads
 * asked for.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getaffinity */
#endif
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tinynet.h"

#if defined(__linux__)
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>
#define TN_CAN_WATCH 1
#else
#define TN_CAN_WATCH 0
#endif

#define SAMPLE_SECONDS 0.2 /* /proc/stat counts in ticks of 10 ms: 20 per core per look */
#define FIRST_SECONDS 0.05 /* the first measurement, sooner: a short program would end before 0.2 s */
#define BUSY_CORE 0.5      /* cores kept busy by others, rounded to the nearest whole one */
#define MAX_CPUS 1024

/* ---- the arithmetic (pure functions, tested from Python) ----------------------- */

/* The threads to use when `requested` were asked for, `usable` CPUs may run
 * this process and other programs kept `busy_elsewhere` of them busy. */
int tn_threads_given_load(int requested, int usable, double busy_elsewhere)
{
    if (requested < 1)
        return 1;
    if (!(busy_elsewhere >= BUSY_CORE)) /* (also NaN: no measurement) */
        return requested;
    const int free_cores = usable - (int)(busy_elsewhere + 0.5);
    const int threads = free_cores < requested ? free_cores : requested;
    return threads < 1 ? 1 : threads;
}

/* The busy ticks (user, nice, system, irq, softirq, steal) of the CPUs with
 * counted[cpu] != 0, summed over the "cpuN" lines of a /proc/stat text of
 * `length` bytes; -1 when no such line was found. */
int64_t tn_stat_busy_ticks(const char *text, int64_t length, const unsigned char *counted, int64_t ncounted)
{
    int64_t total = 0, lines = 0;
    const char *line = text, *end = text + length;
    while (line < end) {
        const char *eol = memchr(line, '\n', (size_t)(end - line));
        if (eol == NULL)
            eol = end;
        char copy[256];
        const size_t len = (size_t)(eol - line) < sizeof copy - 1 ? (size_t)(eol - line) : sizeof copy - 1;
        memcpy(copy, line, len);
        copy[len] = '\0';
        long long cpu, user, nice, system, idle, iowait, irq, softirq, steal = 0;
        const int fields = sscanf(copy, "cpu%lld %lld %lld %lld %lld %lld %lld %lld %lld", &cpu, &user, &nice,
                                  &system, &idle, &iowait, &irq, &softirq, &steal);
        const int per_cpu = len > 3 && copy[3] >= '0' && copy[3] <= '9'; /* "cpuN", not the "cpu " total */
        if (per_cpu && fields >= 8 && cpu >= 0 && cpu < ncounted && counted[cpu]) {
            total += user + nice + system + irq + softirq + steal;
            lines++;
        }
        line = eol + 1;
    }
    return lines > 0 ? total : -1;
}

/* ---- the watch ------------------------------------------------------------------ */

static atomic_int share_cores = 1;        /* tn_set_share_cores */
static atomic_int usable = 0;             /* CPUs this process may run on (found at the first look) */
static _Atomic double busy_elsewhere = 0; /* cores others kept busy over the last look (0: not measured yet) */
static atomic_llong next_look_ns = 0;
static atomic_flag looking = ATOMIC_FLAG_INIT;

static int64_t monotonic_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
}

#if TN_CAN_WATCH
/* The state of one look, kept for the next (touched only by the thread holding `looking`). */
static struct {
    unsigned char counted[MAX_CPUS];
    int64_t ticks, ns;
    double own_seconds;
} last;

static double own_cpu_seconds(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) != 0)
        return -1;
    return (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           1e-6 * (double)(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

static int64_t busy_ticks_now(void)
{
    static char text[1 << 16];
    FILE *file = fopen("/proc/stat", "r");
    if (file == NULL)
        return -1;
    size_t length = fread(text, 1, sizeof text, file);
    fclose(file);
    if (length == sizeof text) /* (cut short: keep whole lines only; the "cpuN" lines come first) */
        while (length > 0 && text[length - 1] != '\n')
            length--;
    return tn_stat_busy_ticks(text, (int64_t)length, last.counted, MAX_CPUS);
}

/* Measure since the last look; returns the cores others kept busy, or -1. */
static double look(int64_t now_ns)
{
    if (atomic_load(&usable) == 0) { /* first look: which CPUs are ours */
        cpu_set_t mask;
        if (sched_getaffinity(0, sizeof mask, &mask) != 0)
            return -1;
        int ours = 0;
        for (int cpu = 0; cpu < MAX_CPUS && cpu < CPU_SETSIZE; cpu++)
            ours += (last.counted[cpu] = CPU_ISSET(cpu, &mask) != 0);
        atomic_store(&usable, ours);
    }
    const int64_t ticks = busy_ticks_now();
    const double own = own_cpu_seconds();
    double others = -1;
    if (ticks >= 0 && own >= 0 && last.ns > 0 && now_ns > last.ns) {
        const double seconds = 1e-9 * (double)(now_ns - last.ns);
        const double all = (double)(ticks - last.ticks) / (double)sysconf(_SC_CLK_TCK);
        others = (all - (own - last.own_seconds)) / seconds;
        others = others < 0 ? 0 : others;
    }
    last.ticks = ticks, last.own_seconds = own, last.ns = now_ns;
    return others;
}
#endif

int tn_threads_now(void)
{
    const int requested = tn_get_num_threads();
    if (requested <= 1 || !atomic_load_explicit(&share_cores, memory_order_relaxed))
        return requested;
#if TN_CAN_WATCH
    const int64_t now = monotonic_ns();
    if (now >= atomic_load_explicit(&next_look_ns, memory_order_relaxed) && !atomic_flag_test_and_set(&looking)) {
        const double others = look(now);
        if (others >= 0)
            atomic_store(&busy_elsewhere, others);
        atomic_store(&next_look_ns, now + (int64_t)((others >= 0 ? SAMPLE_SECONDS : FIRST_SECONDS) * 1e9));
        atomic_flag_clear(&looking);
    }
#endif
    return tn_threads_given_load(requested, atomic_load_explicit(&usable, memory_order_relaxed),
                                 atomic_load_explicit(&busy_elsewhere, memory_order_relaxed));
}

double tn_cores_busy_elsewhere(void) { return atomic_load(&busy_elsewhere); }

void tn_set_share_cores(int on) { atomic_store(&share_cores, on != 0); }
int tn_get_share_cores(void) { return atomic_load(&share_cores); }
