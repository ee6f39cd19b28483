import {Args, Flags} from '@oclif/core'

import {parseDuration} from '../../lib/domain/units.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class AccessApprove extends RtccCommand<typeof AccessApprove> {
  static override summary = 'Approve an access request (owner): opens a window from now, for that investigator only.'
  static override description = 'The window is signed with your owner key; your Core opens cameras set to `approval` only inside windows you signed. `rtcc access revoke` closes it early.'
  static override examples = ['<%= config.bin %> access approve acc_01…', '<%= config.bin %> access approve acc_01… --duration 15m --json']
  static override args = {id: Args.string({required: true, description: 'Access request id (acc_…).'})}
  static override flags = {duration: Flags.string({description: 'Grant a different length than asked: from 1m up to 24h, e.g. 15m, 1h.'})}

  async run() {
    const [{approveAccess}, {renderAccessRequest}] = await Promise.all([import('../../lib/client/access.js'), import('../../lib/policy/render.js')])
    const durationMs = this.flags.duration === undefined ? undefined : parseDuration(this.flags.duration, '--duration')
    const request = await approveAccess(await this.api(), this.args.id, {durationMs})
    this.out(renderAccessRequest(request))
    return request
  }
}
