import {UserStateCommand} from '../../lib/output/user-state-command.js'

export default class UserUnlock extends UserStateCommand {
  static override summary = 'Unlock an account locked after repeated failed logins (admin).'
  static override examples = ['<%= config.bin %> user unlock ana', '<%= config.bin %> user unlock ana --json']
  static override endpoint = 'unlock' as const
}
