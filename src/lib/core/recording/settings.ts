/**
 * What the Core records (recording.json next to core.json: per camera on/off, retention and disk
 * budget, and the segment length) and the key its segments are encrypted with (recording.key, 32
 * random bytes made on first use, 0600, never leaves the Core host).
 */
import {randomBytes} from 'node:crypto'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import type {z} from 'zod'

import {DEFAULT_MAX_DISK_BYTES, DEFAULT_RETENTION_SECONDS, type RecordingCameraSettings, RecordingSettings} from '../../domain/recording.js'
import {RtccError, usageError} from '../../errors.js'
import {corePaths, ensureCoreDir, readJsonFile, writePrivateFile} from '../config.js'
import {localCamera} from '../local-policy.js'

export const recordingPaths = (dir: string) => ({
  settings: join(dir, 'recording.json'),
  key: join(dir, 'recording.key'),
  /** One folder per camera: sealed segments, the open one, and chain.jsonl. */
  root: join(dir, 'recordings'),
})

export function readRecordingSettings(dir: string): RecordingSettings {
  const file = recordingPaths(dir).settings
  if (!existsSync(file)) return {segmentSeconds: 60, cameras: {}}
  return readJsonFile(file, RecordingSettings, 'recording settings')
}

export function writeRecordingSettings(dir: string, settings: z.input<typeof RecordingSettings>): void {
  ensureCoreDir(dir)
  writePrivateFile(recordingPaths(dir).settings, JSON.stringify(RecordingSettings.parse(settings), null, 2) + '\n')
}

export interface RecordingChanges {
  on?: boolean
  retentionSeconds?: number
  maxDiskBytes?: number
  autoAnswer?: boolean
}

/** `rtcc core camera record`: turns a camera's recording on or off and sets its limits. */
export function setCameraRecording(dir: string, camera: string, changes: RecordingChanges): {cameraId: string; cameraName: string; settings: RecordingCameraSettings} {
  const {id, name} = localCamera(dir, camera)
  const all = readRecordingSettings(dir)
  const current = all.cameras[id] ?? {on: false, retentionSeconds: DEFAULT_RETENTION_SECONDS, maxDiskBytes: DEFAULT_MAX_DISK_BYTES, autoAnswer: false}
  const settings = {
    on: changes.on ?? current.on,
    retentionSeconds: Math.round((changes.retentionSeconds ?? current.retentionSeconds)),
    maxDiskBytes: changes.maxDiskBytes ?? current.maxDiskBytes,
    autoAnswer: changes.autoAnswer ?? current.autoAnswer,
  }
  if (settings.retentionSeconds < 60) throw usageError(`--retention must be at least a minute, not ${settings.retentionSeconds} s`)
  writeRecordingSettings(dir, {...all, cameras: {...all.cameras, [id]: settings}})
  return {cameraId: id, cameraName: name, settings}
}

/** The segment key, made on first use. */
export function recordingKey(dir: string): Buffer {
  const file = recordingPaths(dir).key
  if (!existsSync(file)) {
    ensureCoreDir(corePaths(dir).dir)
    writePrivateFile(file, randomBytes(32).toString('base64') + '\n')
  }
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')
  if (key.length !== 32) throw new RtccError('the recording key is not 32 bytes', {code: 'invalid_file', where: file, hint: 'Restore recording.key from a backup; without it the recordings cannot be read.'})
  return key
}
