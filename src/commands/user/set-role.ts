import {Args} from '@oclif/core'

import type {UserView} from '../../lib/domain/auth.js'
import {ROLES} from '../../lib/domain/roles.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {describeUser} from '../../lib/output/users.js'

export default class UserSetRole extends RtccCommand<typeof UserSetRole> {
  static override summary = "Change an account's role (admin); its sessions end."
  static override examples = ['<%= config.bin %> user set-role ana supervisor']
  static override args = {
    username: Args.string({required: true, description: 'User name.'}),
    role: Args.string({required: true, options: [...ROLES], description: 'New role.'}),
  }

  async run(): Promise<UserView> {
    const user = await (await this.api()).post<UserView>(`/v1/users/${encodeURIComponent(this.args.username)}/role`, {role: this.args.role})
    this.out(describeUser(user))
    return user
  }
}
