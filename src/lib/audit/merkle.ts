/**
 * RFC 6962 / RFC 9162 Merkle tree hashing for the audit log: leaf and node hashes, an incremental
 * accumulator (the "compact range" of perfect-subtree roots, O(log n) memory), subtree roots over
 * stored leaf hashes, and inclusion / consistency proofs with the RFC 9162 §2.1.3–2.1.4 algorithms.
 * Hand-written because these few functions are the spec itself and the project has no Merkle
 * dependency; they are tested against the certificate-transparency reference vectors.
 */
import {createHash, hash as oneShotHash} from 'node:crypto'

// crypto.hash (Node >= 20.12) has far less per-call overhead than createHash, and a string result is
// much cheaper than a Buffer one (no ArrayBuffer per call); fall back to createHash on older Nodes.
const digest: (data: Uint8Array | string, encoding: 'buffer' | 'hex') => Buffer | string =
  typeof oneShotHash === 'function'
    ? (data, encoding) => oneShotHash('sha256', data, encoding)
    : (data, encoding) => (encoding === 'hex' ? createHash('sha256').update(data).digest('hex') : createHash('sha256').update(data).digest())

/** SHA-256 of bytes or of a string's UTF-8 encoding, as a 32-byte Buffer. */
export const sha256 = (data: Uint8Array | string): Buffer => digest(data, 'buffer') as Buffer
/** SHA-256 as lowercase hex: the cheap form for hot loops. */
export const sha256Hex = (data: Uint8Array | string): string => digest(data, 'hex') as string

export const HASH_SIZE = 32
/** Root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Buffer = sha256(Buffer.alloc(0))

/** RFC 6962 leaf hash: SHA-256(0x00 || data). */
export function hashLeaf(data: Uint8Array): Buffer {
  const buf = Buffer.allocUnsafe(data.length + 1)
  buf[0] = 0
  buf.set(data, 1)
  return sha256(buf)
}

// One scratch buffer for node hashing: hashing is synchronous, so reuse is safe and saves an allocation per node.
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE, 1)

/** RFC 6962 interior node hash: SHA-256(0x01 || left || right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  nodeScratch.set(left, 1)
  nodeScratch.set(right, 1 + HASH_SIZE)
  return sha256(nodeScratch)
}

const HEX_VALUE = new Uint8Array(128)
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i

/** Decodes 64 lowercase hex digits into target[offset…]; a JavaScript loop beats a native call at this size. */
function writeHex(hex: string, target: Uint8Array, offset: number): void {
  for (let i = 0; i < HASH_SIZE; i++) target[offset + i] = (HEX_VALUE[hex.charCodeAt(2 * i)]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)]!
}

/** hashChildren over lowercase hex hashes, hex out. */
export function hashChildrenHex(left: string, right: string): string {
  writeHex(left, nodeScratch, 1)
  writeHex(right, nodeScratch, 1 + HASH_SIZE)
  return sha256Hex(nodeScratch)
}

export const isPowerOfTwo = (n: number): boolean => n > 0 && 2 ** Math.round(Math.log2(n)) === n

/**
 * Incremental tree head: the roots of the perfect subtrees that make up the first `size` leaves
 * (one per set bit of size, largest first), kept as hex so verify's hot loop allocates no Buffers.
 * append() is amortised one node hash per leaf.
 */
export class MerkleAccumulator {
  private nodes: string[] = []
  private count = 0

  get size(): number {
    return this.count
  }

  /**
   * Appends a leaf hash given as bytes or lowercase hex. `onSubtree` sees the root of each perfect
   * subtree of two or more leaves the new leaf completes (they all end at the new size).
   */
  append(leafHash: Uint8Array | string, onSubtree?: (end: number, leaves: number, rootHex: string) => void): void {
    let node = typeof leafHash === 'string' ? leafHash : Buffer.from(leafHash.buffer, leafHash.byteOffset, leafHash.length).toString('hex')
    // Each trailing 1-bit of the old size is a perfect subtree that the new leaf completes.
    let leaves = 1
    for (let bits = this.count; bits & 1; bits = Math.floor(bits / 2)) {
      node = hashChildrenHex(this.nodes.pop()!, node)
      leaves *= 2
      onSubtree?.(this.count + 1, leaves, node)
    }
    this.nodes.push(node)
    this.count++
  }

