/**
 * Decodes a video into small RGB frames at a low rate with the bundled ffmpeg: raw rgb24 on a pipe,
 * cut into frames of a known size. Time of frame n is n / fps (ffmpeg's fps filter makes it so).
 */
import {spawn} from 'node:child_process'

import {RtccError} from '../errors.js'
import {ffmpegPath} from '../media/ffmpeg.js'
import type {Frame} from './detector.js'

export interface TimedFrame extends Frame {
  seconds: number
}

/** Output size for a source: `width` wide (never upscaled), even height, aspect kept. */
export function decodeSize(source: {width: number; height: number}, width: number): {width: number; height: number} {
  const w = Math.min(width, source.width) & ~1
  return {width: w, height: Math.max(2, Math.round((source.height * w) / source.width / 2) * 2)}
}

export async function* decodeFrames(file: string, size: {width: number; height: number}, fps: number): AsyncGenerator<TimedFrame> {
  const args = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', file, '-map', '0:v:0', '-an', '-vf', `fps=${fps},scale=${size.width}:${size.height}:flags=area`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']
  const child = spawn(ffmpegPath(), args, {stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)))
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', (error) => reject(new RtccError(`could not start ffmpeg: ${error.message}`, {code: 'ffmpeg_missing'})))
    child.on('close', resolve)
  })
  const frameBytes = size.width * size.height * 3
  let pending: Buffer = Buffer.alloc(0)
  let index = 0
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk
      while (pending.length >= frameBytes) {
        // Copy: the pipe reuses nothing, but the frame may outlive `pending` (the tracker keeps best frames).
        const data = new Uint8Array(pending.subarray(0, frameBytes))
        pending = pending.subarray(frameBytes)
        yield {...size, data, seconds: index++ / fps}
      }
    }
    const code = await exited
    if (code !== 0) throw new RtccError(`ffmpeg could not decode ${file}: ${stderr.trim().split('\n').pop() ?? `exit ${code}`}`, {code: 'not_video', where: file})
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}
