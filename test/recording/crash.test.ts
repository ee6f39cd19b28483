/**
 * The recorder through a crash and a restart: the Core's process and its ffmpeg are killed (SIGKILL)
 * in the middle of a segment. The next start seals what the cut segment holds (all but its unfinished
 * fragment), leaves no plain-text video behind, and records the downtime as a gap in the signed chain.
 */
import {spawn} from 'node:child_process'
import {createPublicKey} from 'node:crypto'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {chainProblem, openSealed} from '../../src/lib/core/recording/chain.js'
import {CoreRecordings} from '../../src/lib/core/recording/index.js'
import {recordingKey, recordingPaths, writeRecordingSettings} from '../../src/lib/core/recording/settings.js'
import {readCoreConfig, readIdentityPem} from '../../src/lib/core/config.js'
import {loadPrivateKey} from '../../src/lib/core/identity.js'
import type {ChainEntry} from '../../src/lib/domain/recording.js'
import {measureDuration} from '../../src/lib/media/probe.js'
import {type SimulatorHandle, startSimulatedCameras} from '../../src/lib/onvif/simulator/index.js'
import {removeDir, tempDir} from '../helpers/server.js'
import {CAMERA_CREDENTIALS, until} from '../core/helpers.js'
import {offlineCore} from './helpers.js'

const SEGMENT_SECONDS = 4

let sim: SimulatorHandle
let dir: string
let cameraId: string
let folder: string

const chain = (): ChainEntry[] => (existsSync(join(folder, 'chain.jsonl')) ? readFileSync(join(folder, 'chain.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ChainEntry) : [])

beforeAll(async () => {
  sim = await startSimulatedCameras({count: 1, host: '127.0.10.21', credentials: CAMERA_CREDENTIALS, multicast: false, width: 320, height: 180, fps: 10})
  dir = tempDir('rtcc-core-crash-')
  cameraId = offlineCore(dir, sim).config.cameras[0]!.id
  folder = join(recordingPaths(dir).root, cameraId)
  writeRecordingSettings(dir, {segmentSeconds: SEGMENT_SECONDS, cameras: {[cameraId]: {on: true, retentionSeconds: 3600, maxDiskBytes: 2 ** 30}}})
})

afterAll(async () => {
  await sim?.stop()
  if (dir) removeDir(dir)
})

describe('a Core killed in the middle of a segment', () => {
  it('loses at most the unfinished fragment, keeps no plain text after restart, and records the gap', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'recorder-child.ts'), dir], {stdio: ['ignore', 'pipe', 'pipe']})
    let pids: Record<string, number> = {}
    let log = ''
    child.stdout.on('data', (d: Buffer) => (pids = JSON.parse(d.toString().trim().split('\n').pop()!) as Record<string, number>))
    child.stderr.on('data', (d: Buffer) => (log += d))
    try {
      await until(() => chain().some((e) => e.kind === 'segment'), `a sealed segment (recorder log: ${log})`, 30_000)
      // Half way through the next segment.
      await sleep((SEGMENT_SECONDS / 2) * 1000)
      const open = readdirSync(join(folder, 'open'))
      expect(open).toHaveLength(1)
      const ffmpeg = pids[cameraId]!
      process.kill(ffmpeg, 'SIGKILL')
      child.kill('SIGKILL')
    } finally {
      child.kill('SIGKILL')
    }
    await new Promise((resolve) => child.once('close', resolve))
    const killedAt = Date.now()
    const left = readdirSync(join(folder, 'open'))
    expect(left).toHaveLength(1)
    const plain = join(folder, 'open', left[0]!)
    const cutSeconds = await measureDuration(plain)
    // The cut segment was written until the kill: all of it but the fragment in progress (one keyframe interval) plays.
    const writtenSeconds = (statSync(plain).mtimeMs - statSync(plain).birthtimeMs) / 1000
    expect(cutSeconds).toBeGreaterThan(0)
    expect(cutSeconds! + 1.2).toBeGreaterThanOrEqual(Math.min(writtenSeconds, SEGMENT_SECONDS / 2) - 0.5)
    const before = chain().length

    // Restart: the recorder seals the left-over segment, then records on.
    await sleep(1000)
    const identity = loadPrivateKey(readIdentityPem(dir))
    const recordings = new CoreRecordings({dir, identity, backoff: {baseMs: 200, maxMs: 1000}, log: () => undefined})
    await recordings.sync(readCoreConfig(dir))
    const recovered = chain()[before]!
    expect(recovered).toMatchObject({kind: 'segment'})
    const opened = openSealed(recordingKey(dir), cameraId, recovered.seq, readFileSync(join(folder, recovered.file!)), recovered.file!)
    expect(opened.length).toBe(statSync(plain, {throwIfNoEntry: false})?.size ?? opened.length)
    await until(() => chain().length > before + 2, 'recording to carry on after the restart', 30_000)
    await recordings.stop()

    const entries = chain()
    const gap = entries.slice(before).find((e) => e.kind === 'gap')
    expect(gap?.reason).toMatch(/not recording/)
    expect(Date.parse(gap!.start)).toBeLessThanOrEqual(killedAt)
    expect(chainProblem(entries, createPublicKey(identity).export({format: 'pem', type: 'spki'}).toString(), coreId(), cameraId)).toBeNull()
    // After a clean stop nothing plain is left anywhere.
    const plainLeft = readdirSync(folder, {recursive: true}).map(String).filter((f) => f.endsWith('.mp4'))
    expect(plainLeft).toEqual([])
  }, 90_000)
})

function coreId(): string {
  return (JSON.parse(readFileSync(join(dir, 'core.json'), 'utf8')) as {coreId: string}).coreId
}
