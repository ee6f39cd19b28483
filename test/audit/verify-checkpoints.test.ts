/**
 * Verify checks checkpoint signatures lazily, in the order of the sizes the notes claim, while pages
 * are hashed (src/lib/audit/verify-checkpoints.ts). These tests pin that the result is exactly what
 * checking every signature first gave: the expected roots in size order, the problems in stored
 * order, and the checks happen only as far as asked.
 */
import {generateKeyPairSync} from 'node:crypto'

import {describe, expect, it} from 'vitest'

import {signCheckpoint} from '../../src/lib/audit/note.js'
import {CheckpointChecks, claimedSize} from '../../src/lib/audit/verify-checkpoints.js'
import type {StoredCheckpoint} from '../../src/lib/store/audit.js'

const {privateKey, publicKey} = generateKeyPairSync('ed25519')
const signer = {name: 'rtcc.test/audit', privateKey, publicKey}
const root = (byte: number): Buffer => Buffer.alloc(32, byte)
const stored = (size: number, origin = 'rtcc.test/audit'): StoredCheckpoint => ({
  size,
  rootHash: root(size),
  note: signCheckpoint({origin, size, rootHash: root(size)}, signer),
  createdAt: '2026-01-01T00:00:00.000Z',
})

describe('checkpoint checks in claimed-size order', () => {
  it('reads the claimed size of a note without checking it', () => {
    expect(claimedSize(stored(40).note)).toBe(40)
    expect(claimedSize('rtcc.test/audit\nmany\n')).toBe(Number.NEGATIVE_INFINITY)
  })

  it('checks only as far as asked, and yields the roots in size order whatever the stored order', () => {
    // Stored out of size order (ORDER BY size reads the column, which a tamperer may change).
    const moved = {...stored(30), size: 5}
    const checks = new CheckpointChecks([moved, stored(10), stored(20)], signCheckpoint({origin: 'rtcc.test/audit', size: 20, rootHash: root(20)}, signer), {publicKey})
    checks.upTo(15)
    expect(checks.expected.map((e) => e.size)).toEqual([10])
    checks.upTo(20)
    expect(checks.expected.map((e) => e.label)).toEqual(['signed checkpoint at size 10', 'signed checkpoint at size 20', 'saved checkpoint at size 20'])
    expect(checks.report()).toEqual({problems: ['checkpoint at size 5: its columns do not match its signed note (size 30)'], newestSigned: 30})
    expect(checks.expected.map((e) => e.size)).toEqual([10, 20, 20, 30])
  })

  it('reports bad signatures in stored order, then the saved checkpoint, then a mix of logs', () => {
    const forged = {...stored(20), note: stored(20).note.replace('\n20\n', '\n21\n')}
    const other = stored(30, 'elsewhere.test/audit')
    const checks = new CheckpointChecks([stored(10), forged, other], signCheckpoint({origin: 'third.test/audit', size: 10, rootHash: root(10)}, signer), {publicKey})
    while (checks.checkNext());
    expect(checks.report()).toEqual({
      problems: [
        expect.stringMatching(/^checkpoint at size 20: the signature by rtcc.test\/audit does not verify/),
        'the saved checkpoint is for log "third.test/audit", not "rtcc.test/audit", "elsewhere.test/audit"',
        'checkpoints name more than one log: rtcc.test/audit, elsewhere.test/audit, third.test/audit',
      ],
      newestSigned: 30,
    })
    expect(checks.expected.map((e) => e.size)).toEqual([10, 10, 30])
  })

  it('reports a saved checkpoint that is not a signed note', () => {
    const checks = new CheckpointChecks([stored(10)], 'not a checkpoint\n', {publicKey})
    expect(checks.report().problems).toEqual([expect.stringMatching(/^saved checkpoint: not a signed note/)])
  })
})
