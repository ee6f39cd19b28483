/**
 * Enter on a row: the alert (with a map around a panic), the stream (with its live picture) or the
 * case's requests one by one.
 */
import {Box, Text} from 'ink'

import type {DashboardSource} from '../../lib/client/dashboard.js'
import {useNearby} from '../hooks/use-nearby.js'
import {useThumbnail} from '../hooks/use-thumbnail.js'
import type {Alert, CaseRow, TrackedRequest} from '../model/data.js'
import type {LiveStream} from '../model/event-map.js'
import {bitrate, duration, localTime} from '../render/format.js'
import {SEVERITY_LABEL, severityColor, useTheme} from '../theme.js'
import {MiniMapView} from './mini-map-view.js'
import {Pane} from './pane.js'
import {ThumbnailView} from './thumbnail-view.js'

function Field({name, value}: {name: string; value: string}) {
  return (
    <Text wrap="truncate">
      <Text dimColor>{name.padEnd(10)}</Text>
      {value}
    </Text>
  )
}

interface Area {
  width: number
  height: number
}

/** Maps and pictures take the left part of a wide enough area; fields go to the right. */
const split = (width: number) => (width >= 60 ? Math.min(Math.floor(width * 0.55), 64) : 0)

export function AlertDetails({alert, source, radiusMetres, width, height, now}: Area & {alert: Alert; source: DashboardSource; radiusMetres: number; now: number}) {
  const theme = useTheme()
  const nearby = useNearby(source, alert.location, radiusMetres)
  const mapWidth = alert.location ? split(width - 2) : 0
  const status = alert.resolved ? `${alert.resolved.note} at ${localTime(alert.resolved.time)}` : alert.acknowledged ? 'acknowledged' : 'NEW — press a to acknowledge'
  return (
    <Pane title={`Alert #${alert.id}  ${alert.title}`} focused width={width} height={height}>
      <Box>
        {mapWidth ? (
          <Box marginRight={1} flexShrink={0}>
            <MiniMapView center={alert.location!} radiusMetres={radiusMetres} nearby={nearby.cameras} error={nearby.error} shared={alert.cameras ?? []} width={mapWidth} height={height - 3} />
          </Box>
        ) : null}
        <Box flexDirection="column" flexGrow={1}>
          <Text color={severityColor(theme, alert.severity)} bold>
            {SEVERITY_LABEL[alert.severity]} {alert.type}
          </Text>
          <Field name="time" value={localTime(alert.time)} />
          <Text dimColor wrap="wrap">{`raised ${duration(now - Date.parse(alert.time))} ago${alert.replayed ? ', before this dashboard connected' : ''}`}</Text>
          <Field name="status" value={status} />
          {alert.detail ? <Text wrap="wrap">{alert.detail}</Text> : null}
          {alert.location ? <Field name="location" value={`${alert.location.latitude.toFixed(5)}, ${alert.location.longitude.toFixed(5)}`} /> : null}
          {alert.cameras?.length ? <Field name="sharing" value={alert.cameras.map((c) => c.name).join(', ')} /> : null}
        </Box>
      </Box>
    </Pane>
  )
}

export function StreamDetails({stream, source, width, height, now}: Area & {stream: LiveStream; source: DashboardSource; now: number}) {
  const pictureWidth = split(width - 2) || width - 2
  const pixelRows = 2 * Math.max(2, Math.min(height - 5, Math.round((pictureWidth * 9) / 16 / 2)))
  const thumbnail = useThumbnail(source, stream.cameraId, pictureWidth, pixelRows)
  const wide = split(width - 2) > 0
  return (
    <Pane title={`Stream  ${stream.cameraName}`} focused width={width} height={height}>
      <Box flexDirection={wide ? 'row' : 'column'}>
        <Box marginRight={1} flexShrink={0}>
          <ThumbnailView thumbnail={thumbnail} width={pictureWidth} now={now} />
        </Box>
        <Box flexDirection="column" flexGrow={1}>
          <Field name="camera" value={`${stream.cameraName} (${stream.cameraId})`} />
          <Field name="site" value={stream.site || '–'} />
          <Field name="allowed" value={`owner policy: ${stream.policyMode}`} />
          <Field name="since" value={`${localTime(stream.since)} (${duration(now - Date.parse(stream.since))})`} />
          <Field name="video" value={`${bitrate(stream.bitrate)}, ${stream.fps ?? '–'} fps`} />
          <Field name="viewers" value={String(stream.viewers ?? '–')} />
        </Box>
      </Box>
    </Pane>
  )
}

export function CaseDetails({row, requests, width, height}: Area & {row: CaseRow; requests: Record<string, TrackedRequest>}) {
  const list = Object.entries(requests)
    .filter(([, r]) => r.caseId === row.caseId)
    .sort(([, a], [, b]) => b.changed.localeCompare(a.changed))
  return (
    <Pane title={`Case ${row.caseId}  ${row.fulfilled}/${row.total} fulfilled · ${row.open} open`} focused width={width} height={height}>
      {list.slice(0, Math.max(0, height - 3)).map(([id, r]) => (
        <Text key={id} wrap="truncate" dimColor={r.status !== 'fulfilled' && r.status !== 'issued' && r.status !== 'delivered' && r.status !== 'viewed'}>
          {id.padEnd(31)} {r.status.padEnd(10)} {localTime(r.changed)}
        </Text>
      ))}
    </Pane>
  )
}
