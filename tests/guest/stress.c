/*
 * PPCBox SMP stress program for a ppc64le guest (issue 4). Built static with Debian's
 * powerpc64le-linux-gnu-gcc -O2 -pthread by tests/guest/build.ts and put in a test
 * initramfs as /stress.
 *
 *   stress            every check below, one result line each, then STRESS-OK or
 *                     STRESS-FAIL <names>
 *   stress spin N     a CPU-bound loop of N iterations (the smp.scaling benchmark)
 *
 * Checks, all with fixed iteration counts and exact totals:
 *   - shared counters incremented by NTHREADS threads with load-reserve/store-conditional
 *     loops: lwarx/stwcx., ldarx/stdcx. (crossing 2^32), lharx/sthcx. and lbarx/stbcx.
 *     on neighbouring halfwords/bytes of one doubleword (a store-conditional must not
 *     clobber the neighbours another vCPU changed)
 *   - a plain counter incremented under a pthread mutex (futex wake/wait across vCPUs)
 *   - ping-pong between two threads pinned to different CPUs: a flag in shared memory,
 *     then one byte through a pair of pipes
 *   - TLB shoot-down: one thread replaces a page (munmap + mmap MAP_FIXED, new contents)
 *     that a thread on another CPU has just read; the reader must see the new page, not
 *     the old one through a stale translation (the kernel's broadcast tlbie)
 *
 *   stress quad       lqarx/stqcx. counters from NTHREADS threads (not in the default
 *                     run: a 128-bit store-conditional is not atomic across vCPU threads yet)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NTHREADS 4
#define ITERS 20000
#define MUTEX_ITERS 5000
#define PINGPONG 2000
#define PIPE_ROUNDS 500
#define TLB_ROUNDS 300
#define QUAD_ITERS 20000

static char failed[512];
static int nfailed;

static void result(const char *name, unsigned long long got, unsigned long long want)
{
	int ok = got == want;
	printf("STRESS %-16s %s got %llu want %llu\n", name, ok ? "ok  " : "FAIL", got, want);
	fflush(stdout);
	if (!ok) {
		nfailed++;
		if (strlen(failed) + strlen(name) + 2 < sizeof failed) {
			strcat(failed, " ");
			strcat(failed, name);
		}
	}
}

/* ---------------------------------------------------------------- larx/stcx. counters */

static uint32_t counter32 __attribute__((aligned(128)));
static uint64_t counter64 __attribute__((aligned(128)));
/* Four halfword counters in one doubleword, then eight byte counters in another. */
static union {
	uint16_t h[4];
	uint64_t all;
} counters16 __attribute__((aligned(128)));
static union {
	uint8_t b[8];
	uint64_t all;
} counters8 __attribute__((aligned(128)));

static inline void add32(uint32_t *p, uint32_t v)
{
	uint32_t t;
	__asm__ volatile("1: lwarx %0,0,%2\n"
			 "   add %0,%0,%3\n"
			 "   stwcx. %0,0,%2\n"
			 "   bne- 1b\n"
			 : "=&r"(t), "+m"(*p)
			 : "r"(p), "r"(v)
			 : "cr0", "memory");
}

static inline void add64(uint64_t *p, uint64_t v)
{
	uint64_t t;
	__asm__ volatile("1: ldarx %0,0,%2\n"
			 "   add %0,%0,%3\n"
			 "   stdcx. %0,0,%2\n"
			 "   bne- 1b\n"
			 : "=&r"(t), "+m"(*p)
			 : "r"(p), "r"(v)
			 : "cr0", "memory");
}

static inline void add16(uint16_t *p, uint32_t v)
{
	uint32_t t;
	__asm__ volatile("1: lharx %0,0,%2\n"
			 "   add %0,%0,%3\n"
			 "   sthcx. %0,0,%2\n"
			 "   bne- 1b\n"
			 : "=&r"(t), "+m"(*p)
			 : "r"(p), "r"(v)
			 : "cr0", "memory");
}

