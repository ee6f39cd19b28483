import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class AccessDeny extends RtccCommand<typeof AccessDeny> {
  static override summary = 'Deny an access request (owner); the investigator is told.'
  static override examples = ['<%= config.bin %> access deny acc_01… --reason "the camera does not see the street"', '<%= config.bin %> access deny acc_01… --json']
  static override args = {id: Args.string({required: true, description: 'Access request id (acc_…).'})}
  static override flags = {reason: Flags.string({description: 'Why (the investigator sees it).'})}

  async run() {
    const [{denyAccess}, {renderAccessRequest}] = await Promise.all([import('../../lib/client/access.js'), import('../../lib/policy/render.js')])
    const request = await denyAccess(await this.api(), this.args.id, this.flags.reason)
    this.out(renderAccessRequest(request))
    return request
  }
}
