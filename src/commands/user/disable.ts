import {UserStateCommand} from '../../lib/output/user-state-command.js'

export default class UserDisable extends UserStateCommand {
  static override summary = 'Disable an account and end its sessions (admin).'
  static override examples = ['<%= config.bin %> user disable ana', '<%= config.bin %> user disable ana --json']
  static override endpoint = 'disable' as const
}
