/** Footage canvasses by case: fulfilled of total, declined, still open; open cases first. */
import {Text} from 'ink'

import type {CaseRow} from '../model/data.js'
import {fit} from '../render/format.js'
import {Pane, Row, visibleWindow} from './pane.js'

export interface RequestsPaneProps {
  cases: CaseRow[]
  error?: string
  selectedId?: string
  focused: boolean
  width: number
  height: number
}

/** Fulfilled of total and how many are still open; wide panes add those closed without footage. */
export function caseLine(row: CaseRow, width: number): string {
  const without = row.declined + row.expired + row.cancelled
  const counts = `${row.fulfilled}/${row.total} fulfilled${row.open ? ` · ${row.open} open` : ''}${without && width >= 60 ? ` · ${without} without footage` : ''}`
  return `${fit(row.caseId, Math.max(4, width - counts.length - 1))} ${counts}`
}

export function RequestsPane({cases, error, selectedId, focused, width, height}: RequestsPaneProps) {
  const rows = height - 3 - (error ? 1 : 0)
  const selected = Math.max(0, cases.findIndex((c) => c.caseId === selectedId))
  const {start, end} = visibleWindow(cases.length, selected, rows)
  const open = cases.filter((c) => c.open > 0).length
  return (
    <Pane title={`Requests  ${open} open canvass${open === 1 ? '' : 'es'}`} focused={focused} width={width} height={height}>
      {error ? (
        <Text dimColor wrap="truncate">
          requests unavailable: {error}
        </Text>
      ) : null}
      {cases.length === 0 && !error ? <Text dimColor>no footage requests</Text> : null}
      {cases.slice(start, end).map((row, i) => (
        <Row key={row.caseId} text={caseLine(row, width - 2)} selected={focused && start + i === selected} dim={row.open === 0} />
      ))}
    </Pane>
  )
}
