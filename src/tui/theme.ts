/**
 * Colours, decided once: severity and focus colours when the terminal has colour, nothing when
 * NO_COLOR or TERM=dumb asks for none (Ink's colour library ignores NO_COLOR, so we do not pass it
 * colours at all). Meaning never rests on colour alone: severities have labels and the focused pane a
 * double border.
 */
import {createContext, useContext} from 'react'

import type {Severity} from '../lib/domain/events.js'
import {colorEnabled} from '../lib/output/terminal.js'
import {type ColorMode, colorMode} from './render/half-block.js'

export interface Theme {
  color: boolean
  /** How thumbnails are drawn. */
  pixels: ColorMode
  /** Unicode glyphs (●, ✖, ◆, box drawing); off for TERM=linux consoles and the like. */
  unicode: boolean
}

export function detectTheme(stream: NodeJS.WriteStream = process.stdout, env: NodeJS.ProcessEnv = process.env): Theme {
  const color = colorEnabled(stream)
  return {color, pixels: colorMode(env, color), unicode: env.TERM !== 'linux' && env.TERM !== 'dumb'}
}

export const PLAIN_THEME: Theme = {color: false, pixels: 'none', unicode: true}

export const ThemeContext = createContext<Theme>(PLAIN_THEME)
export const useTheme = (): Theme => useContext(ThemeContext)

const SEVERITY_COLOR: Record<Severity, string | undefined> = {critical: 'red', warning: 'yellow', info: 'cyan'}
export const SEVERITY_LABEL: Record<Severity, string> = {critical: 'CRIT', warning: 'WARN', info: 'INFO'}

export const severityColor = (theme: Theme, severity: Severity): string | undefined => (theme.color ? SEVERITY_COLOR[severity] : undefined)
export const accent = (theme: Theme, name: string): string | undefined => (theme.color ? name : undefined)
