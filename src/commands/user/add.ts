import {Args, Flags} from '@oclif/core'

import {type UserView} from '../../lib/domain/auth.js'
import {ROLES} from '../../lib/domain/roles.js'
import {RtccCommand} from '../../lib/output/base-command.js'
import {readSecret} from '../../lib/output/secret-input.js'
import {describeUser} from '../../lib/output/users.js'

export default class UserAdd extends RtccCommand<typeof UserAdd> {
  static override summary = 'Create an account (admin).'
  static override examples = [
    '<%= config.bin %> user add ana --role investigator',
    'printf %s "$PW" | <%= config.bin %> user add ana --role investigator --password-stdin --json',
    '<%= config.bin %> user add lee --role analyst --agency "Chicago PD"',
  ]
  static override args = {username: Args.string({required: true, description: 'User name.'})}
  static override flags = {
    role: Flags.string({options: [...ROLES], required: true, description: 'Role of the new account.'}),
    'display-name': Flags.string({description: 'Full name shown in the audit log and dashboards.'}),
    agency: Flags.string({description: "Agency (name or id) whose jurisdiction bounds what this account sees; see `rtcc agency list`."}),
    'password-file': Flags.string({description: 'Read the initial password from this file.', exclusive: ['password-stdin']}),
    'password-stdin': Flags.boolean({description: 'Read the initial password from stdin.'}),
  }

  async run(): Promise<UserView> {
    const password = await readSecret({
      file: this.flags['password-file'],
      stdin: this.flags['password-stdin'],
      prompt: `Initial password for ${this.args.username}:`,
      confirm: true,
      flagHint: '--password-file FILE or --password-stdin',
    })
    const user = await (await this.api()).post<UserView>('/v1/users', {
      username: this.args.username,
      password,
      role: this.flags.role,
      displayName: this.flags['display-name'],
      agency: this.flags.agency,
    })
    this.out(`created ${describeUser(user)}`)
    return user
  }
}
