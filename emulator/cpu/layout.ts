// The flat architectural-state layout shared by every thread of a VM process.
//
// One shared WebAssembly.Memory holds, in this order:
//   [0x000000, 0x001000)  machine block (header, timebase record, BQL word)
//   [0x010000, 0x030000)  up to MAX_VCPUS vCPU state blocks of VCPU_BLOCK bytes
//   [0x030000, 0x100000)  device state shared by all threads (DEVICE_BASE..DEVICE_END)
//   [RAM_OFFSET, ...)     guest RAM: guest physical address p lives at RAM_OFFSET + p
//
// All multi-byte fields are host (little-endian) order. 64-bit registers are two
// 32-bit words, low word first, so a wasm i64 / BigUint64Array view at the same byte
// offset sees the whole value. Offsets below are BYTE offsets inside a vCPU block;
// the interpreter indexes Uint32Array views with (blockByteOffset + OFF) >> 2.

export const LAYOUT_VERSION = 1;
export const MAX_VCPUS = 8;

// ---- machine block ----
export const M_MAGIC = 0x000; // u32 'PPCB'
export const M_VERSION = 0x004; // u32 LAYOUT_VERSION
export const M_NVCPUS = 0x008; // u32
export const M_RAM_SIZE = 0x010; // u64 (bytes)
export const M_BQL = 0x040; // i32 lock word (0 free, else owner id + 1), its own cache line
export const M_BQL_WAITERS = 0x044; // i32 number of threads sleeping on the lock
export const M_TB_OFFSET = 0x080; // f64: guest TB = host_ticks + offset (see timebase.ts)
export const M_TB_FROZEN = 0x088; // u32: 1 while the machine is paused (TB stopped)
export const M_TB_FROZEN_VALUE = 0x090; // f64 TB value while frozen
export const M_TB_EPOCH = 0x098; // f64 host milliseconds (timeOrigin + now) that host tick 0 stands for
export const M_THREADED = 0x0a8; // u32: 1 when vCPUs run on their own threads (cross-vCPU requests wait for acks)
export const M_RADIX = 0x0ac; // u32: 1 once CAS negotiated the radix MMU
export const M_RTC_OFFSET = 0x0b0; // f64: seconds the guest's RTC is ahead of the host clock (RTAS set-time-of-day)
export const M_DOORBELL = 0x0c0; // i32: bumped (with notify) by vCPU threads that need the I/O thread
export const M_QUAD_LOCK = 0x0c4; // i32: held around quadword (lqarx/stqcx.) accesses with parallel vCPUs
export const M_PATB = 0x0a0; // u64: the partition's process table, PATE dword 1 (GR | PRTB | PRTS); 0 = none (cpu/mmu)
export const MAGIC_VALUE = 0x42435050; // 'PPCB' little-endian

/** Shared device state (interrupt controllers, console rings, ...): see memory/shared-regions.ts. */
export const DEVICE_BASE = 0x30000;
export const DEVICE_END = 0x100000;

export const VCPU_BASE = 0x10000;
export const VCPU_BLOCK = 0x4000;
export const RAM_OFFSET = 0x100000;

export function vcpuBlockOffset(index: number): number {
  return VCPU_BASE + index * VCPU_BLOCK;
}

