import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {colourName, dominantColours} from '../../src/lib/search/colours.js'
import {type Box, type Detector, loadDetector} from '../../src/lib/search/detector.js'
import {decodeFrames} from '../../src/lib/search/frames.js'
import {indexVideo} from '../../src/lib/search/index-video.js'
import {Tracker} from '../../src/lib/search/tracker.js'
import {opencvSample, panningVideo, skipWithoutOpencv, syntheticVideo} from './footage.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcc-search-'))
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const box = (x1: number, y1: number, x2: number, y2: number, score = 0.7, label: Box['label'] = 'car'): Box => ({label, score, x1, y1, x2, y2})

describe('the tracker', () => {
  it('merges one object moving over many frames into one track and keeps its best detection', () => {
    const tracker = new Tracker<number>(3)
    for (let i = 0; i < 10; i++) tracker.update(i * 0.5, [box(100 + i * 8, 50, 200 + i * 8, 120, i === 6 ? 0.9 : 0.6)], i)
    const [track, ...rest] = tracker.finish()
    expect(rest).toEqual([])
    expect(track).toMatchObject({firstSeconds: 0, lastSeconds: 4.5, bestSeconds: 3, bestFrame: 6, detections: 10})
  })

  it('keeps a still object open while the scene does not change', () => {
    const tracker = new Tracker<number>(3)
    tracker.update(0, [box(0, 0, 50, 50)], 0)
    for (let t = 0.5; t <= 20; t += 0.5) tracker.extend(t)
    tracker.update(20.5, [box(1, 0, 51, 50)], 1)
    expect(tracker.finish().map((t) => [t.firstSeconds, t.lastSeconds, t.detections])).toEqual([[0, 20.5, 2]])
  })

  it('keeps two objects apart, and starts a new track after a long gap or for another class', () => {
    const tracker = new Tracker<number>(3)
    tracker.update(0, [box(0, 0, 50, 50), box(300, 0, 350, 50)], 0)
    tracker.update(1, [box(2, 0, 52, 50), box(300, 0, 350, 50, 0.7, 'truck')], 1)
    tracker.update(10, [box(2, 0, 52, 50)], 2)
    const tracks = tracker.finish()
    expect(tracks.map((t) => [t.label, t.firstSeconds, t.lastSeconds])).toEqual([
      ['car', 0, 1],
      ['car', 0, 0],
      ['truck', 1, 1],
      ['car', 10, 10],
    ])
  })
})

describe('colour names', () => {
  it('names pure and muddy colours the way people do', () => {
    expect(colourName(220, 20, 30)).toBe('red')
    expect(colourName(30, 60, 200)).toBe('blue')
    expect(colourName(240, 140, 20)).toBe('orange')
    expect(colourName(240, 230, 40)).toBe('yellow')
    expect(colourName(30, 160, 60)).toBe('green')
    expect(colourName(120, 40, 170)).toBe('purple')
    expect(colourName(250, 160, 200)).toBe('pink')
    expect(colourName(100, 60, 30)).toBe('brown')
    expect(colourName(245, 245, 245)).toBe('white')
    expect(colourName(128, 128, 130)).toBe('grey')
    expect(colourName(10, 10, 12)).toBe('black')
  })

  it('reads a red and a blue object drawn into video, after H.264 and decoding', async () => {
    const video = syntheticVideo('color=c=0x707070:s=640x360', 'drawbox=x=60:y=100:w=180:h=140:color=0xD01818:t=fill,drawbox=x=380:y=80:w=200:h=160:color=0x1838C8:t=fill', join(dir, 'boxes.mp4'), 1)
    let frame
    for await (const f of decodeFrames(video, {width: 512, height: 288}, 2)) frame ??= f
    const scale = 512 / 640
    const at = (x: number, y: number, w: number, h: number) => ({x1: x * scale, y1: y * scale, x2: (x + w) * scale, y2: (y + h) * scale})
    expect(dominantColours(frame!, at(60, 100, 180, 140))).toEqual(['red'])
    expect(dominantColours(frame!, at(380, 80, 200, 160))).toEqual(['blue'])
    expect(dominantColours(frame!, at(250, 260, 100, 80))).toEqual(['grey'])
  })
})

describe.skipIf(skipWithoutOpencv)('indexing a video', () => {
  let detector: Detector
  beforeAll(async () => {
    detector = await loadDetector()
  })
  afterAll(() => detector?.dispose())

  it('finds nothing in an empty grey scene, and the motion gate spares the detector', async () => {
    const video = syntheticVideo('color=c=gray:s=640x360', '', join(dir, 'empty.mp4'), 6)
    const result = await indexVideo(video, detector)
    expect(result.sightings).toEqual([])
    expect(result.frames).toBe(12)
    // Frames at 0, 0.5 … 5.5 s: the detector looks at the first, and nothing changes after it.
    expect(result.detectorRuns).toBe(1)
  })

  it('follows the player in basketball1.png across a panning shot as one person sighting', async () => {
    const video = panningVideo(opencvSample('basketball1.png'), join(dir, 'pan.mp4'), 4)
    const result = await indexVideo(video, detector)
    expect(result.detectorRuns).toBe(result.frames)
    const people = result.sightings.filter((s) => s.label === 'person' && s.score >= 0.6)
    expect(people).toHaveLength(1)
    expect(people[0]).toMatchObject({startSeconds: 0})
    expect(people[0]!.endSeconds).toBeGreaterThanOrEqual(3.5)
    expect(people[0]!.detections).toBeGreaterThanOrEqual(7)
    expect(people[0]!.thumbnail.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]))
  })
})
