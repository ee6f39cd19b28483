/**
 * Recording on the Core, on this machine:
 *  - Core CPU per recording camera: the recorder in a process of its own (the Core's recorder code,
 *    from the sources) recording N = 1, 8, 16 "cameras" that all pull one simulated RTSP stream
 *    (640x360, 10 fps H.264, encoded once), so each is a real ffmpeg stream copy into segments that the
 *    Core seals; CPU of that process and its ffmpeg children over a window, per camera (/proc, Linux).
 *    The figure: about 1 % of a core per camera or less.
 *  - Disk bytes per camera-hour: the sealed segments written during the 1-camera window, extrapolated
 *    to an hour (a short run, not an hour's recording), against the camera's own bitrate measured in
 *    the same run (its raw H.264 elementary stream copied for the same time).
 *  - Pull of a 5-minute window: five minutes of the same video, made offline and sealed as 1-minute
 *    segments in a signed chain, then cut as a pull does (decrypt, hash check, chain check, ffmpeg
 *    stream copy), against reading the same sealed bytes from disk. The upload to the server is not
 *    included (it is the evidence bench's upload path).
 */
import {spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {fileURLToPath} from 'node:url'

import {corePaths, writeCoreConfig, writePrivateFile} from '../src/lib/core/config.js'
import {generateIdentity, loadPrivateKey} from '../src/lib/core/identity.js'
import {CameraChain, sealBytes, sha256} from '../src/lib/core/recording/chain.js'
import {cutWindow} from '../src/lib/core/recording/cut.js'
import {writeRecordingSettings} from '../src/lib/core/recording/settings.js'
import {CORE_CONFIG_FORMAT} from '../src/lib/domain/core.js'
import {newId} from '../src/lib/domain/ids.js'
import {ffmpegPath} from '../src/lib/media/ffmpeg.js'
import {inputArgs} from '../src/lib/media/probe.js'
import {withCredentials} from '../src/lib/media/redact.js'
import {runMediaTool} from '../src/lib/media/run.js'
import {startSimulatedCameras} from '../src/lib/onvif/simulator/index.js'
import {cpuPercent} from './lib/cpu.js'

const LEVELS = [1, 8, 16]
const SEGMENT_SECONDS = 2
const WARMUP_MS = 5000
const WINDOW_MS = 10_000
const PULL_MINUTES = 5
const CREDENTIALS = {user: 'admin', password: 'bench-pass-1'}
const root = fileURLToPath(new URL('..', import.meta.url))
const round1 = (n: number) => Math.round(n * 10) / 10

function sealedBytes(dir: string): number {
  let total = 0
  for (const entry of readdirSync(dir, {recursive: true}).map(String)) if (entry.endsWith('.seg')) total += statSync(join(dir, entry)).size
  return total
}

/** A Core folder with `count` cameras on one RTSP URL, all recording. */
function coreWith(count: number, rtspUrl: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-rec-'))
  writePrivateFile(corePaths(dir).identity, generateIdentity().privateKeyPem)
  const now = new Date().toISOString()
  const cameras = Array.from({length: count}, (_, i) => ({id: newId('cam'), name: `Cam ${i}`, rtspUrl, credentials: CREDENTIALS, deviceServiceUrl: null, make: null, model: null, addedAt: now}))
  writeCoreConfig(dir, {
    format: CORE_CONFIG_FORMAT, version: 1, coreId: newId('core'), name: 'bench', ownerId: newId('own'),
    server: {url: 'https://127.0.0.1:9', fingerprint: Array(32).fill('00').join(':'), certPem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n'},
    site: {latitude: 0, longitude: 0, address: null, locationType: 'business'}, ownerPolicyKey: null, cameras, enrolledAt: now,
  })
  writeRecordingSettings(dir, {segmentSeconds: SEGMENT_SECONDS, cameras: Object.fromEntries(cameras.map((c) => [c.id, {on: true, retentionSeconds: 86_400, maxDiskBytes: 2 ** 40}]))})
  return dir
}

async function recordingLevel(count: number, rtspUrl: string): Promise<{cameras: number; cpuPercent: number; cpuPerCameraPercent: number; sealedBytesPerSecond: number}> {
  const dir = coreWith(count, rtspUrl)
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/recording/recorder-child.ts'), dir], {cwd: root, stdio: ['ignore', 'ignore', 'ignore']})
  try {
    await sleep(WARMUP_MS)
    const before = sealedBytes(dir)
    const started = performance.now()
    const cpu = await cpuPercent(child.pid!, WINDOW_MS)
    const seconds = (performance.now() - started) / 1000
    return {cameras: count, cpuPercent: cpu, cpuPerCameraPercent: round1(cpu / count), sealedBytesPerSecond: Math.round((sealedBytes(dir) - before) / count / seconds)}
  } finally {
    child.kill('SIGKILL')
    await new Promise((resolve) => child.once('close', resolve))
    rmSync(dir, {recursive: true, force: true})
  }
}

/** The camera's own bitrate: its H.264 elementary stream, copied for `seconds`. */
async function streamBytesPerSecond(rtspUrl: string, seconds: number): Promise<number> {
  const url = withCredentials(rtspUrl, CREDENTIALS.user, CREDENTIALS.password)
  const {stdout} = await runMediaTool(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', ...inputArgs(url), '-t', String(seconds), '-map', '0:v:0', '-c', 'copy', '-f', 'h264', 'pipe:1'], {source: rtspUrl, action: 'measure', timeoutMs: (seconds + 20) * 1000})
  return Math.round(Buffer.from(stdout).length / seconds)
}

/** Five minutes of video as sealed 1-minute segments; then a pull of all of it against reading the bytes. */
async function pullFigures(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-pull-'))
  try {
    const raw = join(dir, 'raw')
    mkdirSync(raw)
    await runMediaTool(
      ffmpegPath(),
      ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=10:duration=${PULL_MINUTES * 60}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10', '-pix_fmt', 'yuv420p',
        '-f', 'segment', '-segment_time', '60', '-reset_timestamps', '1', '-segment_format', 'mp4', '-segment_format_options', 'movflags=frag_keyframe+empty_moov+default_base_moof', join(raw, '%03d.mp4')],
      {source: 'testsrc2', action: 'encode', timeoutMs: 600_000},
    )
    const identity = generateIdentity()
    const key = Buffer.alloc(32, 3)
    const cameraId = newId('cam')
    const chain = new CameraChain(join(dir, 'rec'), newId('core'), cameraId)
    const t0 = Date.now() - PULL_MINUTES * 60_000
    for (const [i, name] of readdirSync(raw).sort().entries()) {
      const plain = readFileSync(join(raw, name))
      const seq = chain.nextSeq
      writeFileSync(chain.segmentFile(seq), sealBytes(key, cameraId, seq, plain))
      chain.append({kind: 'segment', start: new Date(t0 + i * 60_000).toISOString(), end: new Date(t0 + (i + 1) * 60_000).toISOString(), sha256: sha256(plain), bytes: plain.length, file: `${String(seq).padStart(9, '0')}.seg`, reason: null, cameraClockOffsetSeconds: null}, loadPrivateKey(identity.privateKeyPem))
    }
    const files = readdirSync(chain.folder).filter((f) => f.endsWith('.seg')).map((f) => join(chain.folder, f))
    let readMs = Infinity
    for (let i = 0; i < 3; i++) {
      const start = performance.now()
      for (const f of files) readFileSync(f)
      readMs = Math.min(readMs, performance.now() - start)
    }
    const window = {from: new Date(t0).toISOString(), to: new Date(t0 + PULL_MINUTES * 60_000).toISOString()}
    const start = performance.now()
    const clip = await cutWindow({chain, key, publicKeyPem: identity.publicKeyPem, window, tempRoot: dir, cameraClockOffsetSeconds: null})
    const pullMs = performance.now() - start
    const clipBytes = clip.manifest.clip.bytes
    clip.cleanup()
    const segmentBytes = files.reduce((sum, f) => sum + statSync(f).size, 0)
    return {
      windowMinutes: PULL_MINUTES, segments: files.length, sealedBytes: segmentBytes, clipBytes,
      pullMs: Math.round(pullMs), readFromDiskMs: round1(readMs), pullVsDiskReadRatio: round1(pullMs / readMs),
      note: 'the read is from the page cache (the segments were just written): the floor any pull has to pay; the pull adds decryption, two SHA-256 passes, a plain copy in a private temp folder and the ffmpeg concat-and-cut',
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const sim = await startSimulatedCameras({count: 1, host: '127.0.9.92', credentials: CREDENTIALS, multicast: false, width: 640, height: 360, fps: 10})
  try {
    const rtspUrl = sim.cameras[0]!.streams[0]!.rtspUrl
    const levels = []
    for (const n of LEVELS) levels.push(await recordingLevel(n, rtspUrl))
    const streamRate = await streamBytesPerSecond(rtspUrl, WINDOW_MS / 1000)
    const one = levels[0]!
    const diskPerHour = one.sealedBytesPerSecond * 3600
    return {
      source: '1 simulated camera, 640x360 10 fps H.264, pulled by every recorder',
      segmentSeconds: SEGMENT_SECONDS,
      recording: levels,
      cpuPerCameraPercentAt16: levels.at(-1)!.cpuPerCameraPercent,
      cpuPerCameraVsOnePercentOfACore: round1(levels.at(-1)!.cpuPerCameraPercent / 1),
      disk: {
        streamBytesPerSecond: streamRate,
        sealedBytesPerCameraHour: diskPerHour,
        diskVsStreamRatio: Math.round((one.sealedBytesPerSecond / streamRate) * 1000) / 1000,
        note: `extrapolated from ${WINDOW_MS / 1000} s of recording to an hour; the difference to the stream is MP4 fragment headers and 44 bytes of sealing per segment`,
      },
      pull: await pullFigures(),
    }
  } finally {
    await sim.stop()
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) console.log(JSON.stringify(await run(), null, 2))