// ---- vCPU block (byte offsets) ----
export const GPR = 0x000; // 32 x u64: GPR[n] low word at GPR + 8n, high word at +4
export const CR = 0x100; // u32, CR0 in the most significant nibble (ISA bit 32 = bit 31 here)
export const XER_SO = 0x104; // u32 0/1
export const XER_OV = 0x108; // u32 0/1
export const XER_CA = 0x10c; // u32 0/1
export const XER_OV32 = 0x110; // u32 0/1
export const XER_CA32 = 0x114; // u32 0/1
export const XER_BC = 0x118; // u32: XER bits 57:63 (string byte count); other XER bits read as 0
export const FPSCR = 0x11c; // u32: FPSCR bits 32:63 (ISA numbering); DRN (29:31) not modelled
export const VSCR = 0x120; // u32: NJ (bit 16 of the word) and SAT (bit 0)
export const NIA = 0x128; // u64: next instruction address (written back at every exit of run())
export const MSR = 0x130; // u64
export const RESV_ADDR = 0x138; // u64 reservation real address
export const RESV_LEN = 0x140; // u32 reservation length in bytes, 0 = no reservation
export const RESV_VAL = 0x148; // 16 bytes: the larx operand as its bytes lay in memory (compare-and-swap at stcx.; insn/atomic.ts)
export const IRQ_PENDING = 0x160; // u32 bit mask of asynchronous interrupt sources (IRQ_* below), set with Atomics
export const RUN_STATE = 0x164; // u32 RUN_* below
export const EXIT_REQ = 0x168; // u32 nonzero: leave run() at the next instruction boundary (Atomics)
export const DEC_EXPIRY = 0x170; // f64: TB value at which DEC = 0 (DEC = DEC_EXPIRY - TB)
export const HDEC_EXPIRY = 0x178; // f64: likewise for HDEC
export const INSN_COUNT = 0x180; // f64: instructions retired (for MIPS readouts)
export const PROD = 0x188; // u32: H_PROD arrived while not ceded (consumed by the next H_CEDE)
export const HOST_REQ = 0x18c; // i32: HOST_REQ_* — a hypercall handed to the I/O thread
export const PARKED = 0x190; // i32: 1 while the vCPU thread is parked by pause()
export const VPA_ADDR = 0x198; // f64: registered Virtual Processor Area (0 = none)
export const DTL_ADDR = 0x1a0; // f64: dispatch trace log
export const DTL_SIZE = 0x1a8; // f64
export const SLB_SHADOW_ADDR = 0x1b0; // f64
export const SLB_SHADOW_SIZE = 0x1b8; // f64
export const MMIO_PA = 0x1c0; // f64: real address of an access handed to the I/O thread
export const MMIO_SIZE = 0x1c8; // u32: 1, 2 or 4
export const MMIO_VALUE = 0x1cc; // u32: value written / read (little-endian byte order)
export const HOST_REQ_IDLE = 0;
export const HOST_REQ_PENDING = 1; // a hypercall (r3..) for the I/O thread
export const HOST_REQ_DONE = 2;
export const HOST_REQ_MMIO_READ = 3; // an MMIO load (MMIO_PA, MMIO_SIZE) for the I/O thread
export const HOST_REQ_MMIO_WRITE = 4; // an MMIO store (MMIO_PA, MMIO_SIZE, MMIO_VALUE)
export const VSR = 0x400; // 64 x 16 bytes; VSR[n] dword 0 (the FPR) at VSR + 16n (as an f64), dword 1 at +8
export const SPR = 0x2000; // 1024 x u64: SPR[n] at SPR + 8n (LR = SPR 8, CTR = SPR 9 live here)

// Asynchronous interrupt sources (IRQ_PENDING bits)
export const IRQ_EXTERNAL = 1 << 0; // external interrupt line from XICS/XIVE
export const IRQ_DEC = 1 << 1; // decrementer (normally computed from DEC_EXPIRY; set to force a check)
export const IRQ_HMI = 1 << 2;
export const IRQ_RESET = 1 << 3; // system reset (NMI)
export const IRQ_MCE = 1 << 4;
export const IRQ_FLUSH_TLB = 1 << 5; // another vCPU's broadcast tlbie: drop cached translations
export const IRQ_FLUSH_CODE = 1 << 6; // another vCPU's icbi: drop cached instructions

// RUN_STATE values
export const RUN_STOPPED = 0; // not started / stopped by RTAS stop-self
export const RUN_RUNNING = 1;
export const RUN_CEDED = 2; // parked in H_CEDE
export const RUN_PAUSED = 3;

