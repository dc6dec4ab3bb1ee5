// VMX (Altivec) and VSX for a POWER9 (ISA 3.0) CPU. Register element access is in
// ../vreg.ts; each module registers its instructions in the decode tables on import.
import './vmx-mem.js'; // VMX and VSX loads and stores, lvsl/lvsr, data-stream hints
import './vmx-perm.js'; // logical, select, permutes, splats, merges, whole-register shifts
import './vmx-int.js'; // integer add/sub/shift/rotate/min/max/avg, compares, counts
import './vmx-misc.js'; // multiply, sums, pack/unpack, bit gather, extract/insert, xxbr, VSCR
import './vmx-quad.js'; // quadword carries, vpmsum, rotate-and-mask, vmsumudm
import './vmx-fp.js'; // Altivec single-precision floating point
import './vmx-crypto.js'; // AES rounds, SHA-2 sigma functions
import './vsx-move.js'; // GPR <-> VSR moves, sign operations, non-signalling SP/DP conversions
import './vsx-fp.js'; // xscvdpsp, xscvspdp
import './vsx-scalar.js'; // scalar DP/SP arithmetic, FMA, compares, integer conversions
import './vsx-vfp.js'; // vector DP/SP arithmetic, FMA, compares, max/min, conversions
import './vsx-misc.js'; // ISA 3.0 exponent/class/compare-mask/max-min, quad sign operations
import './vsx-quad.js'; // quad-precision arithmetic, compares and conversions (BigInt)
