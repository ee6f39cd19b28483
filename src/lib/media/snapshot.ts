/** Grabs one frame of a stream, file or snapshot URI as a JPEG. */
import {ffmpegPath} from './ffmpeg.js'
import {assertReadable, inputArgs, type MediaSourceOptions} from './probe.js'
import {mediaError, runMediaTool} from './run.js'

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff])

export async function snapshot(input: string, options: MediaSourceOptions = {}): Promise<Buffer> {
  assertReadable(input)
  const run = {source: input, action: 'snapshot', timeoutMs: options.timeoutMs ?? 10_000}
  const args = ['-hide_banner', '-loglevel', 'error', ...inputArgs(input), '-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1']
  const {stdout, stderr} = await runMediaTool(ffmpegPath(), args, run)
  if (!stdout.subarray(0, 3).equals(JPEG_MAGIC)) throw mediaError('not_video', stderr, run)
  return stdout
}
