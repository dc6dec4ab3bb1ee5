// The one shared WebAssembly.Memory of a VM: machine block, vCPU state blocks and
// guest RAM (see cpu/layout.ts). Every thread of the VM process wraps the same
// buffer in its own GuestMemory.
import { MAGIC_VALUE, M_MAGIC, M_NVCPUS, M_RAM_SIZE, M_VERSION, M_TB_EPOCH, LAYOUT_VERSION, RAM_OFFSET, MAX_VCPUS } from '../cpu/layout.js';

const WASM_PAGE = 65536;
/** wasm32 memories stop at 4 GiB; RAM is what is left after the state region. */
export const MAX_RAM_BYTES = 4 * 1024 * 1024 * 1024 - RAM_OFFSET - WASM_PAGE;

export class GuestMemory {
  readonly memory: WebAssembly.Memory;
  readonly buffer: SharedArrayBuffer;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly dv: DataView;
  readonly ramSize: number;

  private constructor(memory: WebAssembly.Memory, ramSize: number) {
    this.memory = memory;
    this.buffer = memory.buffer as unknown as SharedArrayBuffer;
    this.u8 = new Uint8Array(this.buffer);
    this.u32 = new Uint32Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.f64 = new Float64Array(this.buffer);
    this.dv = new DataView(this.buffer);
    this.ramSize = ramSize;
  }

  /** Allocate a fresh memory with `ramSize` bytes of guest RAM (multiple of 64 KiB). */
  static create(ramSize: number, nvcpus = 1): GuestMemory {
    if (!Number.isInteger(ramSize) || ramSize <= 0 || ramSize % WASM_PAGE !== 0) {
      throw new RangeError(`guest RAM size ${ramSize} must be a positive multiple of 64 KiB`);
    }
    if (ramSize > MAX_RAM_BYTES) {
      throw new RangeError(`guest RAM size ${ramSize} exceeds the ${MAX_RAM_BYTES}-byte limit of one wasm32 memory`);
    }
    if (!Number.isInteger(nvcpus) || nvcpus < 1 || nvcpus > MAX_VCPUS) {
      throw new RangeError(`vCPU count ${nvcpus} must be 1..${MAX_VCPUS}`);
    }
    const pages = (RAM_OFFSET + ramSize) / WASM_PAGE;
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const gm = new GuestMemory(memory, ramSize);
    gm.u32[M_MAGIC >> 2] = MAGIC_VALUE;
    gm.u32[M_VERSION >> 2] = LAYOUT_VERSION;
    gm.u32[M_NVCPUS >> 2] = nvcpus;
    gm.dv.setFloat64(M_RAM_SIZE, ramSize, true);
    gm.dv.setFloat64(M_TB_EPOCH, performance.timeOrigin + performance.now(), true);
    return gm;
  }

  /** Wrap a memory created by another thread (e.g. passed to a vCPU worker). */
  static attach(memory: WebAssembly.Memory): GuestMemory {
    const probe = new DataView(memory.buffer);
    if (probe.getUint32(M_MAGIC, true) !== MAGIC_VALUE || probe.getUint32(M_VERSION, true) !== LAYOUT_VERSION) {
      throw new Error('shared memory does not carry a PPCBox state layout of this version');
    }
    return new GuestMemory(memory, probe.getFloat64(M_RAM_SIZE, true));
  }

  get nvcpus(): number {
    return this.u32[M_NVCPUS >> 2];
  }

  /** Copy host bytes into guest physical memory. */
  writePhys(pa: number, data: Uint8Array): void {
    if (pa < 0 || pa + data.length > this.ramSize) {
      throw new RangeError(`guest physical range 0x${pa.toString(16)}+0x${data.length.toString(16)} is outside RAM`);
    }
    this.u8.set(data, RAM_OFFSET + pa);
  }

  readPhys(pa: number, len: number): Uint8Array {
    if (pa < 0 || pa + len > this.ramSize) {
      throw new RangeError(`guest physical range 0x${pa.toString(16)}+0x${len.toString(16)} is outside RAM`);
    }
    return this.u8.slice(RAM_OFFSET + pa, RAM_OFFSET + pa + len);
  }
}
