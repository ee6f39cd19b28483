/**
 * Draws an RGB image in a terminal with the upper half block `▀`: the foreground colour paints the
 * top pixel of a cell and the background the bottom one, so each text row shows two pixel rows.
 * Truecolor terminals get exact 24-bit colours, others the nearest of the 256-colour palette; without
 * colour (NO_COLOR, TERM=dumb) it falls back to a brightness ramp of ASCII characters.
 */
export interface Pixels {
  width: number
  height: number
  /** Packed RGB, 3 bytes per pixel, row by row. */
  data: Uint8Array
}

export type ColorMode = 'truecolor' | '256' | 'none'

const RESET = '\u001B[0m'
const RAMP = ' .:-=+*#%@'

/** The terminal's colour depth, from the usual environment conventions. */
export function colorMode(env: NodeJS.ProcessEnv = process.env, colors = true): ColorMode {
  if (!colors) return 'none'
  const colorterm = (env.COLORTERM ?? '').toLowerCase()
  if (colorterm === 'truecolor' || colorterm === '24bit') return 'truecolor'
  return '256'
}

/** Nearest xterm-256 colour: the 6×6×6 cube, or the 24-step grey ramp for greys. */
export function xterm256(r: number, g: number, b: number): number {
  if (Math.abs(r - g) < 10 && Math.abs(g - b) < 10) {
    const grey = (r + g + b) / 3
    if (grey < 4) return 16
    if (grey > 246) return 231
    return 232 + Math.round(((grey - 8) / 238) * 23)
  }
  const level = (v: number) => (v < 48 ? 0 : v < 115 ? 1 : Math.min(5, Math.floor((v - 35) / 40)))
  return 16 + 36 * level(r) + 6 * level(g) + level(b)
}

function sgr(mode: ColorMode, layer: 38 | 48, r: number, g: number, b: number): string {
  return mode === 'truecolor' ? `\u001B[${layer};2;${r};${g};${b}m` : `\u001B[${layer};5;${xterm256(r, g, b)}m`
}

const luminance = (r: number, g: number, b: number) => 0.2126 * r + 0.7152 * g + 0.0722 * b

/** `height / 2` lines of `width` cells (an odd last pixel row is drawn against black). */
export function halfBlockLines(pixels: Pixels, mode: ColorMode): string[] {
  const {width, height, data} = pixels
  const at = (x: number, y: number): [number, number, number] => {
    if (y >= height) return [0, 0, 0]
    const i = (y * width + x) * 3
    return [data[i]!, data[i + 1]!, data[i + 2]!]
  }
  const lines: string[] = []
  for (let y = 0; y < height; y += 2) {
    let line = ''
    let lastFg = ''
    let lastBg = ''
    for (let x = 0; x < width; x++) {
      const top = at(x, y)
      const bottom = at(x, y + 1)
      if (mode === 'none') {
        const light = (luminance(...top) + luminance(...bottom)) / 2
        line += RAMP[Math.min(RAMP.length - 1, Math.floor((light / 256) * RAMP.length))]
        continue
      }
      // Only emit a colour when it changes: a flat area costs one byte per cell.
      const fg = sgr(mode, 38, ...top)
      const bg = sgr(mode, 48, ...bottom)
      if (fg !== lastFg) line += fg
      if (bg !== lastBg) line += bg
      lastFg = fg
      lastBg = bg
      line += '▀'
    }
    lines.push(mode === 'none' ? line : line + RESET)
  }
  return lines
}
