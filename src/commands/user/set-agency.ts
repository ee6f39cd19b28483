import {Args, Flags} from '@oclif/core'

import type {UserView} from '../../lib/domain/auth.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {usageError} from '../../lib/errors.js'
import {describeUser} from '../../lib/output/users.js'

export default class UserSetAgency extends RtccCommand<typeof UserSetAgency> {
  static override summary = "Put an agency account in an agency (admin): it then sees only the registry inside that agency's jurisdiction."
  static override examples = ['<%= config.bin %> user set-agency ana "Chicago PD"', '<%= config.bin %> user set-agency ana --none --json   # the whole registry (platform admin)']
  static override args = {
    username: Args.string({required: true, description: 'User name.'}),
    agency: Args.string({description: 'Agency name or id.'}),
  }
  static override flags = {
    none: Flags.boolean({description: 'Take the user out of any agency (sees the whole registry).'}),
  }

  async run(): Promise<UserView> {
    if ((this.args.agency === undefined) === !this.flags.none) throw usageError('give an AGENCY or --none', 'e.g. rtcc user set-agency ana "Chicago PD"')
    const {setUserAgency} = await import('../../lib/client/registry-agencies.js')
    const user = await setUserAgency(await this.api(), this.args.username, this.args.agency ?? null)
    this.out(`${describeUser(user)}, agency ${user.agencyId ?? 'none (whole registry)'}`)
    return user
  }
}
