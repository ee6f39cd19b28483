/**
 * Where the operator is: which pane has focus, what is selected in each, whether details, help or the
 * filter prompt is open. Selection is kept by row key, not position, so the highlighted alert stays
 * put while new ones arrive above it. Keys are turned into actions in `keyAction`.
 */
export const PANES = ['alerts', 'streams', 'requests'] as const
export type Pane = (typeof PANES)[number]

export type Overlay = 'none' | 'details' | 'help' | 'filter'

export interface UiState {
  focus: Pane
  /** Selected row key per pane; undefined means the first row. */
  selected: Record<Pane, string | undefined>
  overlay: Overlay
  filter: string
  /** What is being typed after `/`. */
  draft: string
}

const NOTHING_SELECTED: UiState['selected'] = {alerts: undefined, streams: undefined, requests: undefined}

export const initialUi: UiState = {
  focus: 'alerts',
  selected: NOTHING_SELECTED,
  overlay: 'none',
  filter: '',
  draft: '',
}

export type UiAction =
  | {type: 'focus'; step: 1 | -1}
  | {type: 'move'; step: number; keys: string[]}
  | {type: 'open'; overlay: Overlay}
  | {type: 'close'}
  | {type: 'draft'; text: string}
  | {type: 'apply-filter'}
  | {type: 'clear-filter'}

export function uiReducer(ui: UiState, action: UiAction): UiState {
  switch (action.type) {
    case 'focus': {
      const next = PANES[(PANES.indexOf(ui.focus) + action.step + PANES.length) % PANES.length]!
      return {...ui, focus: next}
    }
    case 'move': {
      if (action.keys.length === 0) return ui
      const current = Math.max(0, action.keys.indexOf(ui.selected[ui.focus] ?? action.keys[0]!))
      const next = Math.min(action.keys.length - 1, Math.max(0, current + action.step))
      return {...ui, selected: {...ui.selected, [ui.focus]: action.keys[next]}}
    }
    case 'open':
      return {...ui, overlay: action.overlay, draft: action.overlay === 'filter' ? ui.filter : ui.draft}
    case 'close':
      return {...ui, overlay: 'none', draft: ''}
    case 'draft':
      return {...ui, draft: action.text}
    case 'apply-filter':
      return {...ui, overlay: 'none', filter: ui.draft.trim(), draft: '', selected: NOTHING_SELECTED}
    case 'clear-filter':
      return {...ui, filter: '', selected: NOTHING_SELECTED}
  }
}

/** The subset of Ink's key flags the dashboard reads (kept here so this module stays free of Ink). */
export interface KeyPress {
  upArrow?: boolean
  downArrow?: boolean
  leftArrow?: boolean
  rightArrow?: boolean
  pageUp?: boolean
  pageDown?: boolean
  return?: boolean
  escape?: boolean
  tab?: boolean
  shift?: boolean
  backspace?: boolean
  delete?: boolean
  ctrl?: boolean
  meta?: boolean
}

export type Command = {ui: UiAction} | {acknowledge: 'selected' | 'all'} | {quit: true} | undefined

/** One key press → what to do, given what is open. `page` is how many rows a page key moves. */
export function keyAction(ui: UiState, input: string, key: KeyPress, keys: string[], page: number): Command {
  if (ui.overlay === 'filter') {
    if (key.return) return {ui: {type: 'apply-filter'}}
    if (key.escape) return {ui: {type: 'close'}}
    if (key.backspace || key.delete) return {ui: {type: 'draft', text: ui.draft.slice(0, -1)}}
    if (input && !key.ctrl && !key.meta && !key.tab) return {ui: {type: 'draft', text: ui.draft + input}}
    return undefined
  }
  if (input === 'q') return {quit: true}
  if (ui.overlay === 'help' || ui.overlay === 'details') {
    if (key.escape || key.return || input === '?') return {ui: {type: 'close'}}
    if (ui.overlay === 'details' && input === 'a') return {acknowledge: 'selected'}
    return undefined
  }
  if (key.tab) return {ui: {type: 'focus', step: key.shift ? -1 : 1}}
  if (key.rightArrow) return {ui: {type: 'focus', step: 1}}
  if (key.leftArrow) return {ui: {type: 'focus', step: -1}}
  if (key.downArrow || input === 'j') return {ui: {type: 'move', step: 1, keys}}
  if (key.upArrow || input === 'k') return {ui: {type: 'move', step: -1, keys}}
  if (key.pageDown) return {ui: {type: 'move', step: page, keys}}
  if (key.pageUp) return {ui: {type: 'move', step: -page, keys}}
  if (input === 'g') return {ui: {type: 'move', step: -keys.length, keys}}
  if (input === 'G') return {ui: {type: 'move', step: keys.length, keys}}
  if (key.return) return keys.length ? {ui: {type: 'open', overlay: 'details'}} : undefined
  if (input === 'a') return {acknowledge: 'selected'}
  if (input === 'A') return {acknowledge: 'all'}
  if (input === '/') return {ui: {type: 'open', overlay: 'filter'}}
  if (input === '?') return {ui: {type: 'open', overlay: 'help'}}
  if (key.escape && ui.filter) return {ui: {type: 'clear-filter'}}
  return undefined
}
