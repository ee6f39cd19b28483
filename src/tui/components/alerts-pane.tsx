/** Alerts, newest first: unacknowledged ones marked and coloured by severity, handled ones dimmed. */
import {Text} from 'ink'

import type {Alert} from '../model/data.js'
import {clock, fit} from '../render/format.js'
import {SEVERITY_LABEL, severityColor, useTheme} from '../theme.js'
import {Pane, Row, visibleWindow} from './pane.js'

export interface AlertsPaneProps {
  alerts: Alert[]
  total: number
  unacknowledged: number
  selectedId?: number
  focused: boolean
  width: number
  height: number
  filter: string
}

export function alertLine(alert: Alert, width: number, unicode = true): string {
  const mark = alert.resolved ? (unicode ? '✓' : '+') : alert.acknowledged ? ' ' : unicode ? '●' : '*'
  const status = alert.resolved ? ` [${alert.resolved.note}]` : ''
  const text = `${alert.title}${status}${alert.detail ? ` — ${alert.detail}` : ''}`
  return `${mark} ${clock(alert.time)} ${SEVERITY_LABEL[alert.severity]} ${fit(text, Math.max(0, width - 16))}`
}

export function AlertsPane({alerts, total, unacknowledged, selectedId, focused, width, height, filter}: AlertsPaneProps) {
  const theme = useTheme()
  const rows = height - 3
  const selected = Math.max(0, alerts.findIndex((a) => a.id === selectedId))
  const {start, end} = visibleWindow(alerts.length, selected, rows)
  const shown = filter ? `${alerts.length} matching "${filter}" of ${total}` : `${total}`
  return (
    <Pane title={`Alerts  ${unacknowledged} new · ${shown}`} focused={focused} width={width} height={height}>
      {alerts.length === 0 ? <Text dimColor>{filter ? 'no alert matches the filter' : 'no alerts'}</Text> : null}
      {alerts.slice(start, end).map((alert, i) => {
        const handled = alert.acknowledged || alert.resolved !== undefined
        return (
          <Row
            key={alert.id}
            text={alertLine(alert, width - 2, theme.unicode)}
            selected={focused && start + i === selected}
            color={handled ? undefined : severityColor(theme, alert.severity)}
            bold={!handled && alert.severity === 'critical'}
            dim={handled}
          />
        )
      })}
    </Pane>
  )
}
