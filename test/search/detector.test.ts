import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import {join, relative} from 'node:path'

import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'

import {type Detector, detectorFiles, loadDetector} from '../../src/lib/search/detector.js'
import {LABELS, labelOf} from '../../src/lib/search/labels.js'
import {parseQuery} from '../../src/lib/search/query.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {opencvSample, skipWithoutOpencv} from './footage.js'

const modelsDir = join(detectorFiles().json, '..')

/** Every path the process opens or reads while `fn` runs, through every fs entry point tfjs or we use. */
async function pathsOpenedDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = []
  const watch = <T extends object>(target: T, names: (keyof T)[]) =>
    names.map((name) => {
      const original = (target[name] as (...args: unknown[]) => unknown).bind(target)
      const spy = vi.spyOn(target, name as never) as unknown as {mockImplementation(fn: unknown): unknown; mockRestore(): void}
      spy.mockImplementation((...args: unknown[]) => {
        seen.push(String(args[0]))
        return original(...args)
      })
      return spy
    })
  const spies = [
    ...watch(fs, ['readFileSync', 'readFile', 'openSync', 'open', 'createReadStream']),
    ...watch(fsp, ['readFile', 'open']),
  ]
  try {
    await fn()
  } finally {
    for (const spy of spies) spy.mockRestore()
  }
  return seen
}

describe.skipIf(skipWithoutOpencv)('the object detector', () => {
  let detector: Detector
  let opened: string[]

  beforeAll(async () => {
    opened = await pathsOpenedDuring(async () => {
      detector = await loadDetector()
    })
  })
  afterAll(() => detector?.dispose())

  it('finds the person in basketball1.png as "person"', async () => {
    const size = {width: 512, height: 384}
    const raw = execFileSync(ffmpegPath(), ['-v', 'error', '-i', opencvSample('basketball1.png'), '-vf', `scale=${size.width}:${size.height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'])
    const boxes = await detector.detect({...size, data: new Uint8Array(raw)})
    const people = boxes.filter((b) => b.label === 'person' && b.score >= 0.6)
    expect(people.length).toBeGreaterThanOrEqual(1)
    // The left player: tall box on the left half of the picture.
    expect(people[0]!.x1).toBeLessThan(size.width / 2)
    expect(people[0]!.y2 - people[0]!.y1).toBeGreaterThan(size.height / 2)
    expect(boxes.every((b) => (LABELS as readonly string[]).includes(b.label))).toBe(true)
  })

  it('opens no model file but the object detector (no face, iris, emotion, age/gender or body model)', async () => {
    const inModels = opened.filter((p) => !relative(modelsDir, p).startsWith('..'))
    expect(new Set(inModels.map((p) => relative(modelsDir, p)))).toEqual(new Set(['centernet.json', 'centernet.bin']))
  })
})

describe('the no-face guarantee in code', () => {
  it('names no other model of the package anywhere in src/', () => {
    const others = [...new Set(readdirSync(modelsDir).map((f) => f.replace(/\.(json|bin)$/, '')))].filter((name) => name !== 'centernet' && name !== 'README.md')
    expect(others).toEqual(expect.arrayContaining(['blazeface', 'faceres', 'emotion', 'age', 'gender', 'iris']))
    const sources = (readdirSync('src', {recursive: true}) as string[]).filter((f) => /\.tsx?$/.test(f))
    for (const file of sources) {
      const text = readFileSync(join('src', file), 'utf8')
      for (const name of others) expect(text, `${file} names the ${name} model`).not.toMatch(new RegExp(`['"/]${name}\\.(json|bin)['"]`))
    }
  })

  it('has a closed list of 80 object classes where "person" is the only word about people', () => {
    expect(LABELS).toHaveLength(80)
    expect(Object.isFrozen(LABELS)).toBe(true)
    expect(labelOf(80)).toBeUndefined()
    expect(labelOf(-1)).toBeUndefined()
    for (const word of ['face', 'man', 'woman', 'child', 'age', 'gender', 'emotion', 'race', 'beard', 'glasses']) {
      expect(LABELS as readonly string[]).not.toContain(word)
      expect(() => parseQuery({class: word})).toThrow(/not a searchable class/)
    }
  })
})
