import {describe, expect, it} from 'vitest'

import {
  consistencyProof,
  consistencyProofAsync,
  EMPTY_ROOT,
  hashChildren,
  hashLeaf,
  inclusionProof,
  inclusionProofAsync,
  MerkleAccumulator,
  rootFromInclusionProof,
  rootOf,
  SubtreeHasher,
  verifyConsistency,
  verifyInclusion,
} from '../../src/lib/audit/merkle.js'

const hex = (h: string): Buffer => Buffer.from(h, 'hex')

// Reference vectors from the certificate-transparency test suites (transparency-dev/merkle testonly/constants.go
// and proof/verify_test.go, originally google/certificate-transparency's merkle_tree_test).
const LEAF_INPUTS = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(hex)
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
].map(hex)
const INCLUSION_VECTORS: Array<{leaf: number; size: number; proof: string[]}> = [
  {leaf: 1, size: 1, proof: []},
  {
    leaf: 1,
    size: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    leaf: 6,
    size: 8,
    proof: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {leaf: 3, size: 3, proof: ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']},
  {
    leaf: 2,
    size: 5,
    proof: [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
]
const CONSISTENCY_VECTORS: Array<{size1: number; size2: number; proof: string[]}> = [
  {size1: 1, size2: 1, proof: []},
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: ['5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e', 'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b'],
  },
  {
    size1: 6,
    size2: 7,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
]
const SOME_HASH = hex('abacaba000000000000000000000000000000000000000000060061e00123456')

const vectorLeaves = LEAF_INPUTS.map(hashLeaf)

// Straight transcriptions of the RFC 9162 §2.1 recursive definitions, as an independent reference.
function splitPoint(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return EMPTY_ROOT
  if (d.length === 1) return d[0]!
  const k = splitPoint(d.length)
  return hashChildren(mth(d.slice(0, k)), mth(d.slice(k)))
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length <= 1) return []
  const k = splitPoint(d.length)
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))]
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)]
  const k = splitPoint(d.length)
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))]
}

const leavesFor = (n: number): Buffer[] => Array.from({length: n}, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)))

function flipped(proof: Buffer[], i: number, bit: number): Buffer[] {
  const copy = proof.map((h) => Buffer.from(h))
  copy[i]![0]! ^= bit
  return copy
}

/** The corruptions of transparency-dev/merkle's corruptInclusionProof: none may verify. */
function corruptInclusion(index: number, size: number, leaf: Buffer, proof: Buffer[], root: Buffer): Array<[string, boolean]> {
  const probes: Array<[string, boolean]> = [
    ['index - 1', verifyInclusion(index - 1, size, leaf, proof, root)],
    ['index + 1', verifyInclusion(index + 1, size, leaf, proof, root)],
    ['index ^ 2', verifyInclusion(index ^ 2, size, leaf, proof, root)],
    ['size * 2', verifyInclusion(index, size * 2, leaf, proof, root)],
    ['size / 2', verifyInclusion(index, Math.floor(size / 2), leaf, proof, root)],
    ['wrong leaf', verifyInclusion(index, size, Buffer.from('WrongLeaf'), proof, root)],
    ['other leaf', verifyInclusion(index, size, SOME_HASH, proof, root)],
    ['empty root', verifyInclusion(index, size, leaf, proof, EMPTY_ROOT)],
    ['random root', verifyInclusion(index, size, leaf, proof, SOME_HASH)],
    ['trailing garbage', verifyInclusion(index, size, leaf, [...proof, Buffer.alloc(0)], root)],
    ['trailing root', verifyInclusion(index, size, leaf, [...proof, root], root)],
    ['preceding garbage', verifyInclusion(index, size, leaf, [Buffer.alloc(0), ...proof], root)],
    ['preceding root', verifyInclusion(index, size, leaf, [root, ...proof], root)],
  ]
  proof.forEach((_, i) => probes.push([`flipped bit in proof[${i}]`, verifyInclusion(index, size, leaf, flipped(proof, i, 8), root)]))
  if (proof.length > 0) probes.push(['removed node', verifyInclusion(index, size, leaf, proof.slice(0, -1), root)])
  if (proof.length > 1) probes.push(['inserted node', verifyInclusion(index, size, leaf, [proof[0]!, SOME_HASH, ...proof.slice(1)], root)])
  // index ^ 2 can equal index ± 1 or land outside the tree; the point is that none of them verify.
  return probes
}

