// Scalar floating point (Power ISA 3.0B Book I chapter 4): loading this module
// registers the whole family in the decode tables.
//
// Tested against qemu-user 7.2 (tests/cpu/fp-*-oracle.test.ts). Where QEMU departs from
// the ISA this code follows the ISA, and tests/cpu/fp.test.ts checks the ISA behaviour:
// - FR is set when rounding increments the fraction (QEMU never sets it);
// - FX is set only when an exception bit goes from 0 to 1 (QEMU sets it on every
//   exception), including for mtfsb1;
// - fnmadd/fnmsub negate the rounded result (QEMU rounds the negated value, which
//   differs under directed rounding);
// - fcfids/fcfidu/fcfidus set FPRF; fcmpu/fcmpo leave FR/FI alone;
// - fre(+-0) = +-inf (QEMU: +-1/2); inf*0 + SNaN sets VXSNAN as well as VXIMZ.
// Where the ISA leaves a choice, QEMU is followed: the estimates are exact, fctiw of a
// NaN gives 0x0000000080000000, FPRF of a single result classifies the double value,
// VSR doubleword 1 becomes 0 on every FPR write. FPSCR[DRN] and NI are not modelled.
import './fp-arith.js';
import './fp-misc.js';
