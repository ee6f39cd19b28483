import {Args, Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import {databaseFlag} from '../../lib/output/database-flag.js'

export default class ServerUnlock extends RtccCommand<typeof ServerUnlock> {
  static override summary = "Unlock an account from the server machine, when no admin can log in (needs the data dir)."
  static override description =
    "Lifts an admin's lock and any lockout after failed logins, directly in the data dir: works with the server stopped. The audit log records it as a local action."
  static override examples = ['<%= config.bin %> server unlock chief --data-dir /srv/rtcc', '<%= config.bin %> server unlock chief --json']
  static override args = {username: Args.string({required: true, description: 'User name.'})}
  static override flags = {
    'data-dir': Flags.string({description: 'Data directory (default: $RTCC_DATA_DIR or ~/.local/share/rtcc).'}),
    database: databaseFlag,
  }

  async run() {
    const [{unlockLocally}, {defaultDataDir}, {describeUser}] = await Promise.all([
      import('../../lib/server/unlock.js'),
      import('../../lib/server/data-dir.js'),
      import('../../lib/output/users.js'),
    ])
    const result = await unlockLocally(this.flags['data-dir'] ?? defaultDataDir(), this.args.username, this.flags.database)
    this.out(`unlocked: ${describeUser(result.user)}`)
    return result
  }
}