static inline void add8(uint8_t *p, uint32_t v)
{
	uint32_t t;
	__asm__ volatile("1: lbarx %0,0,%2\n"
			 "   add %0,%0,%3\n"
			 "   stbcx. %0,0,%2\n"
			 "   bne- 1b\n"
			 : "=&r"(t), "+m"(*p)
			 : "r"(p), "r"(v)
			 : "cr0", "memory");
}

static pthread_barrier_t start_line;

static void *larx_worker(void *arg)
{
	long id = (long)arg;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < ITERS; i++) {
		add32(&counter32, 1);
		add64(&counter64, 3);
		/* Thread id owns halfword id and bytes id and id+4; all threads also share h[0]/b[0]. */
		add16(&counters16.h[id & 3], 1);
		add8(&counters8.b[(id & 3) + 4], 1);
		if ((i & 7) == 0) {
			add16(&counters16.h[0], 1);
			add8(&counters8.b[0], 1);
		}
	}
	return NULL;
}

static void check_larx(void)
{
	pthread_t t[NTHREADS];
	counter32 = 0;
	counter64 = 0xfffff000ull; /* the total crosses 2^32: the upper word must carry */
	memset(&counters16, 0, sizeof counters16);
	memset(&counters8, 0, sizeof counters8);
	pthread_barrier_init(&start_line, NULL, NTHREADS);
	for (long i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, larx_worker, (void *)i);
	for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_line);
	result("lwarx-stwcx", counter32, (unsigned long long)NTHREADS * ITERS);
	result("ldarx-stdcx", counter64, 0xfffff000ull + 3ull * NTHREADS * ITERS);
	/* Halfwords: h[0] gets thread 0's ITERS plus every thread's ITERS/8. */
	unsigned long long shared = (unsigned long long)NTHREADS * ((ITERS + 7) / 8);
	uint64_t want16 = 0, want8 = 0;
	for (int k = 0; k < 4; k++) {
		uint64_t h = ((uint64_t)ITERS + (k == 0 ? shared : 0)) & 0xffff;
		want16 |= h << (16 * k);
	}
	want8 |= (uint64_t)(shared & 0xff);
	for (int k = 0; k < 4; k++) want8 |= (uint64_t)(ITERS & 0xff) << (8 * (k + 4));
	result("lharx-sthcx", counters16.all, want16);
	result("lbarx-stbcx", counters8.all, want8);
}

/* ---------------------------------------------------------------- pthread mutex */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static volatile unsigned long long guarded;
static volatile unsigned long long guarded_shadow;

static void *mutex_worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < MUTEX_ITERS; i++) {
		pthread_mutex_lock(&lock);
		/* A read-modify-write spread out, so a broken lock loses updates. */
		unsigned long long v = guarded;
		guarded_shadow = v;
		guarded = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return NULL;
}

static void check_mutex(void)
{
	pthread_t t[NTHREADS];
	guarded = 0;
	pthread_barrier_init(&start_line, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, mutex_worker, NULL);
	for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_line);
	result("pthread-mutex", guarded, (unsigned long long)NTHREADS * MUTEX_ITERS);
}

/* ---------------------------------------------------------------- ping-pong */

static int ncpus;

static int pin(int cpu)
{
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	if (sched_setaffinity(0, sizeof s, &s) != 0) return -1;
	return sched_getcpu();
}

static volatile uint32_t flag __attribute__((aligned(128)));
/* Payload written before each hand-over: the reader must see it (release/acquire). */
static volatile uint64_t payload __attribute__((aligned(128)));
static int pp_bad;
static int pp_cpu[2];

struct pp_arg {
	int side;
	int cpu;
};

