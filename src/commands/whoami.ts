import {RtccCommand} from '../lib/output/base-command.js'
import {whoamiCommand} from '../lib/output/read-commands.js'

export default class Whoami extends RtccCommand<typeof Whoami> {
  static override summary = 'Show who you are logged in as, with which role and until when.'
  static override examples = ['<%= config.bin %> whoami', '<%= config.bin %> whoami --json']

  // bin/run.js usually runs this without oclif (read-commands.ts); this is the path for --help and odd command lines.
  async run(): Promise<unknown> {
    return whoamiCommand.run(this.io(), {})
  }
}
