/** The bottom line: the keys, or the filter being typed. */
import {Text} from 'ink'

import type {UiState} from '../model/ui.js'

export function KeyHints({ui, width}: {ui: UiState; width: number}) {
  if (ui.overlay === 'filter')
    return (
      <Text wrap="truncate">
        filter: <Text inverse>{ui.draft} </Text> <Text dimColor>Enter apply · Esc cancel</Text>
      </Text>
    )
  const hints =
    ui.overlay === 'none'
      ? `Tab/←→ pane · ↑↓/jk move · Enter details · a ack · A ack all · / filter${ui.filter ? ` [${ui.filter}] Esc clears` : ''} · ? help · q quit`
      : 'Esc/Enter back · a ack · q quit'
  return (
    <Text wrap="truncate" dimColor>
      {hints.slice(0, Math.max(0, width))}
    </Text>
  )
}
