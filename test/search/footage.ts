/**
 * Test footage: Debian's opencv-doc sample pictures (installed, never committed) turned into short
 * videos with the bundled ffmpeg. Under CI=true a missing sample fails the test instead of skipping it.
 */
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'

import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'

const OPENCV_DATA = '/usr/share/doc/opencv-doc/examples/data'

export const hasOpencvData = existsSync(`${OPENCV_DATA}/basketball1.png`)
/** Skip locally without the package; under CI its absence is a failure, not a skip. */
export const skipWithoutOpencv = !hasOpencvData && !process.env.CI

export function opencvSample(name: string): string {
  const path = `${OPENCV_DATA}/${name}`
  if (!existsSync(path)) throw new Error(`missing ${path}: install Debian's opencv-doc (apt-get install opencv-doc)`)
  return path
}

const encode = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '10']

/** A still picture filmed by a slowly panning camera (every frame differs a little), `seconds` long. */
export function panningVideo(picture: string, out: string, seconds: number): string {
  const vf = `scale=720:-2,crop=640:in_h-40:x='t*10':y=20,scale=640:-2,fps=10`
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-loop', '1', '-i', picture, '-t', String(seconds), '-vf', vf, ...encode, out])
  return out
}

/** An ffmpeg lavfi source (e.g. `color=c=gray:s=640x360`) with optional filters, as an MP4 file. */
export function syntheticVideo(source: string, filters: string, out: string, seconds: number): string {
  execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', `${source}:r=10:d=${seconds}`, ...(filters ? ['-vf', filters] : []), ...encode, out])
  return out
}
