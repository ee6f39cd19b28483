import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'

export default class AccessInbox extends RtccCommand<typeof AccessInbox> {
  static override summary = 'Access requests waiting for your answer (owner).'
  static override examples = ['<%= config.bin %> access inbox', '<%= config.bin %> access inbox --all --json']
  static override flags = {all: Flags.boolean({description: 'Also show answered requests.'})}

  async run() {
    const [{listAccessRequests}, {renderAccessRequests}] = await Promise.all([import('../../lib/client/access.js'), import('../../lib/policy/render.js')])
    const list = await listAccessRequests(await this.api(), this.flags.all ? undefined : 'pending')
    this.out(list.length ? renderAccessRequests(list) + (this.flags.all ? '' : 'answer with `rtcc access approve ID` or `rtcc access deny ID --reason …`') : 'no access requests waiting')
    return list
  }
}
