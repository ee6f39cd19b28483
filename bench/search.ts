/**
 * AI search: detector throughput against the bare model, and indexing speed against footage duration.
 *
 * - `detectorFps` is `detect(frame)` on a 512×288 frame (resize, inference, boxes); `bareModelFps` is
 *   the same model's execute() on a ready [1,512,512,3] tensor in the same run: the limit.
 * - Indexing: 10 fps 640×360 H.264 footage made with ffmpeg from basketball1.png (opencv-doc): "quiet"
 *   is the still street-like scene with sensor noise (the motion gate should skip it), "busy" a
 *   constant pan (every decoded frame goes to the detector). A few minutes of each are measured and
 *   extrapolated to one hour (`...SecondsPerHour`, stated as an extrapolation). Goal: quiet < 300 s/h.
 */
import {execFileSync} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {availableParallelism, loadavg, tmpdir} from 'node:os'
import {join} from 'node:path'

import {ffmpegPath} from '../src/lib/media/ffmpeg.js'
import {loadCenterNet, loadDetector, MODEL_IO} from '../src/lib/search/detector.js'
import {indexVideo} from '../src/lib/search/index-video.js'

const PICTURE = '/usr/share/doc/opencv-doc/examples/data/basketball1.png'
const FRAMES = Number(process.env.BENCH_SEARCH_FRAMES ?? 20)
const QUIET_SECONDS = Number(process.env.BENCH_SEARCH_QUIET_SECONDS ?? 180)
const BUSY_SECONDS = Number(process.env.BENCH_SEARCH_BUSY_SECONDS ?? 60)

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits

function footage(out: string, seconds: number, busy: boolean): string {
  const moving = busy ? `crop=640:360:x='mod(t*20,80)':y=40` : 'crop=640:360:x=40:y=40,noise=alls=4:allf=t'
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-loop', '1', '-i', PICTURE, '-t', String(seconds), '-vf', `scale=720:-2,${moving},fps=10`, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', out])
  return out
}

/** Frames per second of two steps timed in turns, so load from other processes hits both alike. */
async function interleavedFps(frames: number, a: () => Promise<unknown>, b: () => Promise<unknown>): Promise<[number, number]> {
  await a()
  await b()
  const spent = [0, 0]
  for (let i = 0; i < frames; i++) {
    for (const [k, step] of [a, b].entries()) {
      const started = performance.now()
      await step()
      spent[k]! += performance.now() - started
    }
  }
  return [frames / (spent[0]! / 1000), frames / (spent[1]! / 1000)]
}

export async function run(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'rtcc-bench-search-'))
  try {
    const {tf, model} = await loadCenterNet()
    const detector = await loadDetector()
    const input = tf.randomUniform([1, MODEL_IO.size, MODEL_IO.size, 3], 0, 255)
    const frame = {width: 512, height: 288, data: new Uint8Array(512 * 288 * 3).map((_, i) => (i * 37) % 256)}
    const [bareModelFps, detectorFps] = await interleavedFps(
      FRAMES,
      async () => {
        const output = model.execute({[MODEL_IO.input]: input}, MODEL_IO.output) as import('@tensorflow/tfjs-core').Tensor
        await output.data()
        output.dispose()
      },
      () => detector.detect(frame),
    )
    input.dispose()
    model.dispose()

    const index = async (seconds: number, busy: boolean) => {
      const file = footage(join(dir, busy ? 'busy.mp4' : 'quiet.mp4'), seconds, busy)
      const started = performance.now()
      const result = await indexVideo(file, detector)
      const elapsed = (performance.now() - started) / 1000
      return {footageSeconds: seconds, elapsedSeconds: round(elapsed), realTimeFactor: round(seconds / elapsed, 1), detectorRuns: result.detectorRuns, frames: result.frames, extrapolatedSecondsPerHour: round((elapsed * 3600) / seconds, 0)}
    }
    const quiet = await index(QUIET_SECONDS, false)
    const busy = await index(BUSY_SECONDS, true)
    detector.dispose()
    return {
      bareModelFps: round(bareModelFps),
      detectorFps: round(detectorFps),
      detectorToBareRatio: round(detectorFps / bareModelFps),
      quiet,
      busy,
      quietHourUnder5Minutes: quiet.extrapolatedSecondsPerHour < 300,
      loadAverage: round(loadavg()[0]!),
      cores: availableParallelism(),
      note: 'per-hour figures are extrapolated from the measured footage lengths; other processes on the machine slow the detector (see loadAverage)',
    }
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}