/** The corruptions of transparency-dev/merkle's corruptConsistencyProof: none may verify. */
function corruptConsistency(size1: number, size2: number, root1: Buffer, root2: Buffer, proof: Buffer[]): Array<[string, boolean]> {
  const v = (s1: number, s2: number, r1: Buffer, r2: Buffer, p: Buffer[]): boolean => verifyConsistency(s1, s2, r1, r2, p)
  const probes: Array<[string, boolean]> = [
    ['size1 - 1', v(size1 - 1, size2, root1, root2, proof)],
    ['size1 + 1', v(size1 + 1, size2, root1, root2, proof)],
    ['size1 ^ 2', v(size1 ^ 2, size2, root1, root2, proof)],
    ['size2 * 2', v(size1, size2 * 2, root1, root2, proof)],
    ['size2 / 2', v(size1, Math.floor(size2 / 2), root1, root2, proof)],
    ['wrong root1', v(size1, size2, Buffer.from('WrongRoot'), root2, proof)],
    ['wrong root2', v(size1, size2, root1, Buffer.from('WrongRoot'), proof)],
    ['swapped roots', v(size1, size2, root2, root1, proof)],
    ['empty proof', v(size1, size2, root1, root2, [])],
    ['trailing garbage', v(size1, size2, root1, root2, [...proof, Buffer.alloc(0)])],
    ['trailing root1', v(size1, size2, root1, root2, [...proof, root1])],
    ['trailing root2', v(size1, size2, root1, root2, [...proof, root2])],
    ['preceding garbage', v(size1, size2, root1, root2, [Buffer.alloc(0), ...proof])],
    ['preceding root1', v(size1, size2, root1, root2, [root1, ...proof])],
    ['preceding root2', v(size1, size2, root1, root2, [root2, ...proof])],
    ['preceding proof[0]', v(size1, size2, root1, root2, [proof[0]!, ...proof])],
    ['missing last node', v(size1, size2, root1, root2, proof.slice(0, -1))],
    ['inserted node', v(size1, size2, root1, root2, [proof[0]!, SOME_HASH, ...proof.slice(1)])],
  ]
  proof.forEach((_, i) => probes.push([`flipped bit in proof[${i}]`, v(size1, size2, root1, root2, flipped(proof, i, 16))]))
  return probes
}

const accepted = (probes: Array<[string, boolean]>): string[] => probes.filter(([, ok]) => ok).map(([name]) => name)