// SPR numbers (Power ISA 3.0B)
export const SPR_XER = 1;
export const SPR_DSCR_U = 3;
export const SPR_LR = 8;
export const SPR_CTR = 9;
export const SPR_AMR_U = 13;
export const SPR_DSCR = 17;
export const SPR_DSISR = 18;
export const SPR_DAR = 19;
export const SPR_DEC = 22;
export const SPR_SDR1 = 25;
export const SPR_SRR0 = 26;
export const SPR_SRR1 = 27;
export const SPR_CFAR = 28;
export const SPR_AMR = 29;
export const SPR_PIDR = 48;
export const SPR_IAMR = 61;
export const SPR_CTRL_R = 136;
export const SPR_CTRL_W = 152;
export const SPR_FSCR = 153;
export const SPR_UAMOR = 157;
export const SPR_PSPB = 159;
export const SPR_DPDES = 176;
export const SPR_VRSAVE = 256;
export const SPR_SPRG3_U = 259;
export const SPR_TB_U = 268;
export const SPR_TBU_U = 269;
export const SPR_SPRG0 = 272;
export const SPR_SPRG1 = 273;
export const SPR_SPRG2 = 274;
export const SPR_SPRG3 = 275;
export const SPR_TBL_W = 284;
export const SPR_TBU_W = 285;
export const SPR_TBU40 = 286;
export const SPR_PVR = 287;
export const SPR_HSPRG0 = 304;
export const SPR_HSPRG1 = 305;
export const SPR_HDSISR = 306;
export const SPR_HDAR = 307;
export const SPR_SPURR = 308;
export const SPR_PURR = 309;
export const SPR_HDEC = 310;
export const SPR_RMOR = 312;
export const SPR_HRMOR = 313;
export const SPR_HSRR0 = 314;
export const SPR_HSRR1 = 315;
export const SPR_LPCR = 318;
export const SPR_LPIDR = 319;
export const SPR_HEIR = 339;
export const SPR_PTCR = 464;
export const SPR_ASDR = 560;
export const SPR_PPR = 896;
export const SPR_PPR32 = 898;
export const SPR_TAR = 815;
export const SPR_TIR = 446;
export const SPR_PIR = 1023;

// LPCR bits (low word; ISA bit b -> 1 << (63 - b)), as the hypervisor sets them.
export const LPCR_ILE = 1 << (63 - 38);
export const LPCR_AIL_SHIFT = 63 - 40; // 2-bit field, bits 39:40
export const LPCR_UPRT = 1 << (63 - 41);
export const LPCR_HR = 1 << (63 - 43);
export const LPCR_LD = 1 << (63 - 46);
export const LPCR_GTSE = 1 << (63 - 53);

// MSR bits as (word, mask): ISA bit b (0 = most significant) of the 64-bit MSR is in the
// high word when b < 32 (mask 1 << (31 - b)) and in the low word otherwise (1 << (63 - b)).
export const MSR_HI_SF = 1 << 31; // bit 0: 64-bit mode
export const MSR_HI_HV = 1 << 28; // bit 3: hypervisor state
export const MSR_HI_TS = 3 << 1; // bits 29:30 transaction state (never set here)
export const MSR_VEC = 1 << 25; // bit 38
export const MSR_VSX = 1 << 23; // bit 40
export const MSR_S = 1 << 22; // bit 41
export const MSR_EE = 1 << 15; // bit 48
export const MSR_PR = 1 << 14; // bit 49
export const MSR_FP = 1 << 13; // bit 50
export const MSR_ME = 1 << 12; // bit 51
export const MSR_FE0 = 1 << 11; // bit 52
export const MSR_SE = 1 << 10; // bit 53
export const MSR_BE = 1 << 9; // bit 54
export const MSR_FE1 = 1 << 8; // bit 55
export const MSR_IR = 1 << 5; // bit 58
export const MSR_DR = 1 << 4; // bit 59
export const MSR_PMM = 1 << 2; // bit 61
export const MSR_RI = 1 << 1; // bit 62
export const MSR_LE = 1 << 0; // bit 63
