import type {StreamView} from '../../lib/domain/stream.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {type Column, renderTable} from '../../lib/output/table.js'

const columns: Column<StreamView>[] = [
  {header: 'camera', get: (s) => s.cameraId},
  {header: 'name', get: (s) => s.cameraName},
  {header: 'site', get: (s) => s.site},
  {header: 'policy', get: (s) => s.policyMode},
  {header: 'since', get: (s) => new Date(s.startedAt).toLocaleTimeString()},
  {header: 'until', get: (s) => (s.until ? new Date(s.until).toLocaleTimeString() : '')},
  {header: 'started by', get: (s) => s.startedBy},
  {header: 'viewers', get: (s) => s.viewers},
  {header: 'kbit/s', get: (s) => (s.bitrate === null ? '' : Math.round(s.bitrate / 1000))},
  {header: 'fps', get: (s) => s.fps ?? ''},
]

export default class StreamList extends RtccCommand<typeof StreamList> {
  static override summary = 'List live streams Cores are relaying now (in your jurisdiction).'
  static override examples = ['<%= config.bin %> stream list', '<%= config.bin %> stream list --json']

  async run(): Promise<StreamView[]> {
    const {listStreams} = await import('../../lib/client/streams.js')
    const streams = await listStreams(await this.api())
    if (streams.length === 0) this.note('no live streams')
    else this.out(renderTable(streams, columns))
    return streams
  }
}
