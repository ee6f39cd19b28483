import {Flags} from '@oclif/core'

import {parseTime} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class OwnerAccessReport extends RtccCommand<typeof OwnerAccessReport> {
  static override summary = 'Every access to your cameras: who, which agency, when, live or recorded, and under which policy reason (owner).'
  static override description =
    'Read from the tamper-evident audit log: live and recorded viewing through your Core, downloads of footage you sent, access requests, and refused attempts to change your policy. Your own actions are left out. Each entry carries its audit sequence number.'
  static override examples = ['<%= config.bin %> owner access-report', '<%= config.bin %> owner access-report --since 7d', '<%= config.bin %> owner access-report --since 2026-11-01 --json']
  static override flags = {since: Flags.string({description: 'From this time: ISO-8601, or a duration ago (7d, 24h).'})}

  async run() {
    const [{accessReport}, {renderAccessReport}] = await Promise.all([import('../../lib/client/access.js'), import('../../lib/policy/render.js')])
    const report = await accessReport(await this.api(), this.flags.since === undefined ? undefined : parseTime(this.flags.since, '--since'))
    this.out(renderAccessReport(report))
    return report
  }
}