  /**
   * Appends the root of a complete subtree of `leaves` leaves (a power of two) at an aligned position
   * (the size a multiple of `leaves`): the same state as appending its leaves one by one.
   */
  appendSubtree(rootHex: string, leaves: number): void {
    if (!isPowerOfTwo(leaves) || this.count % leaves !== 0) throw new RangeError(`cannot append a subtree of ${leaves} leaves at size ${this.count}`)
    let node = rootHex
    for (let bits = this.count / leaves; bits % 2 === 1; bits = Math.floor(bits / 2)) node = hashChildrenHex(this.nodes.pop()!, node)
    this.nodes.push(node)
    this.count += leaves
  }

  /**
   * Appends `leaves` leaves given as the roots of the perfect subtrees that cover them, largest first
   * (one per set bit of `leaves`: an accumulator's own nodes from size 0), at a size that is a
   * multiple of the largest.
   */
  appendRange(roots: readonly string[], leaves: number): void {
    const sizes: number[] = []
    for (let subtree = 2 ** Math.floor(Math.log2(leaves)); subtree >= 1; subtree /= 2) if (Math.floor(leaves / subtree) % 2 === 1) sizes.push(subtree)
    if (sizes.length !== roots.length) throw new RangeError(`${roots.length} subtree roots cannot cover ${leaves} leaves`)
    roots.forEach((root, i) => this.appendSubtree(root, sizes[i]!))
  }

  rootHex(): string {
    if (this.nodes.length === 0) return EMPTY_ROOT.toString('hex')
    let root = this.nodes[this.nodes.length - 1]!
    for (let i = this.nodes.length - 2; i >= 0; i--) root = hashChildrenHex(this.nodes[i]!, root)
    return root
  }

  root(): Buffer {
    return Buffer.from(this.rootHex(), 'hex')
  }

  clone(): MerkleAccumulator {
    const copy = new MerkleAccumulator()
    copy.nodes = [...this.nodes]
    copy.count = this.count
    return copy
  }
}

/** Merkle tree hash (MTH) of a list of leaf hashes. */
export function rootOf(leafHashes: readonly Buffer[]): Buffer {
  const acc = new MerkleAccumulator()
  for (const leaf of leafHashes) acc.append(leaf)
  return acc.root()
}

/** Leaf hashes [start, end) as an array, or a function that reads them (e.g. from the database). */
export type LeafHashes = readonly Buffer[] | ((start: number, end: number) => readonly Buffer[])
/** A reader of leaf hashes [start, end) that answers asynchronously (the store). */
export type AsyncLeafReader = (start: number, end: number) => Promise<readonly Buffer[]>

/** Largest power of two strictly less than n (n >= 2), the RFC 6962 split point. */
function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** An aligned perfect subtree: a power-of-two range starting at a multiple of its size. */
const isPerfect = (start: number, end: number): boolean => isPowerOfTwo(end - start) && start % (end - start) === 0

/**
 * Computes roots of arbitrary leaf ranges for proofs. Roots of aligned perfect subtrees of at least
 * `memoFrom` leaves never change in an append-only log, so they are memoised: the first proof over a
 * large log reads every leaf once, later proofs only touch the right edge.
 *
 * With a synchronous source, root() answers at once; with an AsyncLeafReader (the store), use
 * rootAsync() and the *Async proof functions. Both share the memo.
 */
export class SubtreeHasher {
  private readonly memo = new Map<string, Buffer>()
  private readonly read: (start: number, end: number) => readonly Buffer[] | Promise<readonly Buffer[]>

  constructor(leaves: LeafHashes | AsyncLeafReader, private readonly memoFrom = 256) {
    this.read = typeof leaves === 'function' ? leaves : (start, end) => leaves.slice(start, end)
  }

