/** Live shares now: camera, site, why it is allowed (policy mode), how long, bitrate/fps, viewers. */
import {Text} from 'ink'

import type {LiveStream} from '../model/event-map.js'
import {bitrate, duration, fit} from '../render/format.js'
import {Pane, Row, visibleWindow} from './pane.js'

export interface StreamsPaneProps {
  streams: LiveStream[]
  selectedId?: string
  focused: boolean
  width: number
  height: number
  now: number
}

/** Narrow panes (80 columns split in two) leave out bitrate and fps; the details view has them. */
export function streamLine(stream: LiveStream, width: number, now: number): string {
  const rate = width >= 60 ? ` ${bitrate(stream.bitrate).padStart(9)} ${stream.fps === null ? '  –' : String(Math.round(stream.fps)).padStart(3)}fps` : ''
  const stats = `${fit(stream.policyMode, 9)} ${duration(now - Date.parse(stream.since)).padStart(6)}${rate} ${String(stream.viewers ?? '–').padStart(2)}v`
  const label = stream.site ? `${stream.cameraName} · ${stream.site}` : stream.cameraName
  return `${fit(label, Math.max(4, width - stats.length - 1))} ${stats}`
}

export function StreamsPane({streams, selectedId, focused, width, height, now}: StreamsPaneProps) {
  const rows = height - 3
  const selected = Math.max(0, streams.findIndex((s) => s.key === selectedId))
  const {start, end} = visibleWindow(streams.length, selected, rows)
  return (
    <Pane title={`Streams  ${streams.length} live`} focused={focused} width={width} height={height}>
      {streams.length === 0 ? <Text dimColor>no live streams</Text> : null}
      {streams.slice(start, end).map((stream, i) => (
        <Row key={stream.key} text={streamLine(stream, width - 2, now)} selected={focused && start + i === selected} />
      ))}
    </Pane>
  )
}
