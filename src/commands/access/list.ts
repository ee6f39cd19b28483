import {Flags} from '@oclif/core'

import {ACCESS_STATUSES} from '../../lib/domain/access.js'
import {RtccCommand} from '../../lib/output/base-command.js'

export default class AccessList extends RtccCommand<typeof AccessList> {
  static override summary = "Access requests: your agency's (agency users) or those on your cameras (owner)."
  static override examples = ['<%= config.bin %> access list', '<%= config.bin %> access list --status approved --json']
  static override flags = {status: Flags.string({options: [...ACCESS_STATUSES], description: 'Only requests in this state.'})}

  async run() {
    const [{listAccessRequests}, {renderAccessRequests}] = await Promise.all([import('../../lib/client/access.js'), import('../../lib/policy/render.js')])
    const list = await listAccessRequests(await this.api(), this.flags.status as (typeof ACCESS_STATUSES)[number] | undefined)
    this.out(renderAccessRequests(list))
    return list
  }
}