  /** Seeds the memo with a perfect subtree's root computed elsewhere (e.g. while rebuilding the tree head). */
  remember(start: number, end: number, root: Buffer): void {
    if (end - start > this.memoFrom && isPerfect(start, end)) this.memo.set(`${start}:${end - start}`, root)
  }

  /** MTH(D[start:end]) from a synchronous leaf source. */
  root(start: number, end: number): Buffer {
    const n = end - start
    if (n <= 0) return EMPTY_ROOT
    if (n <= this.memoFrom) {
      const leaves = this.read(start, end)
      if (!Array.isArray(leaves)) throw new Error('SubtreeHasher: this leaf source answers asynchronously; use rootAsync')
      return this.small(start, n, leaves)
    }
    return this.split(start, end, (a, b) => this.root(a, b))
  }

  /** MTH(D[start:end]), reading leaves from a synchronous or asynchronous source. */
  async rootAsync(start: number, end: number): Promise<Buffer> {
    const n = end - start
    if (n <= 0) return EMPTY_ROOT
    if (n <= this.memoFrom) return this.small(start, n, await this.read(start, end))
    const perfect = isPerfect(start, end)
    const hit = perfect ? this.memo.get(`${start}:${n}`) : undefined
    if (hit) return hit
    const k = splitPoint(n)
    const [left, right] = [await this.rootAsync(start, start + k), await this.rootAsync(start + k, end)]
    const root = hashChildren(left, right)
    if (perfect) this.memo.set(`${start}:${n}`, root)
    return root
  }

  private small(start: number, n: number, leaves: readonly Buffer[]): Buffer {
    if (leaves.length !== n) throw new Error(`expected ${n} leaf hashes from ${start}, got ${leaves.length}`)
    return rootOf(leaves)
  }

  private split(start: number, end: number, child: (start: number, end: number) => Buffer): Buffer {
    const n = end - start
    const perfect = isPerfect(start, end)
    const key = `${start}:${n}`
    if (perfect) {
      const hit = this.memo.get(key)
      if (hit) return hit
    }
    const k = splitPoint(n)
    const root = hashChildren(child(start, start + k), child(start + k, end))
    if (perfect) this.memo.set(key, root)
    return root
  }
}

const toHasher = (leaves: LeafHashes | SubtreeHasher): SubtreeHasher =>
  leaves instanceof SubtreeHasher ? leaves : new SubtreeHasher(leaves)

function checkSize(index: number, size: number): void {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) {
    throw new RangeError(`leaf index ${index} is outside a tree of size ${size}`)
  }
}

/** Leaf ranges whose roots form PATH(m, D[lo:hi]) (RFC 9162 §2.1.3.1), leaf to root order. */
function pathRanges(m: number, lo: number, hi: number, out: Array<[number, number]>): void {
  if (hi - lo <= 1) return
  const k = splitPoint(hi - lo)
  if (m < lo + k) {
    pathRanges(m, lo, lo + k, out)
    out.push([lo + k, hi])
  } else {
    pathRanges(m, lo + k, hi, out)
    out.push([lo, lo + k])
  }
}

/** Leaf ranges whose roots form SUBPROOF(m, D[lo:hi], b) (RFC 9162 §2.1.4.1). */
function subproofRanges(m: number, lo: number, hi: number, complete: boolean, out: Array<[number, number]>): void {
  const n = hi - lo
  if (m === n) {
    if (!complete) out.push([lo, hi])
    return
  }
  const k = splitPoint(n)
  if (m <= k) {
    subproofRanges(m, lo, lo + k, complete, out)
    out.push([lo + k, hi])
  } else {
    subproofRanges(m - k, lo + k, hi, false, out)
    out.push([lo, lo + k])
  }
}

/** Leaf ranges whose roots are the inclusion proof of leaf `index` in the tree of `size` leaves. */
function inclusionRanges(index: number, size: number): Array<[number, number]> {
  checkSize(index, size)
  const ranges: Array<[number, number]> = []
  pathRanges(index, 0, size, ranges)
  return ranges
}

