// Flattened device tree (DTB): an in-memory node tree, a serializer to the
// version-17 big-endian blob format and a reader that parses a blob back into
// the same tree. The tree operations mirror what an Open Firmware client
// interface needs: find a node by path, get/set/next property, peer, child,
// parent, and package handles (phandles) for every node.
//
// Format (Devicetree Specification, "Flattened Devicetree (DTB) Format"):
//   header (40 bytes) | memory reservation block (8-aligned, u64 pairs ending
//   with 0,0) | structure block (tokens) | strings block (property names).
// Everything is big-endian.

export const FDT_MAGIC = 0xd00dfeed;
export const FDT_VERSION = 17;
export const FDT_LAST_COMP_VERSION = 16;
const FDT_BEGIN_NODE = 1;
const FDT_END_NODE = 2;
const FDT_PROP = 3;
const FDT_NOP = 4;
const FDT_END = 9;
const HEADER_SIZE = 40;

/** Malformed blobs and invalid tree operations. */
export class FdtError extends Error {
  override name = 'FdtError';
}

export interface FdtReservation {
  address: bigint;
  size: bigint;
}

const EMPTY = new Uint8Array(0);
const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: false });

function u64(value: number | bigint, what: string): bigint {
  const v = typeof value === 'bigint' ? value : Number.isSafeInteger(value) ? BigInt(value) : -1n;
  if (v < 0n || v > 0xffff_ffff_ffff_ffffn) throw new RangeError(`${what}: ${String(value)} is not a u64`);
  return v;
}

function cell(value: number, what: string): number {
  // Negative values are accepted as their two's complement (e.g. -1 -> 0xffffffff).
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > 0xffff_ffff) {
    throw new RangeError(`${what}: ${String(value)} is not a 32-bit cell`);
  }
  return value >>> 0;
}

function checkNodeName(name: string): void {
  if (name.length === 0 || name.includes('/') || name.includes('\0')) {
    throw new FdtError(`invalid node name ${JSON.stringify(name)}`);
  }
}

function checkPropName(name: string): void {
  if (name.length === 0 || name.includes('\0')) {
    throw new FdtError(`invalid property name ${JSON.stringify(name)}`);
  }
}

/** Encode strings as a list of NUL-terminated strings (a "stringlist"). */
export function encodeStrings(list: readonly string[]): Uint8Array {
  const parts = list.map((s) => {
    if (s.includes('\0')) throw new FdtError(`string ${JSON.stringify(s)} contains NUL`);
    return textEncoder.encode(s);
  });
  let len = 0;
  for (const p of parts) len += p.length + 1;
  const out = new Uint8Array(len);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length + 1;
  }
  return out;
}

/** Encode 32-bit cells big-endian. */
export function encodeCells(values: readonly number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setUint32(i * 4, cell(values[i], 'cell'));
  return out;
}

/** Encode 64-bit values big-endian (two cells each). */
export function encodeU64s(values: readonly (number | bigint)[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) dv.setBigUint64(i * 8, u64(values[i], 'u64'));
  return out;
}

export class FdtNode {
  /** Full node name including the unit address, e.g. "PowerPC,POWER9@0"; "" for the root. */
  readonly name: string;
  parent: FdtNode | null = null;
  readonly children: FdtNode[] = [];
  private readonly props = new Map<string, Uint8Array>();
  /** Tree this node belongs to (for the phandle index); null once detached. */
  tree: Fdt | null = null;

  constructor(name: string) {
    this.name = name;
  }

  /** Name without the unit address: what Open Firmware's "name" property holds. */
  get baseName(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? this.name : this.name.slice(0, at);
  }

  /** Unit address text after '@', or "" if none. */
  get unitAddress(): string {
    const at = this.name.indexOf('@');
    return at < 0 ? '' : this.name.slice(at + 1);
  }

  /** Full path from the root: "/" for the root, "/cpus/PowerPC,POWER9@0" etc. */
  get path(): string {
    if (this.parent === null) return '/';
    const parts: string[] = [];
    for (let n: FdtNode | null = this; n !== null && n.parent !== null; n = n.parent) parts.push(n.name);
    return '/' + parts.reverse().join('/');
  }

