/*
 * The `cpu` benchmark's guest kernel: a Dhrystone-like mix of integer arithmetic,
 * table lookups, loads/stores of every size and branches, freestanding (no libc, no
 * globals, no TOC). Built at bench time by scripts/bench/cpu.ts:
 *   powerpc64le-linux-gnu-gcc -O2 -ffreestanding -nostdlib -mcpu=power9 ... + objcopy -O binary
 * The host places `struct bench_args` in guest memory, points r3 at it and calls _start;
 * the kernel ends with `sc 1` (a hypercall the bench runner catches). The result is
 * checked against the same computation in TypeScript (scripts/bench/cpu.ts).
 */
typedef unsigned char u8;
typedef unsigned int u32;
typedef unsigned long u64;

struct bench_args {
	u32 *table;      /* 256 entries, filled here */
	u8 *src;         /* len bytes, filled by the host */
	u8 *dst;         /* len bytes */
	u64 len;         /* multiple of 8 */
	u64 rounds;
	u64 out_crc;     /* results, read back by the host */
	u64 out_diff;
	u64 out_sum;
};

#ifndef BENCH_HOSTED /* cpu-kernel-host.c links this under qemu-user with libc's _start */
__asm__(
	"	.section .text.entry,\"ax\",@progbits\n"
	"	.globl _start\n"
	"_start:\n"
	"	bl bench_main\n"
	"	nop\n"
	"	sc 1\n"          /* stop: the runner's hypercall hook ends the run */
	"	b _start\n"
	"	.text\n");
#endif

u64 bench_main(struct bench_args *a);

static void crc32_table(u32 *t)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0xedb88320u : c >> 1;
		t[i] = c;
	}
}

static u32 crc32(const u32 *t, const u8 *p, u64 n)
{
	u32 c = 0xffffffffu;
	for (u64 i = 0; i < n; i++)
		c = t[(c ^ p[i]) & 0xff] ^ (c >> 8);
	return ~c;
}

/* Doubleword copy, then a halfword pass so 16-bit loads/stores are exercised too. */
static void copy(u8 *d, const u8 *s, u64 n)
{
	u64 *dd = (u64 *)d;
	const u64 *ss = (const u64 *)s;
	for (u64 i = 0; i < n / 8; i++)
		dd[i] = ss[i];
	unsigned short *dh = (unsigned short *)d;
	for (u64 i = 0; i < n / 2; i += 97)
		dh[i] = (unsigned short)(dh[i] + 1);
}

/* Bytes that differ, and a position-weighted sum of the words of d. */
static u64 compare(const u8 *a, const u8 *b, u64 n, u64 *sum)
{
	u64 diff = 0, s = 0;
	const u32 *w = (const u32 *)b;
	for (u64 i = 0; i < n; i++)
		if (a[i] != b[i])
			diff++;
	for (u64 i = 0; i < n / 4; i++)
		s = s * 31 + (w[i] ^ (u32)i);
	*sum += s;
	return diff;
}

u64 bench_main(struct bench_args *a)
{
	u32 *t = a->table;
	u8 *src = a->src, *dst = a->dst;
	u64 n = a->len, acc = 0, diff = 0, sum = 0;
	crc32_table(t);
	for (u64 r = 0; r < a->rounds; r++) {
		u32 c = crc32(t, src, n);
		acc = (acc << 5) + acc + c;
		copy(dst, src, n);
		dst[r % n] ^= (u8)(c | 1);
		diff += compare(src, dst, n, &sum);
		src[(r * 7) % n] += (u8)r;
	}
	a->out_crc = acc;
	a->out_diff = diff;
	a->out_sum = sum;
	return acc;
}