describe('RFC 6962 hashing', () => {
  it('hashes the empty tree, leaves and nodes as the reference vectors do', () => {
    expect(EMPTY_ROOT.toString('hex')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(vectorLeaves[0]!.toString('hex')).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d')
    expect(hashChildren(vectorLeaves[0]!, vectorLeaves[1]!).toString('hex')).toBe('fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125')
  })

  it('reproduces the published root for every tree size 0..8, incrementally and in one go', () => {
    const acc = new MerkleAccumulator()
    for (let size = 0; size <= 8; size++) {
      if (size > 0) acc.append(vectorLeaves[size - 1]!)
      expect(acc.size).toBe(size)
      expect(acc.root().toString('hex'), `size ${size}`).toBe(ROOTS[size]!.toString('hex'))
      expect(rootOf(vectorLeaves.slice(0, size)).toString('hex')).toBe(ROOTS[size]!.toString('hex'))
    }
  })

  it('keeps a cloned accumulator independent of the original', () => {
    const acc = new MerkleAccumulator()
    acc.append(vectorLeaves[0]!)
    const copy = acc.clone()
    acc.append(vectorLeaves[1]!)
    expect(copy.root()).toEqual(ROOTS[1])
    expect(acc.root()).toEqual(ROOTS[2])
  })
})

describe('published proof vectors', () => {
  for (const vector of INCLUSION_VECTORS) {
    it(`inclusion of leaf ${vector.leaf} in a tree of ${vector.size}: generated and verified, corruptions rejected`, () => {
      const leaves = vectorLeaves.slice(0, vector.size)
      const proof = inclusionProof(vector.leaf - 1, vector.size, leaves)
      expect(proof.map((h) => h.toString('hex'))).toEqual(vector.proof)
      const leaf = vectorLeaves[vector.leaf - 1]!
      const root = ROOTS[vector.size]!
      expect(rootFromInclusionProof(vector.leaf - 1, vector.size, leaf, proof)).toEqual(root)
      expect(verifyInclusion(vector.leaf - 1, vector.size, leaf, proof, root)).toBe(true)
      expect(accepted(corruptInclusion(vector.leaf - 1, vector.size, leaf, proof, root))).toEqual([])
    })
  }

  for (const vector of CONSISTENCY_VECTORS) {
    it(`consistency ${vector.size1} → ${vector.size2}: generated and verified, corruptions rejected`, () => {
      const proof = consistencyProof(vector.size1, vector.size2, vectorLeaves)
      expect(proof.map((h) => h.toString('hex'))).toEqual(vector.proof)
      const [root1, root2] = [ROOTS[vector.size1]!, ROOTS[vector.size2]!]
      expect(verifyConsistency(vector.size1, vector.size2, root1, root2, proof)).toBe(true)
      if (proof.length > 0) expect(accepted(corruptConsistency(vector.size1, vector.size2, root1, root2, proof))).toEqual([])
    })
  }

  it('handles the edge cases of transparency-dev TestVerifyConsistency', () => {
    const [r1, r2] = [Buffer.alloc(32, 1), Buffer.alloc(32, 2)]
    expect(verifyConsistency(0, 0, r1, r1, [])).toBe(true)
    expect(verifyConsistency(0, 1, r1, r2, [])).toBe(true)
    expect(verifyConsistency(1, 1, r2, r2, [])).toBe(true)
    expect(verifyConsistency(1, 1, r1, r2, [])).toBe(false)
    expect(verifyConsistency(1, 0, r1, r2, [])).toBe(false)
    expect(verifyConsistency(2, 1, r1, r2, [])).toBe(false)
    expect(verifyConsistency(1, 2, r1, r2, [])).toBe(false)
    expect(verifyConsistency(0, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false)
    expect(verifyConsistency(1, 1, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT])).toBe(false)
  })

  it('rejects inclusion claims outside the tree and malformed hashes', () => {
    const leaf = hashLeaf(Buffer.from('data'))
    expect(verifyInclusion(0, 1, leaf, [], leaf)).toBe(true)
    expect(verifyInclusion(0, 1, leaf, [], Buffer.alloc(0))).toBe(false)
    expect(verifyInclusion(0, 1, Buffer.alloc(0), [], leaf)).toBe(false)
    for (const [index, size] of [[0, 0], [1, 0], [2, 1], [-1, 4]] as const) {
      expect(verifyInclusion(index, size, SOME_HASH, [], EMPTY_ROOT)).toBe(false)
    }
    expect(() => inclusionProof(3, 3, vectorLeaves)).toThrow(RangeError)
    expect(() => consistencyProof(4, 3, vectorLeaves)).toThrow(RangeError)
  })
})

describe('exhaustive over tree sizes 1..40', () => {
  const MAX = 40
  const leaves = leavesFor(MAX)
  const roots = Array.from({length: MAX + 1}, (_, n) => mth(leaves.slice(0, n)))

  it('accumulator, rootOf and the subtree hasher agree with the recursive MTH at every size', () => {
    const acc = new MerkleAccumulator()
    const hasher = new SubtreeHasher(leaves, 4) // small memo threshold so memoised paths are exercised
    for (let n = 0; n <= MAX; n++) {
      if (n > 0) acc.append(leaves[n - 1]!)
      expect(acc.root(), `size ${n}`).toEqual(roots[n])
      expect(rootOf(leaves.slice(0, n))).toEqual(roots[n])
      expect(hasher.root(0, n)).toEqual(roots[n])
      for (let start = 0; start < n; start += 3) expect(hasher.root(start, n)).toEqual(mth(leaves.slice(start, n)))
    }
  })

  it('appending whole aligned subtrees, and the perfect subtrees covering a part of a page, gives the MTH', () => {
    // Pages of 8 leaves added as one subtree each; every size inside a page from the page's own frontier.
    const page = 8
    const acc = new MerkleAccumulator()
    for (let start = 0; start + page <= MAX; start += page) {
      for (let n = 1; n < page; n++) {
        // The perfect subtrees covering leaves start … start+n-1, largest first: one per set bit of n.
        const covering: string[] = []
        for (let size = 4, at = start; size >= 1; size /= 2) {
          if (n & size) covering.push(mth(leaves.slice(at, (at += size))).toString('hex'))
        }
        const head = acc.clone()
        head.appendRange(covering, n)
        expect(head.root(), `size ${start + n}`).toEqual(roots[start + n])
      }
      acc.appendSubtree(mth(leaves.slice(start, start + page)).toString('hex'), page)
      expect(acc.root(), `size ${start + page}`).toEqual(roots[start + page])
    }
    for (let n = acc.size; n < MAX; n++) acc.appendSubtree(leaves[n]!.toString('hex'), 1)
    expect(acc.root()).toEqual(roots[MAX])
    expect(() => acc.appendSubtree(leaves[0]!.toString('hex'), 16)).toThrow(/cannot append a subtree of 16 leaves at size 40/)
    expect(() => acc.appendSubtree(leaves[0]!.toString('hex'), 3)).toThrow(RangeError)
    expect(() => new MerkleAccumulator().appendRange([leaves[0]!.toString('hex')], 3)).toThrow(/1 subtree roots cannot cover 3 leaves/)
  })

  it('every inclusion proof matches PATH(m, D[n]), verifies, and every corruption of it fails', () => {
    let checked = 0
    for (let n = 1; n <= MAX; n++) {
      const hasher = new SubtreeHasher((start, end) => leaves.slice(start, end), 4)
      for (let m = 0; m < n; m++) {
        const proof = inclusionProof(m, n, hasher)
        expect(proof).toEqual(path(m, leaves.slice(0, n)))
        expect(verifyInclusion(m, n, leaves[m]!, proof, roots[n]!), `leaf ${m} of ${n}`).toBe(true)
        expect(accepted(corruptInclusion(m, n, leaves[m]!, proof, roots[n]!)), `leaf ${m} of ${n}`).toEqual([])
        checked++
      }
    }
    expect(checked).toBe((MAX * (MAX + 1)) / 2)
  })

  it('every consistency proof matches PROOF(m, D[n]), verifies, and every corruption of it fails', () => {
    for (let n = 1; n <= MAX; n++) {
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(m, n, leaves)
        expect(proof).toEqual(m === 0 || m === n ? [] : subproof(m, leaves.slice(0, n), true))
        expect(verifyConsistency(m, n, roots[m]!, roots[n]!, proof), `${m} → ${n}`).toBe(true)
        if (proof.length > 0) expect(accepted(corruptConsistency(m, n, roots[m]!, roots[n]!, proof)), `${m} → ${n}`).toEqual([])
        // A different history of the same sizes must not verify.
        if (m > 0 && m < n) {
          const forged = leaves.slice(0, n).map((leaf, i) => (i === m - 1 ? SOME_HASH : leaf))
          expect(verifyConsistency(m, n, roots[m]!, mth(forged), consistencyProof(m, n, forged))).toBe(false)
        }
      }
    }
  })
})