static void *flag_player(void *p)
{
	struct pp_arg *a = p;
	pp_cpu[a->side] = pin(a->cpu);
	pthread_barrier_wait(&start_line);
	for (uint32_t n = a->side; n < 2 * PINGPONG; n += 2) {
		while (__atomic_load_n(&flag, __ATOMIC_ACQUIRE) != n) {
		}
		if (n > 0 && payload != (uint64_t)(n - 1) * 0x9e3779b97f4a7c15ull) pp_bad++;
		payload = (uint64_t)n * 0x9e3779b97f4a7c15ull;
		__atomic_store_n(&flag, n + 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

static int ping[2], pong[2];

static void *pipe_player(void *p)
{
	struct pp_arg *a = p;
	pp_cpu[a->side] = pin(a->cpu);
	pthread_barrier_wait(&start_line);
	unsigned char b = 0;
	for (int i = 0; i < PIPE_ROUNDS; i++) {
		if (a->side == 0) {
			unsigned char want = (unsigned char)i;
			if (write(ping[1], &want, 1) != 1) pp_bad++;
			if (read(pong[0], &b, 1) != 1 || b != (unsigned char)(want ^ 0xa5)) pp_bad++;
		} else {
			if (read(ping[0], &b, 1) != 1 || b != (unsigned char)i) pp_bad++;
			b ^= 0xa5;
			if (write(pong[1], &b, 1) != 1) pp_bad++;
		}
	}
	return NULL;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void ping_pong(const char *name, void *(*fn0)(void *), void *(*fn1)(void *), unsigned long long rounds)
{
	pthread_t t[2];
	struct pp_arg a[2] = { { 0, 0 }, { 1, ncpus > 1 ? 1 : 0 } };
	pp_bad = 0;
	pp_cpu[0] = pp_cpu[1] = -1;
	pthread_barrier_init(&start_line, NULL, 2);
	double t0 = now();
	pthread_create(&t[0], NULL, fn0, &a[0]);
	pthread_create(&t[1], NULL, fn1, &a[1]);
	for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
	double dt = now() - t0;
	pthread_barrier_destroy(&start_line);
	printf("STRESS %-16s cpus %d,%d  %llu rounds in %.3f s\n", name, pp_cpu[0], pp_cpu[1], rounds, dt);
	/* Pinned to two different CPUs when there are two. */
	int placed = ncpus < 2 || (pp_cpu[0] == 0 && pp_cpu[1] == 1);
	result(name, (unsigned long long)pp_bad + (placed ? 0 : 1000000), 0);
}

static void check_ping_pong(void)
{
	flag = 0;
	payload = 0;
	ping_pong("pingpong-flag", flag_player, flag_player, PINGPONG);
	result("pingpong-final", flag, 2 * PINGPONG);
	if (pipe(ping) != 0 || pipe(pong) != 0) {
		result("pipe", errno, 0);
		return;
	}
	ping_pong("pingpong-pipe", pipe_player, pipe_player, PIPE_ROUNDS);
	close(ping[0]);
	close(ping[1]);
	close(pong[0]);
	close(pong[1]);
}

/* ---------------------------------------------------------------- TLB shoot-down */

static volatile uint32_t tlb_flag __attribute__((aligned(128)));
static volatile uint32_t tlb_ack __attribute__((aligned(128)));
static volatile uint32_t *tlb_page;
#define TLB_PAGE_BYTES 65536

static void *tlb_writer(void *p)
{
	struct pp_arg *a = p;
	pp_cpu[a->side] = pin(a->cpu);
	pthread_barrier_wait(&start_line);
	for (uint32_t i = 1; i <= TLB_ROUNDS; i++) {
		while (__atomic_load_n(&tlb_ack, __ATOMIC_ACQUIRE) != i - 1) {
		}
		/* A new zero page at the same address: the reader's translation must go. */
		if (munmap((void *)tlb_page, TLB_PAGE_BYTES) != 0) pp_bad++;
		void *q = mmap((void *)tlb_page, TLB_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		if (q != (void *)tlb_page) {
			pp_bad++;
			return NULL;
		}
		tlb_page[0] = i;
		__atomic_store_n(&tlb_flag, i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void *tlb_reader(void *p)
{
	struct pp_arg *a = p;
	pp_cpu[a->side] = pin(a->cpu);
	pthread_barrier_wait(&start_line);
	for (uint32_t i = 1; i <= TLB_ROUNDS; i++) {
		while (__atomic_load_n(&tlb_flag, __ATOMIC_ACQUIRE) != i) {
		}
		/* Read twice: the page (and its translation) stays in use until the ack. */
		if (tlb_page[0] != i || tlb_page[1] != 0) pp_bad++;
		__atomic_store_n(&tlb_ack, i, __ATOMIC_RELEASE);
	}
	return NULL;
}

static void check_tlb(void)
{
	void *q = mmap(NULL, TLB_PAGE_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q == MAP_FAILED) {
		result("tlb-shootdown", errno, 0);
		return;
	}
	tlb_page = q;
	tlb_flag = 0;
	tlb_ack = 0;
	ping_pong("tlb-shootdown", tlb_writer, tlb_reader, TLB_ROUNDS);
	munmap(q, TLB_PAGE_BYTES);
}

/* ---------------------------------------------------------------- lqarx/stqcx. */

static unsigned __int128 counter128 __attribute__((aligned(128)));

static inline void add128(unsigned __int128 *p)
{
	/* lqarx/stqcx. take an even/odd register pair: pin it to r10/r11. */
	register uint64_t even __asm__("r10");
	register uint64_t odd __asm__("r11");
	__asm__ volatile("1: lqarx %0,0,%3\n"
			 "   addi %0,%0,1\n"
			 "   addi %1,%1,2\n"
			 "   stqcx. %0,0,%3\n"
			 "   bne- 1b\n"
			 : "=&r"(even), "=&r"(odd), "+m"(*p)
			 : "r"(p)
			 : "cr0", "memory");
}

static void *quad_worker(void *arg)
{
	(void)arg;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < QUAD_ITERS; i++) add128(&counter128);
	return NULL;
}

static void check_quad(void)
{
	pthread_t t[NTHREADS];
	counter128 = 0;
	pthread_barrier_init(&start_line, NULL, NTHREADS);
	for (int i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, quad_worker, NULL);
	for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
	pthread_barrier_destroy(&start_line);
	/* One doubleword counts by 1, the other by 2, whichever register holds which. */
	uint64_t a = (uint64_t)counter128, b = (uint64_t)(counter128 >> 64);
	uint64_t ones = a < b ? a : b, twos = a < b ? b : a;
	result("lqarx-stqcx-1", ones, (unsigned long long)NTHREADS * QUAD_ITERS);
	result("lqarx-stqcx-2", twos, 2ull * NTHREADS * QUAD_ITERS);
}

/* ---------------------------------------------------------------- spin */

static int spin(unsigned long long n)
{
	double t0 = now();
	uint64_t x = 1;
	/* A dependent chain the compiler cannot fold: an LCG and a rotate. */
	for (unsigned long long i = 0; i < n; i++) {
		x = x * 6364136223846793005ull + 1442695040888963407ull;
		x ^= x >> 29;
	}
	printf("SPIN-DONE %llu %.3f s %016llx cpu %d\n", n, now() - t0, (unsigned long long)x, sched_getcpu());
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && strcmp(argv[1], "spin") == 0) return spin(strtoull(argv[2], NULL, 0));
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (argc == 2 && strcmp(argv[1], "quad") == 0) {
		check_quad();
		printf(nfailed == 0 ? "STRESS-OK\n" : "STRESS-FAIL%s\n", failed);
		return nfailed == 0 ? 0 : 1;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: stress | stress spin N | stress quad\n");
		return 2;
	}
	printf("STRESS start: %d cpus online, %d threads\n", ncpus, NTHREADS);
	check_larx();
	check_mutex();
	check_ping_pong();
	check_tlb();
	if (nfailed == 0) printf("STRESS-OK\n");
	else printf("STRESS-FAIL%s\n", failed);
	return nfailed == 0 ? 0 : 1;
}
