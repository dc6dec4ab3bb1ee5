// Scalar floating point (Power ISA 3.0B Book I chapter 4): loading this module
// registers the whole family in the decode tables.
import './fp-arith.js';
import './fp-misc.js';