describe('proofs over leaves read asynchronously (the store)', () => {
  it('give the same roots and proofs as the synchronous hasher at every size and index', async () => {
    const MAX = 40
    const leaves = leavesFor(MAX)
    for (let n = 1; n <= MAX; n++) {
      const hasher = new SubtreeHasher(async (start, end) => leaves.slice(start, end), 4)
      expect(await hasher.rootAsync(0, n)).toEqual(rootOf(leaves.slice(0, n)))
      for (let m = 0; m < n; m++) expect(await inclusionProofAsync(m, n, hasher)).toEqual(inclusionProof(m, n, leaves))
      for (let m = 0; m <= n; m++) expect(await consistencyProofAsync(m, n, hasher)).toEqual(consistencyProof(m, n, leaves))
    }
    const asyncOnly = new SubtreeHasher(async (start, end) => leaves.slice(start, end), 4)
    expect(() => asyncOnly.root(0, 3)).toThrow(/rootAsync/)
    await expect(inclusionProofAsync(5, 5, asyncOnly)).rejects.toThrow(RangeError)
    await expect(consistencyProofAsync(6, 5, asyncOnly)).rejects.toThrow(RangeError)
  })
})

describe('seeding proofs from the tree head rebuild', () => {
  it('a hasher seeded with the subtrees the accumulator completes gives the same proofs without rereading those leaves', () => {
    const leaves = Array.from({length: 1000}, (_, i) => hashLeaf(Buffer.from(`leaf ${i}`)))
    let reads = 0
    const counted = (start: number, end: number) => {
      reads += end - start
      return leaves.slice(start, end)
    }
    const seeded = new SubtreeHasher(counted, 16)
    const acc = new MerkleAccumulator()
    for (const leaf of leaves) acc.append(leaf, (end, size, rootHex) => seeded.remember(end - size, end, Buffer.from(rootHex, 'hex')))
    for (const from of [1, 300, 512, 999]) expect(consistencyProof(from, 1000, seeded)).toEqual(consistencyProof(from, 1000, leaves))
    expect(inclusionProof(123, 1000, seeded)).toEqual(inclusionProof(123, 1000, leaves))
    // Only ranges of at most 16 leaves at the right edge are read; the perfect subtrees come from the seed.
    expect(reads).toBeLessThan(200)
  })
})
