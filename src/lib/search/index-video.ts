/**
 * Indexes one video into sightings: decode at ~2 fps, gate on motion, detect, track, and describe each
 * track by its best detection (colours, crop). Box coordinates in a sighting are shares of the frame
 * (0–1), independent of the decode size.
 *
 * The motion gate compares each frame with the one the detector last saw, not with the previous frame:
 * slow changes add up until they count, and a frame that matches the last analysed one has nothing new
 * to find, so the detector is skipped and the objects it saw are taken to be still there. A detector
 * run every `detectEverySeconds` regardless is the safety net for changes below the gate's threshold.
 */
import {RtccError} from '../errors.js'
import {probeStream} from '../media/probe.js'
import {dominantColours, type Colour} from './colours.js'
import type {Box, Detector, Frame} from './detector.js'
import {decodeFrames, decodeSize} from './frames.js'
import {hasMotion} from './motion.js'
import {cropJpeg} from './thumbnail.js'
import {type Track, Tracker} from './tracker.js'

export interface Sighting {
  label: Box['label']
  score: number
  colours: Colour[]
  /** Offsets into the video, in seconds. */
  startSeconds: number
  endSeconds: number
  bestSeconds: number
  box: {x1: number; y1: number; x2: number; y2: number}
  detections: number
  thumbnail: Buffer
}

export interface IndexProgress {
  seconds: number
  durationSeconds: number | null
}

export interface IndexOptions {
  fps?: number
  width?: number
  /** Run the detector at least this often even when the gate sees no change. */
  detectEverySeconds?: number
  onProgress?: (progress: IndexProgress) => void
}

export interface VideoIndex {
  durationSeconds: number | null
  frames: number
  detectorRuns: number
  sightings: Sighting[]
}

export const INDEX_DEFAULTS = {fps: 2, width: 512, detectEverySeconds: 10}
/** How long a moving object may go undetected (behind a pole, a missed frame) and stay one sighting. */
const MAX_GAP_SECONDS = 3

export async function indexVideo(file: string, detector: Detector, options: IndexOptions = {}): Promise<VideoIndex> {
  const {fps, width, detectEverySeconds} = {...INDEX_DEFAULTS, ...options}
  const info = await probeStream(file).catch((error: unknown) => {
    throw new RtccError(`not a video file: ${file}`, {code: 'not_video', where: file, hint: 'Pass a video file or a folder holding video files.', details: error instanceof Error ? error.message : error})
  })
  if (!info.width || !info.height) throw new RtccError(`not a video file: ${file} (no picture)`, {code: 'not_video', where: file})
  const size = decodeSize(info, width)
  const tracker = new Tracker<Frame>(MAX_GAP_SECONDS)
  const sightings: Sighting[] = []
  let analysed: Frame | undefined
  let lastRun = -Infinity
  let frames = 0
  let detectorRuns = 0
  for await (const frame of decodeFrames(file, size, fps)) {
    frames++
    if (hasMotion(analysed, frame) || frame.seconds - lastRun >= detectEverySeconds) {
      tracker.update(frame.seconds, await detector.detect(frame), frame)
      analysed = frame
      lastRun = frame.seconds
      detectorRuns++
      sightings.push(...tracker.takeClosed().map((track) => describe(track, fps)))
    } else {
      tracker.extend(frame.seconds)
    }
    options.onProgress?.({seconds: frame.seconds, durationSeconds: info.durationSeconds})
  }
  sightings.push(...tracker.finish().map((track) => describe(track, fps)))
  return {durationSeconds: info.durationSeconds ?? frames / fps, frames, detectorRuns, sightings}
}

function describe(track: Track<Frame>, fps: number): Sighting {
  const frame = track.bestFrame
  const {x1, y1, x2, y2} = track.best
  const share = (v: number, of: number) => Math.round((v / of) * 1e4) / 1e4
  return {
    label: track.label,
    score: Math.round(track.best.score * 1000) / 1000,
    colours: dominantColours(frame, track.best),
    startSeconds: track.firstSeconds,
    // The object was there until at least the next decoded frame.
    endSeconds: track.lastSeconds + 1 / fps,
    bestSeconds: track.bestSeconds,
    box: {x1: share(x1, frame.width), y1: share(y1, frame.height), x2: share(x2, frame.width), y2: share(y2, frame.height)},
    detections: track.detections,
    thumbnail: cropJpeg(frame, track.best),
  }
}
