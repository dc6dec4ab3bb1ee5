// The fixed-point (integer) instruction families of the POWER9 CPU. Each module
// registers its handlers in the decode tables when loaded.
import './int-arith.js';
import './int-logical.js';
import './int-rotate.js';
import './int-compare.js';
