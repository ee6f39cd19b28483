/** One JPEG from the start of a stream (its init segment and a fragment that starts with a keyframe), decoded by ffmpeg. */
import {spawn} from 'node:child_process'

import {ffmpegPath} from '../../media/ffmpeg.js'
import {HttpError} from '../http-error.js'

const TIMEOUT_MS = 10_000

export function decodeFirstFrame(ts: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'mp4', '-i', 'pipe:0', '-map', '0:v:0', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '3', 'pipe:1'], {stdio: ['pipe', 'pipe', 'pipe']})
    const out: Buffer[] = []
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS)
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)))
    child.stdin.on('error', () => undefined) // ffmpeg may stop reading once it has its frame
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      const jpeg = Buffer.concat(out)
      if (code === 0 && jpeg[0] === 0xff && jpeg[1] === 0xd8) resolve(jpeg)
      else reject(new HttpError(502, 'snapshot_failed', `could not decode a picture from the stream: ${stderr.trim().split('\n').pop() ?? `ffmpeg exited ${code}`}`))
    })
    child.stdin.end(ts)
  })
}
