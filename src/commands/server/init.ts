import {Flags} from '@oclif/core'

import {RtccCommand} from '../../lib/output/base-command.js'
import {databaseFlag} from '../../lib/output/database-flag.js'
import {usageError} from '../../lib/errors.js'
import {readSecret} from '../../lib/output/secret-input.js'

export default class ServerInit extends RtccCommand<typeof ServerInit> {
  static override summary = 'Create the first admin account (once).'
  static override examples = [
    '<%= config.bin %> server init',
    '<%= config.bin %> server init --admin-user chief --admin-password-file ./admin.pw',
    'printf %s "$PW" | <%= config.bin %> server init --admin-user chief --admin-password-stdin --json',
  ]
  static override flags = {
    'data-dir': Flags.string({description: 'Data directory (default: $RTCC_DATA_DIR or ~/.local/share/rtcc).'}),
    database: databaseFlag,
    'admin-user': Flags.string({description: 'User name of the first admin.'}),
    'admin-password-file': Flags.string({description: 'Read the password from the first line of this file.', exclusive: ['admin-password-stdin']}),
    'admin-password-stdin': Flags.boolean({description: 'Read the password from stdin.'}),
  }

  async run() {
    const [{initServer}, {defaultDataDir}] = await Promise.all([import('../../lib/server/init.js'), import('../../lib/server/data-dir.js')])
    let username = this.flags['admin-user']
    if (!username) {
      if (!this.interactive()) throw usageError('no admin user name given', 'Pass --admin-user NAME.')
      const {input} = await import('@inquirer/prompts')
      username = await input({message: 'Admin user name:', default: 'admin'})
    }
    const password = await readSecret({
      file: this.flags['admin-password-file'],
      stdin: this.flags['admin-password-stdin'],
      prompt: `Password for ${username}:`,
      confirm: true,
      flagHint: '--admin-password-file FILE or --admin-password-stdin',
    })
    const result = await initServer(this.flags['data-dir'] ?? defaultDataDir(), {username, password}, this.flags.database)
    this.out(`created admin "${result.admin.username}" in ${result.dataDir}`)
    this.out(`next: rtcc server start, then rtcc login https://127.0.0.1:8443 --user ${result.admin.username}`)
    return result
  }
}
