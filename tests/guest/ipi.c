/*
 * PPCBox IPI ping-pong for a ppc64le guest (issue 7, `npm run bench -- irq`). Built static
 * with Debian's powerpc64le-linux-gnu-gcc by tests/guest/build.ts and put in a test
 * initramfs as /ipi.
 *
 *   ipi [ROUNDS [WARMUP]]   two threads pinned to CPUs 0 and 1 hand a counter back and
 *                           forth through one shared word; each side sleeps in
 *                           FUTEX_WAIT until the other stores the next value and calls
 *                           FUTEX_WAKE. Waking a thread asleep on another (idle) CPU makes
 *                           the kernel send that CPU an IPI, so one round trip is two
 *                           IPIs plus two futex system calls and two context switches.
 *
 * Prints one line (times from CLOCK_MONOTONIC, i.e. the guest timebase):
 *   IPI-ROUNDTRIP median_us M p10_us A p90_us B min_us C rounds N cpus X,Y
 * or IPI-FAIL <reason>. Exit status 0 on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MAX_ROUNDS 1000000

/* The shared word: 2k+1 after the pinger's k-th store, 2k+2 after the ponger's answer. */
static uint32_t word __attribute__((aligned(128)));
static pthread_barrier_t start_line;
static double *rtt;
static long rounds, warmup;
static int cpu_of[2];

static void futex_wait(uint32_t *p, uint32_t seen)
{
	/* Returns at once (EAGAIN) if *p is no longer `seen`; the caller re-checks anyway. */
	syscall(SYS_futex, p, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

static void futex_wake(uint32_t *p)
{
	syscall(SYS_futex, p, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Sleep until *p == want (no spinning: the wake must come from the other CPU). */
static void await_value(uint32_t *p, uint32_t want)
{
	for (;;) {
		uint32_t v = __atomic_load_n(p, __ATOMIC_ACQUIRE);
		if (v == want) return;
		futex_wait(p, v);
	}
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec * 1e-3;
}

static int pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof s, &s) != 0) return -1;
	return sched_getcpu();
}

static void *pinger(void *arg)
{
	(void)arg;
	cpu_of[0] = pin(0);
	pthread_barrier_wait(&start_line);
	for (long i = 0; i < warmup + rounds; i++) {
		uint32_t k = (uint32_t)(2 * i);
		double t0 = now_us();
		__atomic_store_n(&word, k + 1, __ATOMIC_RELEASE);
		futex_wake(&word);
		await_value(&word, k + 2);
		double dt = now_us() - t0;
		if (i >= warmup) rtt[i - warmup] = dt;
	}
	return NULL;
}

static void *ponger(void *arg)
{
	(void)arg;
	cpu_of[1] = pin(1);
	pthread_barrier_wait(&start_line);
	for (long i = 0; i < warmup + rounds; i++) {
		uint32_t k = (uint32_t)(2 * i);
		await_value(&word, k + 1);
		__atomic_store_n(&word, k + 2, __ATOMIC_RELEASE);
		futex_wake(&word);
	}
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double quantile(const double *sorted, long n, double q)
{
	double pos = q * (double)(n - 1);
	long lo = (long)pos;
	if (lo + 1 >= n) return sorted[n - 1];
	return sorted[lo] + (pos - (double)lo) * (sorted[lo + 1] - sorted[lo]);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	rounds = argc > 1 ? strtol(argv[1], NULL, 0) : 2000;
	warmup = argc > 2 ? strtol(argv[2], NULL, 0) : 100;
	if (argc > 3 || rounds < 1 || rounds > MAX_ROUNDS || warmup < 0 || warmup > MAX_ROUNDS) {
		fprintf(stderr, "usage: ipi [ROUNDS (1..%d) [WARMUP]]\n", MAX_ROUNDS);
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("IPI-FAIL needs 2 CPUs online, have %ld\n", sysconf(_SC_NPROCESSORS_ONLN));
		return 1;
	}
	rtt = calloc((size_t)rounds, sizeof *rtt);
	if (rtt == NULL) {
		printf("IPI-FAIL out of memory\n");
		return 1;
	}
	pthread_t t[2];
	pthread_barrier_init(&start_line, NULL, 2);
	pthread_create(&t[0], NULL, pinger, NULL);
	pthread_create(&t[1], NULL, ponger, NULL);
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	if (cpu_of[0] != 0 || cpu_of[1] != 1) {
		printf("IPI-FAIL threads on cpus %d,%d, not 0,1\n", cpu_of[0], cpu_of[1]);
		return 1;
	}
	qsort(rtt, (size_t)rounds, sizeof *rtt, cmp_double);
	printf("IPI-ROUNDTRIP median_us %.2f p10_us %.2f p90_us %.2f min_us %.2f rounds %ld cpus %d,%d\n",
	       quantile(rtt, rounds, 0.5), quantile(rtt, rounds, 0.1), quantile(rtt, rounds, 0.9), rtt[0], rounds,
	       cpu_of[0], cpu_of[1]);
	return 0;
}
