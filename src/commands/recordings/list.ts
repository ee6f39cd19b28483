import {Args, Flags} from '@oclif/core'

import type {RecordingList} from '../../lib/domain/recording.js'
import {parseTime} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {renderTable} from '../../lib/output/table.js'

const local = (iso: string) => new Date(iso).toLocaleString(undefined, {timeZoneName: 'short'})

export default class RecordingsList extends RtccCommand<typeof RecordingsList> {
  static override summary = "List the time ranges of recorded video a camera's Core holds, with gaps (if the owner's policy for recordings allows you)."
  static override examples = [
    '<%= config.bin %> recordings list cam_01…',
    '<%= config.bin %> recordings list cam_01… --from 2026-12-05T22:00:00Z --to 2026-12-06T06:00:00Z --json',
    '<%= config.bin %> recordings list cam_01… --from 12h',
  ]
  static override args = {camera: Args.string({required: true, description: 'Camera id (cam_…).'})}
  static override flags = {
    from: Flags.string({description: 'Start of the window (ISO time, or a duration ago like 12h; default 30 days ago).'}),
    to: Flags.string({description: 'End of the window (default now).'}),
  }

  async run(): Promise<RecordingList> {
    const {listRecordings} = await import('../../lib/client/recordings.js')
    const window = {from: this.flags.from && parseTime(this.flags.from, '--from'), to: this.flags.to && parseTime(this.flags.to, '--to')}
    const list = await listRecordings(await this.api(), this.args.camera, window)
    const rows = [
      ...list.ranges.map((r) => ({what: 'video', from: r.from, to: r.to, note: ''})),
      ...list.gaps.map((g) => ({what: 'gap', from: g.from, to: g.to, note: g.reason})),
    ].sort((a, b) => a.from.localeCompare(b.from))
    this.note(`${list.cameraName} (${list.cameraId}) on Core ${list.coreId}: ${list.policy.reason}`)
    if (rows.length === 0) this.note('no recordings in the window')
    else
      this.out(
        renderTable(rows, [
          {header: 'kind', get: (r) => r.what},
          {header: 'from', get: (r) => local(r.from)},
          {header: 'to', get: (r) => local(r.to)},
          {header: 'note', get: (r) => r.note},
        ]),
      )
    return list
  }
}
