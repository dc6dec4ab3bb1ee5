// VMX (Altivec) and VSX: the subset Linux, glibc and busybox use on POWER9. Register
// element access is in ../vreg.ts; each module registers its instructions on import.
import './vmx-mem.js';
import './vmx-perm.js';
import './vmx-int.js';
import './vmx-misc.js';
import './vsx-move.js';
import './vmx-quad.js';
import './vsx-fp.js';
import './vsx-scalar.js';
import './vsx-vfp.js';
import './vmx-fp.js';
import './vsx-misc.js';
