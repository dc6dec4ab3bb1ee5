/*
 * The cpu benchmark kernel as a Linux program, for qemu-ppc64le: an independent check
 * of the TypeScript reference that `npm run bench -- cpu` verifies its runs against
 * (tests/scripts/bench-cpu.test.ts). Build: gcc -O2 -static -DBENCH_HOSTED this + cpu-kernel.c.
 * Usage: cpu-kernel-host <len> <rounds>; prints "crc diff sum" in hex.
 */
#include <stdio.h>
#include <stdlib.h>

typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long u64;

struct bench_args {
	u32 *table;
	u8 *src;
	u8 *dst;
	u64 len;
	u64 rounds;
	u64 out_crc;
	u64 out_diff;
	u64 out_sum;
};

u64 bench_main(struct bench_args *a);

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	u64 len = strtoul(argv[1], 0, 0), rounds = strtoul(argv[2], 0, 0);
	struct bench_args a = { malloc(1024), malloc(len), calloc(len, 1), len, rounds, 0, 0, 0 };
	/* xorshift32, as inputBytes() in scripts/bench/cpu.ts */
	u32 x = 0x2545f491;
	for (u64 i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		a.src[i] = x & 0xff;
	}
	u64 r = bench_main(&a);
	printf("%lx %lx %lx %lx\n", a.out_crc, a.out_diff, a.out_sum, r);
	return 0;
}
