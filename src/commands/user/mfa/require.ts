import {Args, Flags} from '@oclif/core'

import type {UserView} from '../../../lib/domain/auth.js'
import {RtccCommand} from '../../../lib/output/base-command.js'
import {describeUser} from '../../../lib/output/users.js'

export default class UserMfaRequire extends RtccCommand<typeof UserMfaRequire> {
  static override summary = 'Require (or stop requiring) a second factor for an agency account (admin).'
  static override description = 'A user without a second factor can then only enrol one after logging in. --reset clears a lost authenticator.'
  static override examples = ['<%= config.bin %> user mfa require ana', '<%= config.bin %> user mfa require ana --off', '<%= config.bin %> user mfa require ana --reset']
  static override args = {username: Args.string({required: true, description: 'User name.'})}
  static override flags = {
    off: Flags.boolean({description: 'Stop requiring it.'}),
    reset: Flags.boolean({description: 'Remove the enrolled factor (lost phone); the user enrols again.'}),
  }

  async run(): Promise<UserView> {
    const api = await this.api()
    const path = `/v1/users/${encodeURIComponent(this.args.username)}/mfa`
    const user = this.flags.reset ? await api.delete<UserView>(path) : await api.post<UserView>(path, {required: !this.flags.off})
    this.out(describeUser(user))
    return user
  }
}
