import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {indexProgressBar, previewHits} from '../../src/lib/output/search.js'
import type {SearchHit} from '../../src/lib/search/query.js'
import {cropJpeg} from '../../src/lib/search/thumbnail.js'

const dir = mkdtempSync(join(tmpdir(), 'rtcc-search-out-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** A 64×48 frame, left half red, right half blue, cropped and saved as a sighting thumbnail. */
function thumbnail(name: string): string {
  const frame = {width: 64, height: 48, data: new Uint8Array(64 * 48 * 3)}
  for (let i = 0; i < 64 * 48; i++) frame.data.set(i % 64 < 32 ? [220, 20, 20] : [20, 40, 220], i * 3)
  const file = join(dir, name)
  writeFileSync(file, cropJpeg(frame, {x1: 8, y1: 8, x2: 56, y2: 40}))
  return file
}

const hit = (thumb: string): SearchHit => ({id: 'sig_1', label: 'car', score: 0.81, colours: ['red', 'blue'], camera: null, source: 'a.mp4', startSeconds: 1, endSeconds: 2, bestSeconds: 1, box: {x1: 0, y1: 0, x2: 1, y2: 1}, thumbnail: thumb})

describe('terminal output of search', () => {
  it('draws the top hits as half-block pictures in colour, labelled', async () => {
    const previous = {NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR, COLORTERM: process.env.COLORTERM}
    Object.assign(process.env, {FORCE_COLOR: '1', COLORTERM: 'truecolor'})
    delete process.env.NO_COLOR
    try {
      const text = await previewHits([hit(thumbnail('a.jpg')), hit(thumbnail('b.jpg'))], 4, 16)
      const lines = text.trimEnd().split('\n')
      expect(lines.at(-1)).toBe(`car 0.81${' '.repeat(10)}car 0.81`)
      expect(text).toContain('▀')
      // Truecolor red on the left of a tile, blue on its right.
      const colours = [...lines[2]!.matchAll(/\[38;2;(\d+);(\d+);(\d+)m/g)].map((m) => m.slice(1).map(Number))
      expect(colours.some(([r, g, b]) => r! > 180 && g! < 60 && b! < 60)).toBe(true)
      expect(colours.some(([r, g, b]) => r! < 60 && g! < 80 && b! > 180)).toBe(true)
    } finally {
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  })

  it('shows a progress bar with share and ETA only on a terminal', () => {
    let written = ''
    const tty = {isTTY: true, columns: 80, write: (s: string) => (written += s)} as unknown as NodeJS.WriteStream
    const bar = indexProgressBar(tty)!
    bar.update({file: 'door-12.mp4', doneSeconds: 30, totalSeconds: 120})
    bar.done()
    expect(written).toMatch(/^\r█{6}░{18} 25% {2}ETA \d+s {2}door-12\.mp4/)
    expect(indexProgressBar({isTTY: false} as NodeJS.WriteStream)).toBeUndefined()
  })
})
