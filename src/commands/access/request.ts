import {Args, Flags} from '@oclif/core'

import {parseDuration, parseTime} from '../../lib/domain/units.js'
import {usageError} from '../../lib/errors.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class AccessRequestCommand extends RtccCommand<typeof AccessRequestCommand> {
  static override summary = "Ask a camera's owner for a window of access (investigator)."
  static override description =
    'The owner is alerted and answers with `rtcc access approve` or `deny`. An approved window opens from the moment the owner approves, for you only, on cameras whose policy is `approval`; you get an `access.approved` event.'
  static override examples = [
    '<%= config.bin %> access request cam_01… --reason "shots fired on Clark St, suspect fled north" --duration 30m',
    '<%= config.bin %> access request cam_01… --reason "missing child last seen here" --duration 2h --json',
    '<%= config.bin %> access request cam_01… --kind recorded --from 2026-12-06T02:09:00Z --to 2026-12-06T02:11:00Z --reason "hit and run at 02:10"',
  ]
  static override args = {camera: Args.string({required: true, description: 'Camera id (cam_…).'})}
  static override flags = {
    reason: Flags.string({required: true, description: 'Why you need it (the owner reads this).'}),
    duration: Flags.string({default: '30m', description: 'How long a window you ask for: from 1m up to 24h, e.g. 15m, 2h.'}),
    kind: Flags.string({options: ['live', 'recorded'], default: 'live', description: 'Live video, or recorded video of --from..--to (the Core then releases that window only).'}),
    from: Flags.string({description: 'Recorded window start (--kind recorded): ISO time or an age such as 10m.'}),
    to: Flags.string({description: 'Recorded window end (--kind recorded): ISO time or an age such as 5m.'}),
  }

  async run() {
    const [{requestAccess}, {renderAccessRequest}] = await Promise.all([import('../../lib/client/access.js'), import('../../lib/policy/render.js')])
    const {kind, from, to} = this.flags
    if ((kind === 'recorded') !== (from !== undefined && to !== undefined) || (kind === 'live' && (from ?? to) !== undefined))
      throw usageError('--kind recorded needs --from and --to (the recorded window you want); live access takes neither', 'Pass e.g. --kind recorded --from 2026-12-06T02:09:00Z --to 2026-12-06T02:11:00Z.')
    const now = new Date()
    const recorded = kind === 'recorded' ? {from: parseTime(from!, '--from', now), to: parseTime(to!, '--to', now)} : undefined
    const request = await requestAccess(await this.api(), {camera: this.args.camera, reason: this.flags.reason, durationMs: parseDuration(this.flags.duration, '--duration'), recorded})
    this.out(renderAccessRequest(request) + 'the owner has been asked; watch for `access.approved` on the dashboard or run `rtcc access list`.')
    return request
  }
}
