import {UserStateCommand} from '../../lib/output/user-state-command.js'

export default class UserEnable extends UserStateCommand {
  static override summary = 'Re-enable a disabled account (admin).'
  static override examples = ['<%= config.bin %> user enable ana', '<%= config.bin %> user enable ana --json']
  static override endpoint = 'enable' as const
}
