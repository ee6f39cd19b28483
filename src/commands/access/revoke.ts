import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class AccessRevoke extends RtccCommand<typeof AccessRevoke> {
  static override summary = 'Close an approved window early (owner); your Core stops sharing under it.'
  static override examples = ['<%= config.bin %> access revoke acc_01…', '<%= config.bin %> access revoke acc_01… --reason "done" --json']
  static override args = {id: Args.string({required: true, description: 'Access request id (acc_…).'})}
  static override flags = {reason: Flags.string({description: 'Why (the investigator sees it).'})}

  async run() {
    const [{revokeAccess}, {renderAccessRequest}] = await Promise.all([import('../../lib/client/access.js'), import('../../lib/policy/render.js')])
    const request = await revokeAccess(await this.api(), this.args.id, this.flags.reason)
    this.out(renderAccessRequest(request))
    return request
  }
}
