import {UserStateCommand} from '../../lib/output/user-state-command.js'

export default class UserUnlock extends UserStateCommand {
  static override summary = "Unlock an account: lifts an admin's lock and any lockout after failed logins (admin)."
  static override description = 'A lockout after 5 failed logins also ends by itself after 15 minutes. With no admin able to log in, use `rtcc server unlock` on the server machine.'
  static override examples = ['<%= config.bin %> user unlock ana', '<%= config.bin %> user unlock ana --json']
  static override endpoint = 'unlock' as const
}
