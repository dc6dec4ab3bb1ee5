// Loading this module registers every instruction family in the decode tables.
import './branch.js';
import './system.js';
import './integer.js';
import './loadstore.js';
import './atomic.js';
import './fp.js';
import './vector.js';
import './mmu-ops.js';