  /** The node's package handle: its "phandle" (or "linux,phandle") property, 0 if none. */
  get phandle(): number {
    const p = this.props.get('phandle') ?? this.props.get('linux,phandle');
    if (p === undefined || p.length !== 4) return 0;
    return ((p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]) >>> 0;
  }

  // ---- structure ----

  /** Append a new child; names must be unique among siblings. */
  addChild(name: string): FdtNode {
    checkNodeName(name);
    if (this.children.some((c) => c.name === name)) {
      throw new FdtError(`node ${this.path} already has a child named ${name}`);
    }
    const child = new FdtNode(name);
    child.parent = this;
    this.children.push(child);
    child.attach(this.tree);
    return child;
  }

  /** The child with exactly this name, or else the first whose name before '@' matches. */
  child(name: string): FdtNode | undefined {
    let byBase: FdtNode | undefined;
    const hasUnit = name.includes('@');
    for (const c of this.children) {
      if (c.name === name) return c;
      if (!hasUnit && byBase === undefined && c.baseName === name) byBase = c;
    }
    return byBase;
  }

  /** Child, creating it if missing. */
  ensureChild(name: string): FdtNode {
    return this.children.find((c) => c.name === name) ?? this.addChild(name);
  }

  /** Detach a child (and its subtree) from this node. */
  removeChild(child: FdtNode): boolean {
    const i = this.children.indexOf(child);
    if (i < 0) return false;
    this.children.splice(i, 1);
    child.parent = null;
    child.attach(null);
    this.tree?.invalidate();
    return true;
  }

  firstChild(): FdtNode | null {
    return this.children.length > 0 ? this.children[0] : null;
  }

  /** The next sibling (Open Firmware "peer"), null at the end. */
  nextSibling(): FdtNode | null {
    if (this.parent === null) return null;
    const sibs = this.parent.children;
    const i = sibs.indexOf(this);
    return i >= 0 && i + 1 < sibs.length ? sibs[i + 1] : null;
  }

  /** Depth-first, parent before children, in insertion order. */
  *walk(): Generator<FdtNode> {
    const stack: FdtNode[] = [this];
    while (stack.length > 0) {
      const n = stack.pop() as FdtNode;
      yield n;
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
    }
  }

  /** @internal */
  attach(tree: Fdt | null): void {
    for (const n of this.walk()) n.tree = tree;
    tree?.invalidate();
  }

  // ---- properties ----

  /** Set a property to raw bytes (kept by reference; do not mutate afterwards). Insertion order is kept. */
  setProp(name: string, value: Uint8Array): this {
    checkPropName(name);
    this.props.set(name, value);
    if (name === 'phandle' || name === 'linux,phandle') this.tree?.invalidate();
    return this;
  }

  /** A property with no value (a boolean flag such as "interrupt-controller"). */
  setEmpty(name: string): this {
    return this.setProp(name, EMPTY);
  }

  /** One or more 32-bit cells. */
  setU32(name: string, ...values: number[]): this {
    return this.setProp(name, encodeCells(values));
  }

  setCells(name: string, values: readonly number[]): this {
    return this.setProp(name, encodeCells(values));
  }

  /** One or more 64-bit values (two cells each). */
  setU64(name: string, ...values: (number | bigint)[]): this {
    return this.setProp(name, encodeU64s(values));
  }

  setString(name: string, value: string): this {
    return this.setProp(name, encodeStrings([value]));
  }

  setStrings(name: string, values: readonly string[]): this {
    return this.setProp(name, encodeStrings(values));
  }

  setPhandle(ph: number): this {
    if (ph === 0 || ph >>> 0 === 0xffffffff) throw new FdtError(`phandle ${ph} is reserved`);
    return this.setU32('phandle', ph);
  }

  hasProp(name: string): boolean {
    return this.props.has(name);
  }

  getProp(name: string): Uint8Array | undefined {
    return this.props.get(name);
  }

  /**
   * Like getProp, but when the node has no "name" property synthesise it from
   * the node name without unit address (NUL-terminated), as Open Firmware does.
   */
  getPropOF(name: string): Uint8Array | undefined {
    const p = this.props.get(name);
    if (p !== undefined || name !== 'name') return p;
    return encodeStrings([this.parent === null ? '' : this.baseName]);
  }

  deleteProp(name: string): boolean {
    const had = this.props.delete(name);
    if (had && (name === 'phandle' || name === 'linux,phandle')) this.tree?.invalidate();
    return had;
  }

