/**
 * JPEG → small RGB pixel grid for the terminal thumbnail, decoded and scaled by the bundled ffmpeg
 * (no image package needed): the frame is fitted into width × height keeping its aspect ratio and
 * letterboxed in black, so the result is always exactly that size.
 */
import {spawn} from 'node:child_process'

import {ffmpegPath} from '../../lib/media/ffmpeg.js'
import {RtccError} from '../../lib/errors.js'
import type {Pixels} from '../render/half-block.js'

const DECODE_TIMEOUT_MS = 5000

export function decodeJpeg(jpeg: Buffer, width: number, height: number): Promise<Pixels> {
  const size = width * height * 3
  const filter = `scale=w=${width}:h=${height}:force_original_aspect_ratio=decrease:flags=area,pad=${width}:${height}:(ow-iw)/2:(oh-ih)/2`
  const args = ['-hide_banner', '-loglevel', 'error', '-f', 'image2pipe', '-c:v', 'mjpeg', '-i', 'pipe:0', '-vf', filter, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), args, {stdio: ['pipe', 'pipe', 'pipe']})
    const chunks: Buffer[] = []
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), DECODE_TIMEOUT_MS)
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)))
    // ffmpeg may stop reading early (a bad header): its closed stdin is reported by 'close' below.
    child.stdin.on('error', () => undefined)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(new RtccError(`could not start ffmpeg to decode a frame: ${error.message}`, {code: 'ffmpeg_missing'}))
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const data = Buffer.concat(chunks)
      if (code !== 0 || data.length < size) return reject(new RtccError(`could not decode the frame: ${stderr.trim().split('\n').pop() || `ffmpeg exited ${code}`}`, {code: 'not_media'}))
      resolve({width, height, data: new Uint8Array(data.buffer, data.byteOffset, size)})
    })
    child.stdin.end(jpeg)
  })
}
