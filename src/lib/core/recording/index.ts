/**
 * The Core's recordings: one recorder per camera the owner set to record (recording.json), started and
 * stopped as the settings change, and the answers to an investigator's list or pull once the agent's
 * policy check allowed it. A pull's clip goes to the server over pinned TLS 1.3 on a one-time upload
 * token, then its manifest (segment hashes, the signed chain head) follows on the link.
 */
import {createPublicKey, type KeyObject} from 'node:crypto'
import {createReadStream, existsSync, mkdirSync, readdirSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {ApiClient} from '../../client/api.js'
import type {CoreCameraConfig, CoreConfig, DecisionMessage, RecordingAnswerMessage, RecordingRequestMessage} from '../../domain/core.js'
import {UPLOAD_PATH} from '../../domain/recording.js'
import {parseDeviceTime, soapCall} from '../../onvif/device-client.js'
import type {BackoffPolicy} from '../backoff.js'
import {gapsIn, rangesIn} from './catalogue.js'
import {CameraChain} from './chain.js'
import {cutWindow} from './cut.js'
import {CameraRecorder} from './recorder.js'
import {readRecordingSettings, recordingKey, recordingPaths} from './settings.js'

export interface RecordingsOptions {
  dir: string
  identity: KeyObject
  backoff: BackoffPolicy
  log: (line: string) => void
}

export class CoreRecordings {
  private readonly recorders = new Map<string, CameraRecorder>()
  private readonly clockOffsets = new Map<string, number | null>()
  private readonly publicKeyPem: string

  constructor(private readonly o: RecordingsOptions) {
    this.publicKeyPem = createPublicKey(o.identity).export({format: 'pem', type: 'spki'}).toString()
    // A pull's plain copies live in recordings/pull-*; one cut short by a crash goes now.
    const root = recordingPaths(o.dir).root
    for (const name of existsSync(root) ? readdirSync(root) : []) if (name.startsWith('pull-')) rmSync(join(root, name), {recursive: true, force: true})
  }

  /** Starts recorders for cameras set to record, stops the others. */
  async sync(config: CoreConfig): Promise<void> {
    const settings = readRecordingSettings(this.o.dir)
    for (const [cameraId, recorder] of [...this.recorders]) {
      if (settings.cameras[cameraId]?.on && config.cameras.some((c) => c.id === cameraId)) continue
      this.recorders.delete(cameraId)
      await recorder.stop()
      this.o.log(`recording of ${cameraId} off`)
    }
    for (const camera of config.cameras) {
      if (!settings.cameras[camera.id]?.on || this.recorders.has(camera.id)) continue
      const recorder = new CameraRecorder({
        folder: this.folder(camera.id),
        coreId: config.coreId,
        identity: this.o.identity,
        key: recordingKey(this.o.dir),
        camera,
        settings: () => readRecordingSettings(this.o.dir).cameras[camera.id] ?? settings.cameras[camera.id]!,
        segmentSeconds: settings.segmentSeconds,
        backoff: this.o.backoff,
        clockOffset: () => this.clockOffsets.get(camera.id) ?? null,
        log: this.o.log,
      })
      this.recorders.set(camera.id, recorder)
      void this.measureClock(camera)
      await recorder.start()
      this.o.log(`recording ${camera.id} (${camera.name}) in ${settings.segmentSeconds} s segments`)
    }
  }

  async stop(): Promise<void> {
    const all = [...this.recorders.values()]
    this.recorders.clear()
    await Promise.all(all.map((r) => r.stop()))
  }

  /** Which cameras record, for the server's registry. */
  status(config: CoreConfig): {cameraId: string; on: boolean; retentionDays: number; autoAnswer: boolean}[] {
    const settings = readRecordingSettings(this.o.dir)
    return config.cameras.map((c) => {
      const s = settings.cameras[c.id]
      return {cameraId: c.id, on: s?.on ?? false, retentionDays: (s?.retentionSeconds ?? 0) / 86_400, autoAnswer: Boolean(s?.on && s.autoAnswer)}
    })
  }

  /** ffmpeg pids per camera: for tests and status. */
  pids(): Record<string, number | undefined> {
    return Object.fromEntries([...this.recorders].map(([id, r]) => [id, r.pid]))
  }

  /** The answer to a list or pull the policy allowed. */
  async answer(config: CoreConfig, request: RecordingRequestMessage, decision: DecisionMessage): Promise<RecordingAnswerMessage> {
    const base = {type: 'recording.answer' as const, requestId: request.requestId, decision}
    const chain = this.chain(config.coreId, request.cameraId)
    if (request.op === 'list') return {...base, ranges: rangesIn(chain, request.window), gaps: gapsIn(chain, request.window)}
    let clip
    try {
      clip = await cutWindow({chain, key: recordingKey(this.o.dir), publicKeyPem: this.publicKeyPem, window: request.window, tempRoot: recordingPaths(this.o.dir).root, cameraClockOffsetSeconds: this.clockOffsets.get(request.cameraId) ?? null})
    } catch (error) {
      return {...base, error: (error as Error).message.slice(0, 500)}
    }
    try {
      await upload(config.server, clip.file, request.uploadToken ?? '')
      return {...base, manifest: clip.manifest}
    } catch (error) {
      return {...base, error: `the upload to the server failed: ${(error as Error).message}`.slice(0, 500)}
    } finally {
      clip.cleanup()
    }
  }

  private folder(cameraId: string): string {
    return join(recordingPaths(this.o.dir).root, cameraId)
  }

  private chain(coreId: string, cameraId: string): CameraChain {
    const running = this.recorders.get(cameraId)?.chain
    if (running) return running
    mkdirSync(recordingPaths(this.o.dir).root, {recursive: true, mode: 0o700})
    return new CameraChain(this.folder(cameraId), coreId, cameraId)
  }

  /** Camera clock minus Core clock from ONVIF GetSystemDateAndTime (whole seconds, as ONVIF states it). */
  private async measureClock(camera: CoreCameraConfig): Promise<void> {
    if (!camera.deviceServiceUrl) return void this.clockOffsets.set(camera.id, null)
    try {
      const reply = await soapCall(camera.deviceServiceUrl, '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>', {timeoutMs: 5000})
      const at = parseDeviceTime(reply)
      this.clockOffsets.set(camera.id, at ? Math.round((at.getTime() - Date.now()) / 1000) : null)
    } catch {
      this.clockOffsets.set(camera.id, null)
    }
  }
}

async function upload(server: CoreConfig['server'], file: string, token: string): Promise<void> {
  const api = new ApiClient({baseUrl: server.url, pin: {certPem: server.certPem, fingerprint: server.fingerprint}, timeoutMs: 300_000})
  const response = await api.http.post(UPLOAD_PATH.slice(1), {body: createReadStream(file), headers: {authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream'}, responseType: 'text'})
  if (response.statusCode >= 300) throw new Error(`HTTP ${response.statusCode}: ${String(response.body).slice(0, 200)}`)
}
