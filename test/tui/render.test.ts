import {describe, expect, it} from 'vitest'

import {decodeJpeg} from '../../src/tui/thumbnail/decode.js'
import {colorMode, halfBlockLines, xterm256} from '../../src/tui/render/half-block.js'
import {offsetMetres, renderMiniMap, scaleBar} from '../../src/tui/render/mini-map.js'
import {ffmpegPath} from '../../src/lib/media/ffmpeg.js'
import {runMediaTool} from '../../src/lib/media/run.js'

const CENTER = {latitude: 41.8819, longitude: -87.6278}
/** A point `east` and `north` metres from the centre. */
const at = (east: number, north: number) => ({
  latitude: CENTER.latitude + north / 110_574,
  longitude: CENTER.longitude + east / (111_320 * Math.cos((CENTER.latitude * Math.PI) / 180)),
})

describe('mini-map', () => {
  it('puts the incident in the middle, a camera 200 m east to the right and one 200 m north above it', () => {
    const map = renderMiniMap({center: CENTER, radiusMetres: 250, width: 41, height: 21, points: [{...at(200, 0), mark: 'camera'}, {...at(0, 200), mark: 'shared'}]})
    expect(map.lines).toHaveLength(21)
    expect(map.lines.every((l) => [...l].length === 41)).toBe(true)
    expect(map.lines[10]![20]).toBe('✖')
    const col = Math.round(20 + 200 / map.metresPerColumn)
    expect(map.lines[10]![col]).toBe('•')
    const row = Math.round(10 - 200 / (2 * map.metresPerColumn))
    expect(map.lines[row]![20]).toBe('◆')
    expect(map.shown).toBe(2)
  })

  it('counts cameras sharing a cell, leaves out those beyond the drawn area, and draws the radius ring', () => {
    const points = [at(100, 100), at(101, 100), at(100, 101), at(5000, 0)].map((p) => ({...p, mark: 'camera' as const}))
    const map = renderMiniMap({center: CENTER, radiusMetres: 300, width: 31, height: 15, points, ascii: true})
    expect(map.lines.join('\n')).toContain('3')
    expect(map.shown).toBe(3)
    // The ring touches the top and bottom rows and crosses the middle row at both sides.
    expect(map.lines[0]).toContain('.')
    expect(map.lines[14]).toContain('.')
    expect(map.lines[7]!.trim()).toMatch(/^\..*X.*\.$/)
  })

  it('converts degrees to metres east and north', () => {
    const offset = offsetMetres(CENTER, at(120, -80))
    expect(offset.east).toBeCloseTo(120, 6)
    expect(offset.north).toBeCloseTo(-80, 6)
  })

  it('labels the scale bar with a round distance', () => {
    expect(scaleBar(12.5, 16)).toBe('├─── 200 m ────┤')
    expect(scaleBar(100, 16, true)).toMatch(/^\|-+ 1 km -+\|$/)
  })
})

describe('half-block thumbnail', () => {
  const image = {width: 2, height: 2, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255])}

  it('paints the top pixel as foreground and the bottom one as background, in 24-bit colour', () => {
    const [line] = halfBlockLines(image, 'truecolor')
    expect(line).toBe('\u001B[38;2;255;0;0m\u001B[48;2;0;0;255m▀\u001B[38;2;0;255;0m\u001B[48;2;255;255;255m▀\u001B[0m')
  })

  it('uses the 256-colour palette when truecolor is not announced, and a brightness ramp without colour', () => {
    expect(halfBlockLines(image, '256')[0]).toContain(`\u001B[38;5;${xterm256(255, 0, 0)}m`)
    expect(xterm256(255, 0, 0)).toBe(196)
    expect(xterm256(128, 128, 128)).toBeGreaterThanOrEqual(232)
    const plain = halfBlockLines({width: 2, height: 2, data: Uint8Array.from([0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255])}, 'none')
    expect(plain).toEqual([' @'])
    expect(colorMode({COLORTERM: 'truecolor'})).toBe('truecolor')
    expect(colorMode({})).toBe('256')
    expect(colorMode({COLORTERM: 'truecolor'}, false)).toBe('none')
  })

  it('decodes a real JPEG with ffmpeg into exactly the requested size, letterboxed', async () => {
    // A 160x40 frame, left half red and right half blue, fitted into 16x8: 16x4 of picture, black bars.
    const args = ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'color=c=red:s=80x40', '-f', 'lavfi', '-i', 'color=c=blue:s=80x40', '-filter_complex', 'hstack', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1']
    const {stdout: jpeg} = await runMediaTool(ffmpegPath(), args, {source: 'lavfi', action: 'render', timeoutMs: 10_000})
    const pixels = await decodeJpeg(jpeg, 16, 8)
    expect(pixels.data).toHaveLength(16 * 8 * 3)
    const px = (x: number, y: number) => Array.from(pixels.data.subarray((y * 16 + x) * 3, (y * 16 + x) * 3 + 3))
    expect(px(0, 0)).toEqual([0, 0, 0])
    const [r, g, b] = px(2, 4)
    expect(r).toBeGreaterThan(200)
    expect(b).toBeLessThan(60)
    expect(g).toBeLessThan(60)
    expect(px(13, 4)[2]).toBeGreaterThan(200)
  })

  it('refuses bytes that are not a JPEG with a clear error', async () => {
    await expect(decodeJpeg(Buffer.from('not a picture'), 8, 8)).rejects.toThrow(/could not decode the frame/)
  })
})