  /** Property names in order. */
  propNames(): string[] {
    return [...this.props.keys()];
  }

  get propCount(): number {
    return this.props.size;
  }

  /** Ordered [name, value] pairs. */
  entries(): IterableIterator<[string, Uint8Array]> {
    return this.props.entries();
  }

  /**
   * Open Firmware "nextprop": the first property name when `prev` is "", the
   * name after `prev` otherwise; null after the last one or when `prev` is not
   * a property of this node.
   */
  nextPropName(prev: string): string | null {
    let take = prev === '';
    for (const k of this.props.keys()) {
      if (take) return k;
      if (k === prev) take = true;
    }
    return null;
  }

  getU32(name: string, index = 0): number | undefined {
    const p = this.props.get(name);
    if (p === undefined || p.length < (index + 1) * 4) return undefined;
    const o = index * 4;
    return ((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0;
  }

  getCells(name: string): number[] | undefined {
    const p = this.props.get(name);
    if (p === undefined || p.length % 4 !== 0) return undefined;
    const out: number[] = [];
    for (let o = 0; o < p.length; o += 4) out.push(((p[o] << 24) | (p[o + 1] << 16) | (p[o + 2] << 8) | p[o + 3]) >>> 0);
    return out;
  }

  getU64(name: string, index = 0): bigint | undefined {
    const p = this.props.get(name);
    if (p === undefined || p.length < (index + 1) * 8) return undefined;
    return new DataView(p.buffer, p.byteOffset, p.byteLength).getBigUint64(index * 8);
  }

  /** A NUL-terminated string property (first string of a list). */
  getString(name: string): string | undefined {
    const list = this.getStrings(name);
    return list === undefined ? undefined : list[0];
  }

  getStrings(name: string): string[] | undefined {
    const p = this.props.get(name);
    if (p === undefined || p.length === 0 || p[p.length - 1] !== 0) return undefined;
    const out: string[] = [];
    let s = 0;
    for (let i = 0; i < p.length; i++) {
      if (p[i] === 0) {
        out.push(textDecoder.decode(p.subarray(s, i)));
        s = i + 1;
      }
    }
    return out;
  }
}

export class Fdt {
  readonly root: FdtNode;
  readonly reservations: FdtReservation[] = [];
  /** Header field boot_cpuid_phys: the physical id of the boot CPU. */
  bootCpuidPhys = 0;
  private phandleIndex: Map<number, FdtNode> | null = null;

  constructor() {
    this.root = new FdtNode('');
    this.root.attach(this);
  }

  /** Add a memory reservation block entry. */
  addReservation(address: number | bigint, size: number | bigint): void {
    this.reservations.push({ address: u64(address, 'reservation address'), size: u64(size, 'reservation size') });
  }

  /** @internal: phandles or nodes changed. */
  invalidate(): void {
    this.phandleIndex = null;
  }

  /** Every node, depth-first in blob order. */
  nodes(): FdtNode[] {
    return [...this.root.walk()];
  }

  /**
   * Look a node up by path ("/", "/cpus/PowerPC,POWER9@0", "/memory" matches
   * "memory@0"). Unit addresses compare case-insensitively; ":args" after a
   * component is ignored; a path not starting with '/' starts with an alias
   * from /aliases.
   */
  findNode(path: string): FdtNode | undefined {
    if (path.length === 0) return undefined;
    let rest = path;
    let node: FdtNode = this.root;
    if (path[0] !== '/') {
      const slash = path.indexOf('/');
      const alias = slash < 0 ? path : path.slice(0, slash);
      const target = this.root.child('aliases')?.getString(alias.split(':')[0]);
      if (target === undefined || target.length === 0 || target[0] !== '/') return undefined;
      const base = this.findNode(target);
      if (base === undefined) return undefined;
      node = base;
      rest = slash < 0 ? '' : path.slice(slash);
    }
    for (const raw of rest.split('/')) {
      if (raw.length === 0) continue;
      const colon = raw.indexOf(':');
      const comp = colon < 0 ? raw : raw.slice(0, colon);
      if (comp.length === 0) return undefined;
      let next = node.child(comp);
      if (next === undefined && comp.includes('@')) {
        const lower = comp.toLowerCase();
        next = node.children.find((c) => c.name.toLowerCase() === lower);
      }
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** Node whose phandle is `ph`, or undefined. */
  nodeByPhandle(ph: number): FdtNode | undefined {
    if (ph === 0) return undefined;
    if (this.phandleIndex === null) {
      const idx = new Map<number, FdtNode>();
      for (const n of this.root.walk()) {
        const p = n.phandle;
        if (p !== 0 && !idx.has(p)) idx.set(p, n);
      }
      this.phandleIndex = idx;
    }
    return this.phandleIndex.get(ph >>> 0);
  }

  // Open Firmware client interface navigation by package handle. Results are
  // phandles, 0 for "none" (also for an unknown handle, as QEMU's VOF answers).
  // Nodes added later need assignPhandles() before they can be reached.

  /** "peer": the root for 0, else the next sibling. */
  peerOf(ph: number): number {
    if (ph === 0) return this.root.phandle;
    return this.nodeByPhandle(ph)?.nextSibling()?.phandle ?? 0;
  }

  /** "child": the first child. */
  childOf(ph: number): number {
    return this.nodeByPhandle(ph)?.firstChild()?.phandle ?? 0;
  }

  /** "parent": 0 for the root. */
  parentOf(ph: number): number {
    return this.nodeByPhandle(ph)?.parent?.phandle ?? 0;
  }

  /** "package-to-path": the node's full path, undefined for an unknown handle. */
  pathOf(ph: number): string | undefined {
    return this.nodeByPhandle(ph)?.path;
  }

  maxPhandle(): number {
    let max = 0;
    for (const n of this.root.walk()) max = Math.max(max, n.phandle);
    return max;
  }

  /**
   * Give every node without one a "phandle", numbering on from the largest
   * existing phandle in depth-first order (what QEMU's VOF does, so package
   * handles match QEMU's for the same tree).
   */
  assignPhandles(): void {
    let next = this.maxPhandle();
    for (const n of this.root.walk()) {
      if (n.phandle !== 0) continue;
      next++;
      if (next >= 0xffffffff) throw new FdtError('out of phandles');
      n.setPhandle(next);
    }
  }

  /** Deep copy (property values are shared: they are treated as immutable). */
  clone(): Fdt {
    const out = new Fdt();
    out.bootCpuidPhys = this.bootCpuidPhys;
    for (const r of this.reservations) out.reservations.push({ ...r });
    const copy = (from: FdtNode, to: FdtNode): void => {
      for (const [k, v] of from.entries()) to.setProp(k, v);
      for (const c of from.children) copy(c, to.addChild(c.name));
    };
    copy(this.root, out.root);
    return out;
  }

  /** Serialize to a DTB blob (version 17). `minSize` pads the blob with free space at the end. */
  toBlob(opts: { minSize?: number } = {}): Uint8Array {
    return serializeFdt(this, opts);
  }

  static fromBlob(blob: Uint8Array): Fdt {
    return parseFdt(blob);
  }

  /** Device tree source text (dtc syntax), for logs and debugging. */
  toDts(): string {
    return formatDts(this);
  }
}

/** A property value as DTS: strings, cells or bytes, guessed from the content like dtc does. */
function formatValue(v: Uint8Array): string {
  if (v.length === 0) return '';
  if (v[v.length - 1] === 0) {
    let printable = v[0] !== 0;
    for (let i = 0; printable && i < v.length; i++) {
      const b = v[i];
      // Printable ASCII, or a NUL that ends a non-empty string.
      printable = b === 0 ? v[i - 1] !== 0 : b >= 0x20 && b < 0x7f;
    }
    if (printable) {
      const parts = textDecoder.decode(v.subarray(0, v.length - 1)).split('\0');
      return ' = ' + parts.map((s) => '"' + s.replace(/["\\]/g, (c) => '\\' + c) + '"').join(', ');
    }
  }
  if (v.length % 4 === 0) {
    const cells: string[] = [];
    const dv = new DataView(v.buffer, v.byteOffset, v.byteLength);
    for (let o = 0; o < v.length; o += 4) cells.push('0x' + dv.getUint32(o).toString(16).padStart(2, '0'));
    return ' = <' + cells.join(' ') + '>';
  }
  return ' = [' + [...v].map((b) => b.toString(16).padStart(2, '0')).join(' ') + ']';
}

export function formatDts(tree: Fdt): string {
  const lines: string[] = ['/dts-v1/;', ''];
  for (const r of tree.reservations) {
    lines.push(`/memreserve/\t0x${r.address.toString(16).padStart(16, '0')} 0x${r.size.toString(16).padStart(16, '0')};`);
  }
  const emit = (n: FdtNode, depth: number): void => {
    const ind = '\t'.repeat(depth);
    lines.push(`${ind}${n.parent === null ? '/' : n.name} {`);
    for (const [k, v] of n.entries()) lines.push(`${ind}\t${k}${formatValue(v)};`);
    for (const c of n.children) {
      lines.push('');
      emit(c, depth + 1);
    }
    lines.push(`${ind}};`);
  };
  emit(tree.root, 0);
  return lines.join('\n') + '\n';
}

const align4 = (n: number): number => (n + 3) & ~3;

export function serializeFdt(tree: Fdt, opts: { minSize?: number } = {}): Uint8Array {
  // Strings block: each property name once.
  const strOffsets = new Map<string, number>();
  const strParts: Uint8Array[] = [];
  let strSize = 0;
  const nameBytes = new Map<FdtNode, Uint8Array>();
  let structSize = 4; // FDT_END
  for (const n of tree.root.walk()) {
    const nb = textEncoder.encode(n.name);
    nameBytes.set(n, nb);
    structSize += 4 + align4(nb.length + 1) + 4; // BEGIN_NODE name END_NODE
    for (const [k, v] of n.entries()) {
      if (!strOffsets.has(k)) {
        const kb = textEncoder.encode(k);
        strOffsets.set(k, strSize);
        strParts.push(kb);
        strSize += kb.length + 1;
      }
      structSize += 12 + align4(v.length);
    }
  }
  const rsvOff = HEADER_SIZE; // 40 is already 8-aligned
  const rsvSize = (tree.reservations.length + 1) * 16;
  const structOff = rsvOff + rsvSize;
  const stringsOff = structOff + structSize;
  const used = stringsOff + strSize;
  const total = Math.max(used, opts.minSize ?? 0);
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);

  dv.setUint32(0, FDT_MAGIC);
  dv.setUint32(4, total);
  dv.setUint32(8, structOff);
  dv.setUint32(12, stringsOff);
  dv.setUint32(16, rsvOff);
  dv.setUint32(20, FDT_VERSION);
  dv.setUint32(24, FDT_LAST_COMP_VERSION);
  dv.setUint32(28, tree.bootCpuidPhys >>> 0);
  dv.setUint32(32, strSize);
  dv.setUint32(36, structSize);

  let o = rsvOff;
  for (const r of tree.reservations) {
    dv.setBigUint64(o, r.address);
    dv.setBigUint64(o + 8, r.size);
    o += 16;
  }
  o += 16; // terminating 0,0 entry (already zero)

  const emit = (n: FdtNode): void => {
    dv.setUint32(o, FDT_BEGIN_NODE);
    const nb = nameBytes.get(n) as Uint8Array;
    out.set(nb, o + 4);
    o += 4 + align4(nb.length + 1);
    for (const [k, v] of n.entries()) {
      dv.setUint32(o, FDT_PROP);
      dv.setUint32(o + 4, v.length);
      dv.setUint32(o + 8, strOffsets.get(k) as number);
      out.set(v, o + 12);
      o += 12 + align4(v.length);
    }
    for (const c of n.children) emit(c);
    dv.setUint32(o, FDT_END_NODE);
    o += 4;
  };
  emit(tree.root);
  dv.setUint32(o, FDT_END);
  o += 4;
  if (o !== stringsOff) throw new FdtError(`internal: structure block size ${o - structOff} != ${structSize}`);
  for (const p of strParts) {
    out.set(p, o);
    o += p.length + 1;
  }
  return out;
}

/** Parse a DTB blob (versions 16 and 17) into a tree. Throws FdtError naming the defect. */
export function parseFdt(blob: Uint8Array): Fdt {
  if (blob.length < HEADER_SIZE) throw new FdtError(`blob of ${blob.length} bytes is shorter than the FDT header`);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const magic = dv.getUint32(0);
  if (magic !== FDT_MAGIC) throw new FdtError(`bad magic 0x${magic.toString(16)} (expected 0xd00dfeed)`);
  const total = dv.getUint32(4);
  const structOff = dv.getUint32(8);
  const stringsOff = dv.getUint32(12);
  const rsvOff = dv.getUint32(16);
  const version = dv.getUint32(20);
  const lastComp = dv.getUint32(24);
  if (version < 16) throw new FdtError(`FDT version ${version} is too old (need 16 or later)`);
  if (lastComp > FDT_VERSION) throw new FdtError(`FDT last compatible version ${lastComp} is newer than ${FDT_VERSION}`);
  if (total > blob.length) throw new FdtError(`header totalsize ${total} exceeds the ${blob.length}-byte blob (truncated?)`);
  if (total < HEADER_SIZE) throw new FdtError(`header totalsize ${total} is too small`);
  const stringsSize = dv.getUint32(32);
  const structSize = version >= 17 ? dv.getUint32(36) : total - structOff;
  if (structOff > total || structSize > total - structOff) throw new FdtError('structure block lies outside the blob');
  if (stringsOff > total || stringsSize > total - stringsOff) throw new FdtError('strings block lies outside the blob');
  if (rsvOff % 8 !== 0 || rsvOff < HEADER_SIZE || rsvOff > total) throw new FdtError('bad memory reservation block offset');
  if (structOff % 4 !== 0) throw new FdtError('misaligned structure block');

  const tree = new Fdt();
  tree.bootCpuidPhys = dv.getUint32(28);
  for (let o = rsvOff; ; o += 16) {
    if (o + 16 > total) throw new FdtError('memory reservation block is not terminated');
    const address = dv.getBigUint64(o);
    const size = dv.getBigUint64(o + 8);
    if (address === 0n && size === 0n) break;
    tree.reservations.push({ address, size });
  }

  const end = structOff + structSize;
  const readName = (at: number, limit: number, what: string): [string, number] => {
    let z = at;
    while (z < limit && blob[z] !== 0) z++;
    if (z >= limit) throw new FdtError(`unterminated ${what} at offset ${at}`);
    return [textDecoder.decode(blob.subarray(at, z)), z];
  };
  const stack: FdtNode[] = [];
  let sawRoot = false;
  let o = structOff;
  for (;;) {
    if (o + 4 > end) throw new FdtError('structure block ends without FDT_END');
    const tok = dv.getUint32(o);
    o += 4;
    if (tok === FDT_BEGIN_NODE) {
      const [name, z] = readName(o, end, 'node name');
      o = align4(z + 1);
      if (stack.length === 0) {
        if (sawRoot) throw new FdtError('more than one root node');
        if (name !== '') throw new FdtError(`root node has a name (${JSON.stringify(name)})`);
        sawRoot = true;
        stack.push(tree.root);
      } else {
        const parent = stack[stack.length - 1];
        if (name.length === 0 || name.includes('/')) throw new FdtError(`invalid node name ${JSON.stringify(name)} under ${parent.path}`);
        stack.push(parent.addChild(name));
      }
    } else if (tok === FDT_PROP) {
      if (stack.length === 0) throw new FdtError('property outside any node');
      if (o + 8 > end) throw new FdtError('truncated property header');
      const len = dv.getUint32(o);
      const nameoff = dv.getUint32(o + 4);
      o += 8;
      if (len > end - o) throw new FdtError(`property value of ${len} bytes runs past the structure block`);
      if (nameoff >= stringsSize) throw new FdtError(`property name offset ${nameoff} is outside the strings block`);
      const [pname] = readName(stringsOff + nameoff, stringsOff + stringsSize, 'property name');
      if (pname.length === 0) throw new FdtError('empty property name');
      stack[stack.length - 1].setProp(pname, blob.slice(o, o + len));
      o = align4(o + len);
    } else if (tok === FDT_END_NODE) {
      if (stack.length === 0) throw new FdtError('unbalanced FDT_END_NODE');
      stack.pop();
    } else if (tok === FDT_NOP) {
      // skip
    } else if (tok === FDT_END) {
      if (stack.length !== 0) throw new FdtError('FDT_END inside an open node');
      if (!sawRoot) throw new FdtError('no root node');
      break;
    } else {
      throw new FdtError(`bad structure token 0x${tok.toString(16)} at offset ${o - 4}`);
    }
  }
  return tree;
}