/** Leaf ranges whose roots are the consistency proof from `fromSize` to `toSize` leaves. */
function consistencyRanges(fromSize: number, toSize: number): Array<[number, number]> {
  if (!Number.isSafeInteger(fromSize) || !Number.isSafeInteger(toSize) || fromSize < 0 || fromSize > toSize) {
    throw new RangeError(`cannot prove consistency from size ${fromSize} to size ${toSize}`)
  }
  const ranges: Array<[number, number]> = []
  if (fromSize === 0 || fromSize === toSize) return ranges
  subproofRanges(fromSize, 0, toSize, true, ranges)
  return ranges
}

/** Inclusion proof (audit path) for leaf `index` in the tree of the first `size` leaves. */
export function inclusionProof(index: number, size: number, leaves: LeafHashes | SubtreeHasher): Buffer[] {
  const hasher = toHasher(leaves)
  return inclusionRanges(index, size).map(([start, end]) => hasher.root(start, end))
}

/** Consistency proof that the tree of `fromSize` leaves is a prefix of the tree of `toSize` leaves. */
export function consistencyProof(fromSize: number, toSize: number, leaves: LeafHashes | SubtreeHasher): Buffer[] {
  const hasher = toHasher(leaves)
  return consistencyRanges(fromSize, toSize).map(([start, end]) => hasher.root(start, end))
}

/** inclusionProof over a hasher whose leaves are read asynchronously. */
export async function inclusionProofAsync(index: number, size: number, hasher: SubtreeHasher): Promise<Buffer[]> {
  const proof: Buffer[] = []
  for (const [start, end] of inclusionRanges(index, size)) proof.push(await hasher.rootAsync(start, end))
  return proof
}

/** consistencyProof over a hasher whose leaves are read asynchronously. */
export async function consistencyProofAsync(fromSize: number, toSize: number, hasher: SubtreeHasher): Promise<Buffer[]> {
  const proof: Buffer[] = []
  for (const [start, end] of consistencyRanges(fromSize, toSize)) proof.push(await hasher.rootAsync(start, end))
  return proof
}

const isHash = (h: Uint8Array): boolean => h.length === HASH_SIZE
const sameHash = (a: Uint8Array, b: Uint8Array): boolean => isHash(a) && isHash(b) && Buffer.from(a).equals(b)

/** Root implied by an inclusion proof (RFC 9162 §2.1.3.2), or undefined if the proof is malformed. */
export function rootFromInclusionProof(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[]): Buffer | undefined {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return undefined
  if (!isHash(leafHash) || !proof.every(isHash)) return undefined
  let fn = index
  let sn = size - 1
  let r: Buffer = Buffer.from(leafHash)
  for (const p of proof) {
    if (sn === 0) return undefined
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      r = hashChildren(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 ? r : undefined
}

/** True when `proof` shows leaf `leafHash` at `index` in the tree of `size` leaves with root `root`. */
export function verifyInclusion(index: number, size: number, leafHash: Uint8Array, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  const computed = rootFromInclusionProof(index, size, leafHash, proof)
  return computed !== undefined && sameHash(computed, root)
}

/** True when `proof` shows the tree (fromSize, fromRoot) is a prefix of (toSize, toRoot) (RFC 9162 §2.1.4.2). */
export function verifyConsistency(
  fromSize: number,
  toSize: number,
  fromRoot: Uint8Array,
  toRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  if (!Number.isSafeInteger(fromSize) || !Number.isSafeInteger(toSize) || fromSize < 0 || fromSize > toSize) return false
  if (!proof.every(isHash)) return false
  if (fromSize === toSize) return proof.length === 0 && sameHash(fromRoot, toRoot)
  if (fromSize === 0) return proof.length === 0
  if (proof.length === 0) return false
  const path = isPowerOfTwo(fromSize) ? [fromRoot, ...proof] : [...proof]
  let fn = fromSize - 1
  let sn = toSize - 1
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  let fr: Buffer = Buffer.from(path[0]!)
  let sr = fr
  for (const c of path.slice(1)) {
    if (sn === 0) return false
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr)
      sr = hashChildren(c, sr)
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2)
          sn = Math.floor(sn / 2)
        }
      }
    } else {
      sr = hashChildren(sr, c)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 && sameHash(fr, fromRoot) && sameHash(sr, toRoot)
}
