/**
 * Retention on the Core, without cameras: a chain of sealed segments is trimmed oldest first by age
 * and by the camera's disk budget (a budget stands in for a small disk: a tmpfs needs root), its
 * entries stay as proof, and a tiny budget keeps the folder under it.
 */
import {writeFileSync} from 'node:fs'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {generateIdentity, loadPrivateKey} from '../../src/lib/core/identity.js'
import {CameraChain, sealBytes, sha256} from '../../src/lib/core/recording/chain.js'
import {enforceRetention, keptSegments} from '../../src/lib/core/recording/retention.js'
import {newId} from '../../src/lib/domain/ids.js'
import {removeDir, tempDir} from '../helpers/server.js'

let dir: string
const identity = loadPrivateKey(generateIdentity().privateKeyPem)
const key = Buffer.alloc(32, 7)
const cameraId = newId('cam')
const MINUTE = 60_000

/** Ten one-minute segments of 100 kB ending now. */
function chainOfTen(folder: string): CameraChain {
  const chain = new CameraChain(folder, newId('core'), cameraId)
  const now = Date.now()
  for (let i = 0; i < 10; i++) {
    const plain = Buffer.alloc(100_000, i)
    const seq = chain.nextSeq
    const file = chain.segmentFile(seq)
    writeFileSync(file, sealBytes(key, cameraId, seq, plain))
    chain.append({kind: 'segment', start: new Date(now - (10 - i) * MINUTE).toISOString(), end: new Date(now - (9 - i) * MINUTE).toISOString(), sha256: sha256(plain), bytes: plain.length, file: file.slice(folder.length + 1), reason: null, cameraClockOffsetSeconds: null}, identity)
  }
  return chain
}

beforeAll(() => (dir = tempDir('rtcc-retention-')))
afterAll(() => removeDir(dir))

describe('retention of recorded segments', () => {
  it('deletes segments past the retention, oldest first, and keeps their chain entries', () => {
    const chain = chainOfTen(`${dir}/age`)
    const deleted = enforceRetention(chain, {retentionSeconds: 5 * 60 + 30, maxDiskBytes: 2 ** 30}, () => undefined)
    expect(deleted).toBe(4)
    expect(keptSegments(chain).map((k) => k.entry.seq)).toEqual([4, 5, 6, 7, 8, 9])
    expect(new CameraChain(`${dir}/age`, chain.coreId, cameraId).entries).toHaveLength(10)
  })

  it('keeps a camera under its disk budget, deleting the oldest first', () => {
    const chain = chainOfTen(`${dir}/budget`)
    const budget = 350_000
    const log: string[] = []
    enforceRetention(chain, {retentionSeconds: 86_400, maxDiskBytes: budget}, (line) => log.push(line))
    const kept = keptSegments(chain)
    expect(kept.reduce((sum, k) => sum + k.bytes, 0)).toBeLessThanOrEqual(budget)
    expect(kept.map((k) => k.entry.seq)).toEqual([7, 8, 9])
    expect(log[0]).toMatch(/deleted segment 0 .*over the disk budget/)
  })
})
